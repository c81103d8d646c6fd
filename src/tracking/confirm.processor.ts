import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { ConfirmJobData } from '../queues/job-catalogue';
import { WORKER_SETTINGS } from '../queues/job-options';
import { QueueName } from '../queues/queue-names';
import { ConfirmService, type ConfirmOutcome } from './confirm.service';

@Processor(QueueName.Confirm, { settings: WORKER_SETTINGS })
export class ConfirmProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly confirmService: ConfirmService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.confirm.concurrency;
  }

  async process(job: Job<ConfirmJobData>): Promise<ConfirmOutcome> {
    return this.confirmService.confirm(job.data.mottakId);
  }
}
