import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TICK_JOB_OPTIONS } from './job-options';
import { jobIds, QueueName } from './queue-names';

/**
 * Job schedulers for the periodic work: BullMQ keeps one per id across all replicas, so each tick runs once
 * per interval however many bridges run, and upserting on every start is harmless.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SchedulerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.BrregPoll) private readonly poll: Queue,
    @InjectQueue(QueueName.Track) private readonly track: Queue,
    @InjectQueue(QueueName.Reconcile) private readonly reconcile: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const schedules: [Queue, QueueName, number][] = [
      [this.poll, QueueName.BrregPoll, this.config.brreg.pollIntervalMs],
      [this.track, QueueName.Track, this.config.efm.statusPollIntervalMs],
      [this.reconcile, QueueName.Reconcile, this.config.reconcile.intervalMs],
    ];
    for (const [queue, name, every] of schedules) {
      await queue.upsertJobScheduler(jobIds.scheduler(name), { every }, { name: 'tick', opts: TICK_JOB_OPTIONS });
      this.logger.log({ msg: 'scheduler registered', queue: name, everyMs: every });
    }
  }
}
