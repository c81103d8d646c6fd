import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import { Clock } from '../clock/clock';
import { failureFields } from '../http/peer-error';
import { messageKey, RepeatedLog } from '../ops/repeated-log';
import { workerHosts } from './worker-hosts';

/**
 * One structured warning for every failed try of every queue's jobs: which job (queue, mottakId, messageIds,
 * attempt), whether BullMQ tries again, and — from the client error behind it — the peer, the operation, the
 * status and the reason. Without it a failed poll, track or confirm would leave no trace but a BullMQ record.
 * A forward parked as FAILED (UnrecoverableError) is not repeated here: the park itself is logged at error level.
 * While a peer is down every job fails the same way: the first such failure is logged, the rest are counted into
 * one summary line a minute (per queue, peer, operation, status and message).
 */
@Injectable()
export class JobFailureLogService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly repeated: RepeatedLog;

  constructor(
    private readonly discovery: DiscoveryService,
    clock: Clock,
  ) {
    this.repeated = new RepeatedLog((_level, fields) => this.logger.warn(fields), clock);
  }

  onApplicationShutdown(): void {
    this.repeated.stop();
  }

  onApplicationBootstrap(): void {
    this.repeated.start();
    for (const host of workerHosts(this.discovery)) {
      const { worker } = host;
      worker.on('failed', (job: Job | undefined, error: Error) => {
        if (error.name === 'UnrecoverableError') {
          return;
        }
        const data = (job?.data ?? {}) as { mottakId?: unknown; attempt?: unknown; messageIds?: unknown };
        const failure = failureFields(error);
        const key = [worker.name, failure.peer, failure.operation, failure.status, messageKey(error.message)].join('|');
        this.repeated.record(key, 'warn', {
          msg: 'job failed',
          queue: worker.name,
          mottakId: data.mottakId,
          attempt: data.attempt,
          messageIds: data.messageIds,
          tries: job?.attemptsMade,
          willRetry: job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1),
          ...failure,
        });
      });
    }
  }
}
