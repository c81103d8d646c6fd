import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { FORSENDELSE_STATES, type ForsendelseState } from '../forsendelse/forsendelse-state';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { PEER_OUTCOMES } from '../http/peer-outcome';
import { ALL_QUEUES } from '../queues/queue-names';
import { Metrics } from './metrics';
import { PEERS, SharedHealth, type HealthSnapshot } from './shared-health';

/** How often the figures are read, and how long one source may take before the tick counts as failed. */
export const COLLECT_INTERVAL_MS = 5_000;
export const COLLECT_TIMEOUT_MS = 2_000;

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;
const IN_FLIGHT_STATES: readonly ForsendelseState[] = ['DISCOVERED', 'FORWARDING', 'SENT', 'DELIVERED'];

/**
 * Reads the database, the queues and the shared health in the background, so that /metrics only serializes
 * what is already there and answers at once even while Postgres or Redis is away: their figures stay at the last
 * reading, and `bridge_collector_last_success_timestamp_seconds` stops advancing. Each source is read by itself
 * and never twice at once: a source that hangs (a Redis client queues commands until it reconnects) holds only
 * its own figures back, and piles up no reads.
 */
@Injectable()
export class MetricsCollector implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('MetricsCollector');
  private readonly queues: Queue[];
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly failing = new Set<string>();
  /** The last shared health read, for readiness when Redis cannot be read. */
  lastHealth?: HealthSnapshot;

  constructor(
    private readonly metrics: Metrics,
    private readonly queries: ForsendelseQueries,
    private readonly health: SharedHealth,
    moduleRef: ModuleRef,
  ) {
    // Every queue there is, so a new one is counted without a change here.
    this.queues = ALL_QUEUES.map((name) => moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    for (const state of IN_FLIGHT_STATES) {
      metrics.oldestInFlightMs.set(state, undefined);
    }
    for (const peer of PEERS) {
      for (const outcome of PEER_OUTCOMES) {
        metrics.peerLastOutcome.set({ peer, outcome }, 0);
      }
      metrics.peerLastSuccess.set({ peer }, 0);
    }
    metrics.collectorLastSuccess.set(0);
    metrics.brregLastPollSuccess.set(0);
    metrics.tokenExpiry.set(0);
  }

  onModuleInit(): void {
    void this.collect();
    this.timer = setInterval(() => void this.collect(), COLLECT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One tick: every source at once; the timestamp moves only when all of them answered in time. */
  async collect(): Promise<void> {
    const results = await Promise.all([
      this.read('postgres', () => this.readDatabase()),
      this.read('queues', () => this.readQueues()),
      this.read('shared health', () => this.readHealth()),
    ]);
    if (results.every(Boolean)) {
      this.metrics.collectorLastSuccess.set(Date.now() / 1000);
    }
  }

  private async readDatabase(): Promise<void> {
    const { counts, oldestCreatedMs } = await this.queries.figures();
    for (const state of FORSENDELSE_STATES) {
      this.metrics.forsendelser.set({ state }, counts[state]);
    }
    for (const state of IN_FLIGHT_STATES) {
      this.metrics.oldestInFlightMs.set(state, oldestCreatedMs[state]);
    }
  }

  private async readQueues(): Promise<void> {
    const all = await Promise.all(this.queues.map((queue) => queue.getJobCounts(...JOB_STATES)));
    this.queues.forEach((queue, i) => {
      for (const state of JOB_STATES) {
        this.metrics.queueJobs.set({ queue: queue.name, state }, all[i][state] ?? 0);
      }
    });
  }

  private async readHealth(): Promise<void> {
    try {
      this.lastHealth = await this.health.read();
    } catch (error) {
      // What this replica saw itself still counts while Redis is away.
      this.show(this.health.withLocal(this.lastHealth));
      throw error;
    }
    this.show(this.lastHealth);
  }

  /** The shared health as series; also from this replica's own view while Redis is away. */
  show(snapshot: HealthSnapshot): void {
    this.metrics.brregLastPollSuccess.set((snapshot.lastPollSuccessMs ?? 0) / 1000);
    this.metrics.tokenExpiry.set((snapshot.tokenExpiresAtMs ?? 0) / 1000);
    for (const peer of PEERS) {
      const state = snapshot.peers[peer];
      for (const outcome of PEER_OUTCOMES) {
        this.metrics.peerLastOutcome.set({ peer, outcome }, state?.call.outcome === outcome ? 1 : 0);
      }
      this.metrics.peerLastSuccess.set({ peer }, (state?.lastSuccessMs ?? 0) / 1000);
    }
  }

  /** Runs one source unless its previous read is still pending; false when it failed or took too long. */
  private async read(source: string, work: () => Promise<void>): Promise<boolean> {
    if (this.inFlight.has(source)) {
      this.report(source, new Error('the previous read has not finished'));
      return false;
    }
    const running = work().finally(() => this.inFlight.delete(source));
    this.inFlight.set(source, running);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        running,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${COLLECT_TIMEOUT_MS} ms`)), COLLECT_TIMEOUT_MS);
        }),
      ]);
      if (this.failing.delete(source)) {
        this.logger.log({ msg: 'metrics source answers again', source });
      }
      return true;
    } catch (error) {
      // The pending read keeps its catch, so a late rejection is not an unhandled one.
      running.catch(() => undefined);
      this.report(source, error);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One warning per outage of a source, not one per tick. */
  private report(source: string, error: unknown): void {
    if (!this.failing.has(source)) {
      this.failing.add(source);
      this.logger.warn({
        msg: 'metrics source not read; serving its last figures',
        source,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
