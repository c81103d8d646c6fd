import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { Clock } from '../clock/clock';
import { messageKey, RepeatedLog } from '../ops/repeated-log';
import { ALL_QUEUES } from './queue-names';
import { workerHosts } from './worker-hosts';

/**
 * Queues and workers emit 'error' while Redis is away (each reconnect attempt), when it refuses writes (OOM)
 * and when a job they are finishing is gone (a restart without persistence, a FLUSHALL: "Missing key for job …").
 * Unheard, BullMQ prints the raw error to stderr, past the JSON logger; heard here, the first of each kind is one
 * structured warning and its repeats are counted into one summary line a minute. The work is not lost:
 * reconcile enqueues it again, and readiness reports Redis while it is away.
 */
@Injectable()
export class QueueErrorLogService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly repeated: RepeatedLog;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    clock: Clock,
  ) {
    this.repeated = new RepeatedLog((_level, fields) => this.logger.warn(fields), clock);
  }

  onApplicationBootstrap(): void {
    for (const name of ALL_QUEUES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error: Error) => this.report('queue error', name, error));
    }
    for (const { worker } of workerHosts(this.discovery)) {
      worker.on('error', (error: Error) => this.report('worker error', worker.name, error));
    }
    this.repeated.start();
  }

  onApplicationShutdown(): void {
    this.repeated.stop();
  }

  private report(msg: string, queue: string, error: Error): void {
    this.repeated.record(`${msg}|${messageKey(error.message)}`, 'warn', { msg, queue, error: error.message });
  }
}
