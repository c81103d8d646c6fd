import { Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics } from './metrics';
import { SharedHealth } from './shared-health';

/**
 * Global so that clients and the repository can count, and report each call's outcome to the shared health,
 * without importing the ops module.
 */
@Global()
@Module({
  providers: [
    { provide: Metrics, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new Metrics(config.commit) },
    SharedHealth,
  ],
  exports: [Metrics, SharedHealth],
})
export class MetricsModule {}
