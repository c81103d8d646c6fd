import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { register } from 'prom-client';
import { FORSENDELSE_STATES } from '../forsendelse/forsendelse-state';
import { ForsendelseRepository } from '../forsendelse/forsendelse.repository';
import { QueueName } from '../queues/queue-names';
import { Metrics } from './metrics';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

@Controller()
export class MetricsController {
  private readonly queues: Queue[];

  constructor(
    private readonly metrics: Metrics,
    private readonly forsendelser: ForsendelseRepository,
    @InjectQueue(QueueName.BrregPoll) poll: Queue,
    @InjectQueue(QueueName.Forward) forward: Queue,
    @InjectQueue(QueueName.Track) track: Queue,
    @InjectQueue(QueueName.Confirm) confirm: Queue,
    @InjectQueue(QueueName.Reconcile) reconcile: Queue,
  ) {
    this.queues = [poll, forward, track, confirm, reconcile];
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  async scrape(): Promise<string> {
    await this.refreshGauges();
    return this.metrics.registry.metrics();
  }

  /** The gauges are read when scraped: one GROUP BY over the table and one count per queue. */
  private async refreshGauges(): Promise<void> {
    const counts = await this.forsendelser.countByState();
    for (const state of FORSENDELSE_STATES) {
      this.metrics.forsendelser.set({ state }, counts[state]);
    }
    for (const queue of this.queues) {
      const jobCounts = await queue.getJobCounts(...JOB_STATES);
      for (const state of JOB_STATES) {
        this.metrics.queueJobs.set({ queue: queue.name, state }, jobCounts[state] ?? 0);
      }
    }
  }
}
