import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BoundedSet } from './bounded-set';
import { ForsendelseTransitions } from '../forsendelse/forsendelse-transitions';
import { WorkQueues } from '../queues/work-queues';
import { BrregClient } from './brreg.client';
import { PollHealth } from './poll-health';

export interface PollResult {
  listed: number;
  inserted: number;
  notReady: number;
  rejected: number;
}

/**
 * One poll: list what Brreg holds for us, remember the new ones, and enqueue their forward. Safe to run twice
 * at once: the insert ignores known ids and the forward's job id is deterministic.
 */
@Injectable()
export class PollService {
  private readonly logger = new Logger('Poll');
  /** Entries already logged as not ready / invalid, so a long-lived oddity is one log line, not one per tick. */
  private readonly reported = new BoundedSet<string>(10_000);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly brreg: BrregClient,
    private readonly transitions: ForsendelseTransitions,
    private readonly queues: WorkQueues,
    private readonly health: PollHealth,
    private readonly clock: Clock,
  ) {}

  async poll(): Promise<PollResult> {
    // A failure is the client's to report (its outcome, in the shared health) and the job's to log.
    const listing = await this.brreg.available({ tjeneste: this.config.brreg.tjeneste });
    this.health.succeeded(this.clock.now());
    for (const rejected of listing.rejected) {
      this.reportOnce(`invalid:${String(rejected.mottakId)}:${rejected.reason}`, () =>
        this.logger.warn({
          msg: 'Brreg listed an entry we cannot read; left alone',
          peer: 'brreg',
          operation: 'available',
          ...rejected,
        }),
      );
    }
    const ready = listing.items.filter((item) => item.status === 'ready');
    for (const item of listing.items.filter((i) => i.status !== 'ready')) {
      // Only "ready" is documented; anything else is left for Brreg to settle (spec: our choice).
      this.reportOnce(`status:${item.mottakId}:${item.status}`, () =>
        this.logger.warn({
          msg: 'forsendelse not ready; left alone',
          peer: 'brreg',
          operation: 'available',
          mottakId: item.mottakId,
          status: item.status,
        }),
      );
    }
    const inserted = await this.transitions.insertDiscovered(
      ready.map((item) => ({
        mottakId: item.mottakId,
        oppdatert: item.oppdatert ?? null,
        tjeneste: this.config.brreg.tjeneste ?? null,
      })),
    );
    await this.queues.forward(inserted.map((mottakId) => ({ mottakId, attempt: 1 })));
    for (const mottakId of inserted) {
      this.logger.log({ msg: 'forsendelse discovered', mottakId });
    }
    return {
      listed: listing.items.length,
      inserted: inserted.length,
      notReady: listing.items.length - ready.length,
      rejected: listing.rejected.length,
    };
  }

  private reportOnce(key: string, log: () => void): void {
    if (!this.reported.has(key)) {
      this.reported.add(key);
      log();
    }
  }
}
