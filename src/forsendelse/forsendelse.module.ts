import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { databaseCause, StartupError } from '../ops/startup-failure';
import { databaseOptions } from './database.options';
import { initializeWithMigrations } from './exclusive-migrations';
import { ForsendelseQueries } from './forsendelse-queries';
import { ForsendelseTransitions } from './forsendelse-transitions';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...databaseOptions(config.database.url, config.database.migrate),
        // Fail at once rather than Nest's 10 × 3 s: a missing database should stop start-up clearly (docs/development.md, trap 10).
        retryAttempts: 0,
      }),
      dataSourceFactory: (options) => {
        if (!options) {
          throw new Error('TypeORM options missing');
        }
        // The cause, named for the variable that points at it, instead of TypeORM's "Unable to connect … Retrying".
        return initializeWithMigrations(options).catch((error: unknown) => {
          throw new StartupError('DATABASE_URL', databaseCause(error), { cause: error });
        });
      },
    }),
  ],
  providers: [ForsendelseTransitions, ForsendelseQueries],
  exports: [ForsendelseTransitions, ForsendelseQueries],
})
export class ForsendelseModule {}
