import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { ConfirmJobData, ForwardJobData, TrackJobData } from './job-catalogue';
import { RECHECK_JOB_OPTIONS, WORK_JOB_OPTIONS } from './job-options';
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

  /**
   * For reconcile and operators: like `forward`, but a job of the same id that ended as failed is removed
   * first. BullMQ ignores an add whose id is still in the failed set, which would leave the row stuck.
   */
  async retryForward(items: readonly ForwardJobData[]): Promise<void> {
    await this.removeFailed(
      this.forwardQueue,
      items.map((i) => jobIds.forward(i.mottakId, i.attempt)),
    );
    await this.forward(items);
  }

  /** Like `confirm`, removing a failed job of the same id first (see retryForward). */
  async retryConfirm(mottakIds: readonly string[]): Promise<void> {
    await this.removeFailed(this.confirmQueue, mottakIds.map(jobIds.confirm));
    await this.confirm(mottakIds);
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
  async recheck(messageIds: readonly string[], delayMs = 0): Promise<void> {
    if (messageIds.length === 0) {
      return;
    }
    await this.trackQueue.add('recheck', { messageIds: [...messageIds] }, { ...RECHECK_JOB_OPTIONS, delay: delayMs });
  }

  /**
   * No status reads, by any replica, for this long: the queue's rate limit lives in Redis, so every worker of the
   * track queue waits, and the job that met the limit runs again after it (BullMQ's manual rate limit).
   */
  async pauseTracking(ms: number): Promise<void> {
    await this.trackQueue.rateLimit(ms);
  }

  private async removeFailed(queue: Queue, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const job = await queue.getJob(id);
      if (job && (await job.isFailed())) {
        await job.remove();
      }
    }
  }
}
