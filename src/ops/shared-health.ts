import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Peer } from '../http/peer-error';
import { PEER_OUTCOMES, type PeerCall, type PeerOutcomeRecorder } from '../http/peer-outcome';
import { openRedis } from '../queues/redis-options';

export const PEERS: readonly Peer[] = ['brreg', 'maskinporten', 'integrasjonspunkt'];

/** A peer's last outcome as every replica sees it. */
export interface PeerState {
  call: PeerCall;
  /** When that call ended (ms). */
  atMs: number;
  /** When the current run of this outcome began (ms): "every call since …". */
  sinceMs: number;
  lastSuccessMs?: number;
}

/** What the replicas know together: freshness of the poll and the token, each peer's last outcome. */
export interface HealthSnapshot {
  lastPollSuccessMs?: number;
  tokenExpiresAtMs?: number;
  peers: Partial<Record<Peer, PeerState>>;
}

/** How often recorded outcomes of an unchanged kind are written; a change of kind is written at once. */
const FLUSH_INTERVAL_MS = 1_000;

const callSchema = z.object({
  peer: z.enum(['brreg', 'maskinporten', 'integrasjonspunkt']),
  outcome: z.enum(PEER_OUTCOMES),
  operation: z.string(),
  path: z.string().optional(),
  status: z.number().int().optional(),
  detail: z.string().optional(),
  advice: z.string().optional(),
});
const epochMs = z.coerce.number().int().nonnegative();

/** Keeps `field` at the largest value written: replicas report out of order. */
const WRITE_MAX = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1`;

/**
 * A peer's outcome: an older report than the one stored is dropped; "since" moves only when the kind changes,
 * so a run of the same failure seen by several replicas keeps its start.
 */
const WRITE_PEER = `
local p = ARGV[1]
local at = tonumber(ARGV[3])
if at < tonumber(redis.call('HGET', KEYS[1], p .. '.at') or '0') then return 0 end
if redis.call('HGET', KEYS[1], p .. '.kind') ~= ARGV[2] then redis.call('HSET', KEYS[1], p .. '.since', ARGV[4]) end
redis.call('HSET', KEYS[1], p .. '.kind', ARGV[2], p .. '.at', ARGV[3], p .. '.call', ARGV[5])
if ARGV[2] == 'ok' and at > tonumber(redis.call('HGET', KEYS[1], p .. '.success') or '0') then
  redis.call('HSET', KEYS[1], p .. '.success', ARGV[3])
end
return 1`;

interface LocalPeer extends PeerState {
  dirty: boolean;
}

/**
 * Health facts that belong to the deployment, not to one pod, kept in one Redis hash: when a Brreg poll last
 * succeeded (only one replica runs each poll), the expiry of the newest Maskinporten token, and each peer's last
 * outcome (recorded by whichever replica made the call). Every replica's /health/ready and /metrics show the same.
 *
 * Redis, not Postgres: the clients report every call, and a hash write is cheap where an UPDATE of one hot row per
 * call would churn a table; the values are disposable (a flushed or evicted hash is refilled by the next call), and
 * readiness already depends on Redis. A connection of its own that fails fast when Redis is away (no offline
 * queue): a report is never awaited by a client, and what could not be written is written at the next flush.
 */
@Injectable()
export class SharedHealth implements PeerOutcomeRecorder, OnApplicationShutdown {
  private readonly logger = new Logger('SharedHealth');
  private readonly redis: Redis;
  private readonly key: string;
  private readonly local: Partial<Record<Peer, LocalPeer>> = {};
  private lastPollSuccessMs?: number;
  private tokenExpiresAtMs?: number;
  private pending = { poll: false, token: false };
  private flushing?: Promise<void>;
  private readonly timer: NodeJS.Timeout;
  private writeFailing = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.key = `${config.redis.queuePrefix}:bridge-health`;
    // Opened like BullMQ's connection (src/queues/redis-options.ts): TLS, URL options and Sentinel alike.
    this.redis = openRedis(config.redis, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
    });
    // Outages are readiness's to report; this connection reconnects by itself.
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('healthWriteMax', { numberOfKeys: 1, lua: WRITE_MAX });
    this.redis.defineCommand('healthWritePeer', { numberOfKeys: 1, lua: WRITE_PEER });
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(call: PeerCall): void {
    const now = this.clock.now();
    const previous = this.local[call.peer];
    const changed = previous?.call.outcome !== call.outcome;
    this.local[call.peer] = {
      call,
      atMs: now,
      sinceMs: changed || !previous ? now : previous.sinceMs,
      lastSuccessMs: call.outcome === 'ok' ? now : previous?.lastSuccessMs,
      dirty: true,
    };
    if (changed) {
      void this.flush();
    }
  }

  pollSucceeded(atMs: number): void {
    this.lastPollSuccessMs = Math.max(atMs, this.lastPollSuccessMs ?? 0);
    this.pending.poll = true;
    void this.flush();
  }

  tokenFetched(expiresAtMs: number): void {
    this.tokenExpiresAtMs = Math.max(expiresAtMs, this.tokenExpiresAtMs ?? 0);
    this.pending.token = true;
    void this.flush();
  }

  /** The shared facts, merged with this replica's own newer ones. Rejects when Redis does not answer. */
  async read(): Promise<HealthSnapshot> {
    const hash = await this.redis.hgetall(this.key);
    return this.merge(parseHash(hash));
  }

  /** `shared` (the last one read) with this replica's own newer facts: for when Redis cannot be read. */
  withLocal(shared: HealthSnapshot = { peers: {} }): HealthSnapshot {
    return this.merge(shared);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
    this.redis.disconnect();
  }

  private merge(shared: HealthSnapshot): HealthSnapshot {
    const max = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
    const peers: HealthSnapshot['peers'] = { ...shared.peers };
    for (const peer of PEERS) {
      const mine = this.local[peer];
      const theirs = peers[peer];
      if (mine && (!theirs || mine.atMs > theirs.atMs)) {
        const sinceMs =
          theirs?.call.outcome === mine.call.outcome ? Math.min(theirs.sinceMs, mine.sinceMs) : mine.sinceMs;
        peers[peer] = { call: mine.call, atMs: mine.atMs, sinceMs, lastSuccessMs: mine.lastSuccessMs };
      }
      const merged = peers[peer];
      if (merged) {
        merged.lastSuccessMs = max(max(merged.lastSuccessMs, theirs?.lastSuccessMs), mine?.lastSuccessMs);
      }
    }
    return {
      lastPollSuccessMs: max(shared.lastPollSuccessMs, this.lastPollSuccessMs),
      tokenExpiresAtMs: max(shared.tokenExpiresAtMs, this.tokenExpiresAtMs),
      peers,
    };
  }

  /** Writes what changed; one flush at a time, and a failed write stays pending for the next. */
  private flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.redis.status !== 'ready') {
      return;
    }
    const commands = this.redis as Redis & {
      healthWriteMax(key: string, field: string, value: number): Promise<number>;
      healthWritePeer(key: string, ...args: (string | number)[]): Promise<number>;
    };
    try {
      if (this.pending.poll && this.lastPollSuccessMs !== undefined) {
        this.pending.poll = false;
        await commands.healthWriteMax(this.key, 'poll.success', this.lastPollSuccessMs);
      }
      if (this.pending.token && this.tokenExpiresAtMs !== undefined) {
        this.pending.token = false;
        await commands.healthWriteMax(this.key, 'token.expiry', this.tokenExpiresAtMs);
      }
      for (const peer of PEERS) {
        const state = this.local[peer];
        if (state?.dirty) {
          state.dirty = false;
          const { call, atMs, sinceMs } = state;
          await commands.healthWritePeer(this.key, peer, call.outcome, atMs, sinceMs, JSON.stringify(call));
        }
      }
      if (this.writeFailing) {
        this.writeFailing = false;
        this.logger.log({ msg: 'shared health written again' });
      }
    } catch (error) {
      // Mark everything pending again: the values are small and the next flush retries.
      this.pending = { poll: this.lastPollSuccessMs !== undefined, token: this.tokenExpiresAtMs !== undefined };
      for (const peer of PEERS) {
        const state = this.local[peer];
        if (state) {
          state.dirty = true;
        }
      }
      if (!this.writeFailing) {
        this.writeFailing = true;
        this.logger.warn({ msg: 'shared health not written; will retry', error: (error as Error).message });
      }
    }
  }
}

/** The hash as stored; a field that does not parse is left out (another version may have written it). */
function parseHash(hash: Record<string, string>): HealthSnapshot {
  const number = (field: string) => {
    const parsed = epochMs.safeParse(hash[field]);
    return hash[field] !== undefined && parsed.success ? parsed.data : undefined;
  };
  const peers: HealthSnapshot['peers'] = {};
  for (const peer of PEERS) {
    const atMs = number(`${peer}.at`);
    let call: PeerCall | undefined;
    try {
      const parsed = callSchema.safeParse(JSON.parse(hash[`${peer}.call`] ?? 'null'));
      call = parsed.success ? parsed.data : undefined;
    } catch {
      call = undefined;
    }
    if (call && atMs !== undefined) {
      peers[peer] = {
        call,
        atMs,
        sinceMs: number(`${peer}.since`) ?? atMs,
        lastSuccessMs: number(`${peer}.success`),
      };
    }
  }
  return { lastPollSuccessMs: number('poll.success'), tokenExpiresAtMs: number('token.expiry'), peers };
}
