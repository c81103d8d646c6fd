import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { PollHealth } from '../brreg/poll-health';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MaskinportenTokenProvider } from '../maskinporten/maskinporten-token.provider';
import { QueueName } from '../queues/queue-names';

export interface Check {
  ok: boolean;
  reason?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<'postgres' | 'redis' | 'brreg' | 'maskinporten', Check>;
}

/** A check that does not answer within this is failed: a probe must not hang. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * Ready = the bridge can do its work: Postgres and Redis answer, the last poll reached Brreg recently
 * (within three poll intervals; the first poll gets one interval of grace after start-up), and a usable
 * Maskinporten token exists.
 */
@Injectable()
export class ReadinessService {
  private readonly startedAtMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.BrregPoll) private readonly pollQueue: Queue,
    private readonly pollHealth: PollHealth,
    private readonly tokens: MaskinportenTokenProvider,
    private readonly clock: Clock,
  ) {
    this.startedAtMs = clock.now();
  }

  async check(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([
      this.probe(async () => {
        await this.dataSource.query('SELECT 1');
      }),
      this.probe(async () => {
        // A real round trip; while Redis is away the client queues commands and the timeout answers.
        await this.pollQueue.getJobCounts('waiting');
      }),
    ]);
    const checks = { postgres, redis, brreg: this.brreg(), maskinporten: this.tokens.health() };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  private brreg(): Check {
    const now = this.clock.now();
    const interval = this.config.brreg.pollIntervalMs;
    const last = this.pollHealth.lastSuccessAtMs;
    if (last !== undefined && now - last <= 3 * interval + CHECK_TIMEOUT_MS) {
      return { ok: true };
    }
    if (last === undefined && now - this.startedAtMs <= interval + 30_000) {
      return { ok: false, reason: 'no poll has reached Brreg yet' };
    }
    const error = this.pollHealth.lastError ? `: ${this.pollHealth.lastError}` : '';
    return {
      ok: false,
      reason:
        last === undefined
          ? `no poll has reached Brreg${error}`
          : `last poll reached Brreg ${Math.round((now - last) / 1000)} s ago${error}`,
    };
  }

  private async probe(work: () => Promise<void>): Promise<Check> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        work(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
