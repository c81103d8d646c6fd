import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { messageKey, RepeatedLog } from '../ops/repeated-log';
import { TICK_JOB_OPTIONS } from './job-options';
import { jobIds, QueueName } from './queue-names';

/** Retention deletes what is weeks old: once an hour is plenty, and each run is bounded (retention.service.ts). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/**
 * Job schedulers for the periodic work: BullMQ keeps one per id across all replicas, so each tick runs once
 * per interval however many bridges run, and upserting on every start is harmless.
 *
 * The schedulers live only in Redis. A Redis that restarts without persistence or is flushed loses them, and
 * with them every poll, status read and reconcile, the very job that rebuilds the rest from Postgres. So they
 * are checked again on the reconcile interval and a missing one is registered again.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerService.name);
  private timer: NodeJS.Timeout | undefined;
  /** While Redis is away a check waits for it; the next ones are skipped rather than piled up behind it. */
  private checking = false;
  /** Under eviction (allkeys-lru) a scheduler can vanish every interval: logged once, then counted. */
  private readonly repeated: RepeatedLog;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.BrregPoll) private readonly poll: Queue,
    @InjectQueue(QueueName.Track) private readonly track: Queue,
    @InjectQueue(QueueName.Reconcile) private readonly reconcile: Queue,
    @InjectQueue(QueueName.Retention) private readonly retention: Queue,
    @InjectQueue(QueueName.Receipts) private readonly receipts: Queue,
    clock: Clock,
  ) {
    this.repeated = new RepeatedLog((_level, fields) => this.logger.warn(fields), clock);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (
      this.config.retention.days === 0 &&
      (await this.retention.removeJobScheduler(jobIds.scheduler(QueueName.Retention)))
    ) {
      // Switched off since an earlier start (RETENTION_DAYS=0): its scheduler would otherwise run on in Redis.
      this.logger.log({ msg: 'scheduler removed (RETENTION_DAYS=0)', queue: QueueName.Retention });
    }
    if (
      !this.config.efm.receipts.enabled &&
      (await this.receipts.removeJobScheduler(jobIds.scheduler(QueueName.Receipts)))
    ) {
      // Another client of the IP may own its incoming queue: once switched off, no tick may peek at it again.
      this.logger.log({ msg: 'scheduler removed (EFM_RECEIPTS is not true)', queue: QueueName.Receipts });
    }
    for (const [queue, name, every] of this.schedules()) {
      await this.register(queue, name, every);
      this.logger.log({ msg: 'scheduler registered', queue: name, everyMs: every });
    }
    this.timer = setInterval(() => void this.restoreMissing(), this.config.reconcile.intervalMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.repeated.stop();
  }

  private schedules(): [Queue, QueueName, number][] {
    const schedules: [Queue, QueueName, number][] = [
      [this.poll, QueueName.BrregPoll, this.config.brreg.pollIntervalMs],
      [this.track, QueueName.Track, this.config.efm.statusPollIntervalMs],
      [this.reconcile, QueueName.Reconcile, this.config.reconcile.intervalMs],
    ];
    if (this.config.retention.days > 0) {
      schedules.push([this.retention, QueueName.Retention, RETENTION_INTERVAL_MS]);
    }
    if (this.config.efm.receipts.enabled) {
      schedules.push([this.receipts, QueueName.Receipts, this.config.efm.receipts.intervalMs]);
    }
    return schedules;
  }

  private async register(queue: Queue, name: QueueName, every: number): Promise<void> {
    await queue.upsertJobScheduler(jobIds.scheduler(name), { every }, { name: 'tick', opts: TICK_JOB_OPTIONS });
  }

  private async restoreMissing(): Promise<void> {
    if (this.checking) {
      return;
    }
    this.checking = true;
    try {
      for (const [queue, name, every] of this.schedules()) {
        if (await queue.getJobScheduler(jobIds.scheduler(name))) {
          continue;
        }
        await this.register(queue, name, every);
        this.repeated.record(`missing|${name}`, 'warn', {
          msg: 'scheduler was missing from Redis; registered again',
          queue: name,
          everyMs: every,
        });
      }
    } catch (error) {
      this.repeated.record(`check|${messageKey(String(error))}`, 'warn', {
        msg: 'could not check the schedulers',
        error: String(error),
      });
    } finally {
      this.repeated.flushDue();
      this.checking = false;
    }
  }
}
