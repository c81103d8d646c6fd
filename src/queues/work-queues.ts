import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { ConfirmJobData, ForwardJobData, TrackJobData } from './job-catalogue';
import { WORK_JOB_OPTIONS } from './job-options';
import { jobIds, QueueName } from './queue-names';

/**
 * The one way work is enqueued. Ids are deterministic, so enqueueing what is already queued or running is
 * a no-op: poll, reconcile and a replay may all ask for the same forward without harm.
 */
@Injectable()
export class WorkQueues {
  constructor(
    @InjectQueue(QueueName.Forward) private readonly forwardQueue: Queue<ForwardJobData>,
    @InjectQueue(QueueName.Confirm) private readonly confirmQueue: Queue<ConfirmJobData>,
    @InjectQueue(QueueName.Track) private readonly trackQueue: Queue<TrackJobData>,
  ) {}

  async forward(items: readonly ForwardJobData[]): Promise<void> {
    if (items.length === 0) {
      return;
    }
    await this.forwardQueue.addBulk(
      items.map((data) => ({
        name: 'forward',
        data,
        opts: { ...WORK_JOB_OPTIONS, jobId: jobIds.forward(data.mottakId, data.attempt) },
      })),
    );
  }

  async confirm(mottakIds: readonly string[]): Promise<void> {
    if (mottakIds.length === 0) {
      return;
    }
    await this.confirmQueue.addBulk(
      mottakIds.map((mottakId) => ({
        name: 'confirm',
        data: { mottakId },
        opts: { ...WORK_JOB_OPTIONS, jobId: jobIds.confirm(mottakId) },
      })),
    );
  }

  /** Re-read these messages' statuses now (a webhook hint or an operator's re-check). */
  async recheck(messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) {
      return;
    }
    await this.trackQueue.add('recheck', { messageIds: [...messageIds] }, { attempts: 3, removeOnComplete: true });
  }
}
