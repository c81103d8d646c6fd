import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics } from '../ops/metrics';
import type { ForwardJobData } from '../queues/job-catalogue';
import { WORKER_SETTINGS } from '../queues/job-options';
import { QueueName } from '../queues/queue-names';
import { ForwardService, type ForwardOutcome } from './forward.service';

@Processor(QueueName.Forward, { settings: WORKER_SETTINGS })
export class ForwardProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly forwardService: ForwardService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.forward.concurrency;
  }

  async process(job: Job<ForwardJobData>): Promise<ForwardOutcome> {
    const end = this.metrics.forwardDuration.startTimer();
    try {
      const outcome = await this.forwardService.forward(job.data);
      end({ outcome });
      return outcome;
    } catch (error) {
      end({ outcome: error instanceof UnrecoverableError ? 'parked' : 'retry' });
      throw error;
    }
  }

  /** The last try failed (a day of retries): park the row with the error, so an operator sees it. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<ForwardJobData> | undefined, error: Error): Promise<void> {
    if (!job || error instanceof UnrecoverableError || error.name === 'UnrecoverableError') {
      return;
    }
    // Each failed try is logged, with its peer and operation, by JobFailureLogService.
    if (job.attemptsMade < (job.opts.attempts ?? 1)) {
      return;
    }
    await this.forwardService.giveUp(job.data, `gave up after ${job.attemptsMade} tries: ${error.message}`);
  }
}
