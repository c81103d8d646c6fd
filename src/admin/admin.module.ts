import { Inject, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { basicAuth } from '../ops/basic-auth';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';

/** The admin use-cases, for the CLI (no HTTP). */
@Module({ imports: [ForsendelseModule], providers: [AdminService], exports: [AdminService] })
export class AdminModule {}

/** /admin over HTTP behind basic auth; AppModule mounts it only when ADMIN_USERNAME/ADMIN_PASSWORD are set. */
@Module({ imports: [AdminModule], controllers: [AdminController] })
export class AdminApiModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    const admin = this.config.admin;
    if (!admin) {
      throw new Error('AdminApiModule needs ADMIN_USERNAME and ADMIN_PASSWORD');
    }
    consumer.apply(basicAuth(admin.username, admin.password)).forRoutes(AdminController);
  }
}
