import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { RateLimitError, type Job } from 'bullmq';
import { retryAfterOf } from '../http/peer-error';
import type { TrackJobData } from '../queues/job-catalogue';
import { WORKER_SETTINGS } from '../queues/job-options';
import { QueueName } from '../queues/queue-names';
import { WorkQueues } from '../queues/work-queues';
import { StatusTracker, type TrackResult } from './status-tracker';

@Processor(QueueName.Track, { settings: WORKER_SETTINGS })
export class TrackProcessor extends WorkerHost {
  private readonly logger = new Logger('Tracking');

  constructor(
    private readonly tracker: StatusTracker,
    private readonly queues: WorkQueues,
  ) {
    super();
  }

  async process(job: Job<TrackJobData>): Promise<TrackResult> {
    try {
      return await (job.data.messageIds ? this.tracker.recheck(job.data.messageIds) : this.tracker.tick());
    } catch (error) {
      const seconds = retryAfterOf(error);
      if (seconds === undefined || seconds <= 0) {
        throw error;
      }
      // The IP (or its gateway) asked for a pause: a scheduled tick would otherwise ask again at the next
      // interval, from whichever replica runs it. Status reads stop for all of them, and this job runs again after.
      await this.queues.pauseTracking(seconds * 1000);
      this.logger.warn({
        msg: 'the integrasjonspunkt asked us to wait; status reads paused',
        peer: 'integrasjonspunkt',
        operation: 'statuses',
        retryAfterSeconds: seconds,
        error: error instanceof Error ? error.message : String(error),
      });
      throw new RateLimitError();
    }
  }
}
