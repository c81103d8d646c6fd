import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import { failureFields } from '../http/peer-error';
import { workerHosts } from './worker-hosts';

/**
 * One structured warning for every failed try of every queue's jobs: which job (queue, mottakId, messageIds,
 * attempt), whether BullMQ tries again, and — from the client error behind it — the peer, the operation, the
 * status and the reason. Without it a failed poll, track or confirm would leave no trace but a BullMQ record.
 * A forward parked as FAILED (UnrecoverableError) is not repeated here: the park itself is logged at error level.
 */
@Injectable()
export class JobFailureLogService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Jobs');

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    for (const host of workerHosts(this.discovery)) {
      const { worker } = host;
      worker.on('failed', (job: Job | undefined, error: Error) => {
        if (error.name === 'UnrecoverableError') {
          return;
        }
        const data = (job?.data ?? {}) as { mottakId?: unknown; attempt?: unknown; messageIds?: unknown };
        this.logger.warn({
          msg: 'job failed',
          queue: worker.name,
          mottakId: data.mottakId,
          attempt: data.attempt,
          messageIds: data.messageIds,
          tries: job?.attemptsMade,
          willRetry: job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1),
          ...failureFields(error),
        });
      });
    }
  }
}
