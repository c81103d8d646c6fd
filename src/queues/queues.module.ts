import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClockModule } from '../clock/clock.module';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobFailureLogService } from './job-failure-log.service';
import { ALL_QUEUES } from './queue-names';
import { bullmqConnection } from './redis-options';
import { QueueErrorLogService } from './queue-error-log.service';
import { WorkerDrainService } from './worker-drain.service';
import { WorkQueues } from './work-queues';

@Global()
@Module({
  imports: [
    // The queue and job-failure logs summarise repeated errors over time: QueuesModule works wherever it is imported.
    ClockModule,
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: bullmqConnection(config.redis),
        prefix: config.redis.queuePrefix,
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: [WorkQueues, WorkerDrainService, QueueErrorLogService, JobFailureLogService],
  exports: [BullModule, WorkQueues],
})
export class QueuesModule {}
