import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { ForwardJobData } from '../queues/job-catalogue';
import { WORKER_SETTINGS } from '../queues/job-options';
import { QueueName } from '../queues/queue-names';
import { ForwardService, type ForwardOutcome } from './forward.service';

@Processor(QueueName.Forward, { settings: WORKER_SETTINGS })
export class ForwardProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly forwardService: ForwardService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.forward.concurrency;
  }

  async process(job: Job<ForwardJobData>): Promise<ForwardOutcome> {
    return this.forwardService.forward(job.data);
  }
}
