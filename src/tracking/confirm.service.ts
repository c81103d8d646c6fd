import { Inject, Injectable, Logger } from '@nestjs/common';
import { BrregClient } from '../brreg/brreg.client';
import { BrregError } from '../brreg/brreg.errors';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ForsendelseTransitions } from '../forsendelse/forsendelse-transitions';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { Metrics } from '../ops/metrics';
import { StillListedError } from './tracking.errors';

export type ConfirmOutcome = 'confirmed' | 'verified-gone' | 'not-delivered' | 'already-confirmed';

/** DELIVERED → CONFIRMED: confirm at Brreg, trusting an ERROR-00005 or a 404 only once /available agrees. */
@Injectable()
export class ConfirmService {
  private readonly logger = new Logger('Confirm');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transitions: ForsendelseTransitions,
    private readonly queries: ForsendelseQueries,
    private readonly brreg: BrregClient,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  async confirm(mottakId: string): Promise<ConfirmOutcome> {
    const state = await this.queries.stateOf(mottakId);
    if (state === 'CONFIRMED') {
      return 'already-confirmed';
    }
    if (state !== 'DELIVERED') {
      // Never confirm what the IP has not delivered.
      return 'not-delivered';
    }
    let outcome: ConfirmOutcome = 'confirmed';
    try {
      await this.brreg.confirm(mottakId);
    } catch (error) {
      if (!(error instanceof BrregError) || !(error.isConcurrentConfirm || error.isNotFound)) {
        throw error;
      }
      // Brreg may answer ERROR-00005 to a confirm that succeeded, and 404 to one already done; /available is
      // the truth.
      const { items, rejected } = await this.brreg.available({ tjeneste: this.config.brreg.tjeneste });
      // Entries that failed our validation count too: an unreadable entry for this id is still a listing.
      const listed = [...items.map((i) => i.mottakId), ...rejected.map((r) => String(r.mottakId))];
      if (listed.some((id) => id.toLowerCase() === mottakId.toLowerCase())) {
        this.metrics.confirms.inc({ outcome: 'still-listed' });
        throw new StillListedError(mottakId, error);
      }
      outcome = 'verified-gone';
    }
    // DELIVERED leads only to CONFIRMED, so the row is still DELIVERED unless another confirm got there first.
    const delivery = await this.transitions.markConfirmed(mottakId, new Date(this.clock.now()), outcome);
    this.metrics.confirms.inc({ outcome });
    if (delivery?.deliveredAt) {
      this.metrics.levertToConfirm.observe(Math.max(0, this.clock.now() - delivery.deliveredAt.getTime()) / 1000);
    }
    this.logger.log({ msg: 'confirmed at Brreg', mottakId, messageId: delivery?.deliveredMessageId, outcome });
    return outcome;
  }
}
