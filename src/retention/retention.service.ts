import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ForsendelseTransitions, type PrunedCounts } from '../forsendelse/forsendelse-transitions';
import { Metrics } from '../ops/metrics';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Rows per DELETE statement: each batch is one short transaction, so no lock is held long. */
export const RETENTION_BATCH = 1000;
/** One run stops starting batches after this; a larger backlog is worked off over the next runs. */
export const RETENTION_RUN_BUDGET_MS = 30_000;

export interface RetentionOptions {
  batchSize: number;
  budgetMs: number;
}

export interface RetentionResult extends PrunedCounts {
  /** DELETE statements run: one per batch. */
  batches: number;
  /** Confirmed before this are pruned; absent when retention is off (RETENTION_DAYS=0). */
  cutoff?: string;
  /** The run stopped at its time budget with a full last batch: more is left for the next run. */
  more: boolean;
}

/**
 * Deletes CONFIRMED forsendelser, with their attempts and events, once they are RETENTION_DAYS past their
 * confirm. CONFIRMED is final (no transition leaves it), and nothing else is ever deleted: FAILED and in-flight
 * rows are work. But a CONFIRMED row still matters while the IP may report on it: a FEIL after LEVERT is
 * recorded against it and raised to ops, and a status of a messageId whose attempt row is gone is dropped as
 * not ours. The IP reports on a message until its delivery deadline (EFM_TTL_HOURS from its send, which came
 * before the confirm), so a row is kept at least that long after its confirm plus a day for a status reader that
 * was behind, whatever RETENTION_DAYS says.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transitions: ForsendelseTransitions,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  /** Confirmed before this can go; undefined when retention is off. */
  cutoff(): Date | undefined {
    const { days } = this.config.retention;
    if (days === 0) {
      return undefined;
    }
    const keepMs = Math.max(days * DAY_MS, (this.config.efm.ttlHours + 24) * HOUR_MS);
    return new Date(this.clock.now() - keepMs);
  }

  async prune(
    options: RetentionOptions = { batchSize: RETENTION_BATCH, budgetMs: RETENTION_RUN_BUDGET_MS },
  ): Promise<RetentionResult> {
    const result: RetentionResult = {
      forsendelse: 0,
      forsendelse_attempt: 0,
      forsendelse_event: 0,
      batches: 0,
      more: false,
    };
    const cutoff = this.cutoff();
    if (cutoff === undefined) {
      return result;
    }
    result.cutoff = cutoff.toISOString();
    const started = performance.now();
    for (;;) {
      const batch = await this.transitions.pruneConfirmed(cutoff, options.batchSize);
      result.batches += 1;
      for (const table of ['forsendelse', 'forsendelse_attempt', 'forsendelse_event'] as const) {
        result[table] += batch[table];
        this.metrics.retentionPruned.inc({ table }, batch[table]);
      }
      if (batch.forsendelse < options.batchSize) {
        break;
      }
      if (performance.now() - started >= options.budgetMs) {
        result.more = true;
        break;
      }
    }
    this.logger.log({
      msg: result.forsendelse > 0 ? 'confirmed forsendelser pruned' : 'nothing to prune',
      retentionDays: this.config.retention.days,
      ...result,
      ms: Math.round(performance.now() - started),
    });
    return result;
  }
}
