import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { Clock } from '../clock/clock';
import type { Peer } from '../http/peer-error';
import type { PeerOutcome } from '../http/peer-outcome';
import { QueueName } from '../queues/queue-names';
import { MetricsCollector } from './metrics.collector';
import { describePeer } from './peer-words';
import { PEERS, SharedHealth, type HealthSnapshot } from './shared-health';

export interface Check {
  ok: boolean;
  reason?: string;
}

export interface PeerReport {
  /** The outcome of the last call (any replica); absent before the first. */
  outcome?: PeerOutcome;
  /** One line an operator can act on. */
  summary: string;
  since?: string;
  lastSuccessAt?: string;
}

/** What the replicas know together. Information only: none of it makes a pod unready. */
export interface ReadinessInfo {
  /** `shared`: read from Redis now; `this replica`: Redis could not be read, so the last reading and our own. */
  source: 'shared' | 'this replica';
  brregPoll: { lastSuccessAt?: string; ageSeconds?: number; summary: string };
  maskinportenToken: { expiresAt?: string; expiresInSeconds?: number; summary: string };
  peers: Record<Peer, PeerReport>;
}

export interface Readiness {
  ready: boolean;
  /** The checks that failed, by name: what made the pod unready. */
  failing: ('postgres' | 'redis')[];
  checks: Record<'postgres' | 'redis', Check>;
  info: ReadinessInfo;
}

/** A check that does not answer within this is failed: a probe must not hang. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * Ready = this pod can do its work: Postgres and Redis answer. Whether Brreg, Maskinporten or the IP work is
 * the same for every replica, so it never makes a pod unready (that would empty the Service, cut off the webhook
 * and stall a rollout, all at once); it is shown in the body (the peers' last outcomes, the freshness of the
 * last poll and of the token, shared across replicas), in the metrics, and raised by alerts.
 */
@Injectable()
export class ReadinessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.BrregPoll) private readonly pollQueue: Queue,
    private readonly health: SharedHealth,
    private readonly collector: MetricsCollector,
    private readonly clock: Clock,
  ) {}

  async check(): Promise<Readiness> {
    const [postgres, redis, shared] = await Promise.all([
      this.probe(async () => {
        await this.dataSource.query('SELECT 1');
      }),
      this.probe(async () => {
        // A real round trip; while Redis is away the client queues commands and the timeout answers.
        await this.pollQueue.getJobCounts('waiting');
      }),
      withTimeout(this.health.read()).catch(() => undefined),
    ]);
    const info = shared
      ? this.describe(shared, 'shared')
      : this.describe(this.health.withLocal(this.collector.lastHealth), 'this replica');
    const checks = { postgres, redis };
    const failing = (['postgres', 'redis'] as const).filter((name) => !checks[name].ok);
    return { ready: failing.length === 0, failing, checks, info };
  }

  private describe(snapshot: HealthSnapshot, source: ReadinessInfo['source']): ReadinessInfo {
    const now = this.clock.now();
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const seconds = (ms: number) => Math.round(ms / 1000);
    const poll = snapshot.lastPollSuccessMs;
    const expiry = snapshot.tokenExpiresAtMs;
    const peers = Object.fromEntries(
      PEERS.map((peer) => {
        const state = snapshot.peers[peer];
        const report: PeerReport = {
          outcome: state?.call.outcome,
          summary: describePeer(peer, state, now),
          since: state && state.call.outcome !== 'ok' ? iso(state.sinceMs) : undefined,
          lastSuccessAt: iso(state?.lastSuccessMs),
        };
        return [peer, report];
      }),
    ) as Record<Peer, PeerReport>;
    return {
      source,
      brregPoll: {
        lastSuccessAt: iso(poll),
        ageSeconds: poll === undefined ? undefined : seconds(now - poll),
        summary:
          poll === undefined
            ? 'no poll has reached Brreg since the shared record began; see peers.brreg'
            : `the last successful poll (any replica) was ${seconds(now - poll)} s ago`,
      },
      maskinportenToken: {
        expiresAt: iso(expiry),
        expiresInSeconds: expiry === undefined ? undefined : seconds(expiry - now),
        summary:
          expiry === undefined
            ? 'no token fetched since the shared record began; see peers.maskinporten'
            : expiry > now
              ? `the newest token (any replica) expires in ${seconds(expiry - now)} s`
              : `the newest token (any replica) expired ${seconds(now - expiry)} s ago; see peers.maskinporten`,
      },
      peers,
    };
  }

  private async probe(work: () => Promise<void>): Promise<Check> {
    try {
      await withTimeout(work());
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
