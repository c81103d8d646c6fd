import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { workerHosts } from './worker-hosts';

/** Below the chart's terminationGracePeriodSeconds (40 s), so Kubernetes never has to kill us. */
export const DRAIN_TIMEOUT_MS = 25_000;

/**
 * On SIGTERM, before Postgres, Redis and the HTTP pool close: every worker stops taking jobs and the running
 * ones get DRAIN_TIMEOUT_MS to finish. A job still running then is abandoned; BullMQ sees it stalled and
 * another worker (or the next start) runs it again from the database's state, so nothing is lost.
 */
@Injectable()
export class WorkerDrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const hosts = workerHosts(this.discovery);
    const workers = hosts.flatMap((host) => {
      try {
        return [host.worker];
      } catch {
        // Never initialised (start-up failed before the workers were created): nothing to drain.
        return [];
      }
    });
    this.logger.log({ msg: 'draining workers', signal, workers: workers.length, timeoutMs: DRAIN_TIMEOUT_MS });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), DRAIN_TIMEOUT_MS);
    });
    const drained = Promise.all(workers.map((worker) => worker.close())).then(() => 'drained' as const);
    const result = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.logger.warn({ msg: 'drain timed out; abandoning running jobs (they will run again)' });
      await Promise.all(workers.map((worker) => worker.close(true)));
    }
    this.logger.log({ msg: 'workers closed', result });
  }
}
