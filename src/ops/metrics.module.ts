import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';

/** Global so that clients and the repository can count without importing the ops module. */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
