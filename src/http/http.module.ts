import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { OutboundHttp } from './outbound-http';

@Global()
@Module({
  providers: [
    { provide: OutboundHttp, inject: [APP_CONFIG], useFactory: (c: AppConfig) => OutboundHttp.fromConfig(c) },
  ],
  exports: [OutboundHttp],
})
export class HttpModule implements OnApplicationShutdown {
  constructor(@Inject(OutboundHttp) private readonly http: OutboundHttp) {}

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }
}
