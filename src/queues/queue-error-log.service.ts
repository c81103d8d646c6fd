import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { ALL_QUEUES } from './queue-names';
import { workerHosts } from './worker-hosts';

/**
 * Queues and workers emit 'error' while Redis is away (each reconnect attempt) and when a job they are finishing
 * is gone (a restart without persistence, a FLUSHALL: "Missing key for job …"). Unheard, BullMQ prints the raw
 * error to stderr, past the JSON logger; heard here, each is one structured warning. The work is not lost:
 * reconcile enqueues it again, and readiness reports Redis while it is away.
 */
@Injectable()
export class QueueErrorLogService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of ALL_QUEUES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error: Error) => this.logger.warn({ msg: 'queue error', queue: name, error: error.message }));
    }
    for (const { worker } of workerHosts(this.discovery)) {
      worker.on('error', (error: Error) =>
        this.logger.warn({ msg: 'worker error', queue: worker.name, error: error.message }),
      );
    }
  }
}
