import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { TrackJobData } from '../queues/job-catalogue';
import { WORKER_SETTINGS } from '../queues/job-options';
import { QueueName } from '../queues/queue-names';
import { StatusTracker, type TrackResult } from './status-tracker';

@Processor(QueueName.Track, { settings: WORKER_SETTINGS })
export class TrackProcessor extends WorkerHost {
  constructor(private readonly tracker: StatusTracker) {
    super();
  }

  async process(job: Job<TrackJobData>): Promise<TrackResult> {
    return job.data.messageIds ? this.tracker.recheck(job.data.messageIds) : this.tracker.tick();
  }
}
