import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { IntegrasjonspunktClient } from '../eformidling/integrasjonspunkt.client';
import type { MessageStatus } from '../eformidling/integrasjonspunkt.schemas';
import { ForsendelseRepository } from '../forsendelse/forsendelse.repository';
import { StatusApplier } from './status-applier';
import { StatusCursorRepository } from './status-cursor.repository';

/** Re-read this much before the high-water mark: a status committed late carries an older lastUpdate. */
export const FEED_OVERLAP_MS = 60_000;
/** The IP cuts pages at 2000. */
const FEED_PAGE_SIZE = 2000;
/** Bounds one tick of the per-message and queue strategies; the rest waits for the next tick. */
const PER_TICK_LIMIT = 1000;
const FEED_CURSOR = 'feed';

export interface TrackResult {
  calls: number;
  statuses: number;
}

/**
 * Reads statuses from the IP with the configured strategy (spec/integrasjonspunkt.md, "Ways to follow
 * statuses") and hands each to the StatusApplier.
 */
@Injectable()
export class StatusTracker {
  private readonly logger = new Logger('Tracking');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ip: IntegrasjonspunktClient,
    private readonly applier: StatusApplier,
    private readonly forsendelser: ForsendelseRepository,
    private readonly cursor: StatusCursorRepository,
    private readonly clock: Clock,
  ) {}

  async tick(): Promise<TrackResult> {
    switch (this.config.efm.statusStrategy) {
      case 'feed':
        return this.readFeed();
      case 'per-message':
        return this.readPerMessage();
      case 'queue':
        return this.readQueue();
    }
  }

  /** Re-reads these messages now (a webhook hint, an operator's re-check): never acts on the hint itself. */
  async recheck(messageIds: readonly string[]): Promise<TrackResult> {
    const result: TrackResult = { calls: 0, statuses: 0 };
    for (const messageId of messageIds) {
      const page = await this.ip.statusesOfMessage(messageId, 0, FEED_PAGE_SIZE);
      result.calls += 1;
      result.statuses += await this.applyAll(page.content);
    }
    return result;
  }

  /**
   * High-water mark on lastUpdate. Both bounds are sent: the IP ignores a lone fromDateTime and would answer
   * with every status it has. Pages in id order; a status seen twice is recorded once (by its id).
   */
  private async readFeed(): Promise<TrackResult> {
    const now = this.clock.now();
    const stored = await this.cursor.get(FEED_CURSOR);
    const start = stored ?? (await this.forsendelser.oldestAwaitingStatus()) ?? new Date(now);
    const fromDateTime = new Date(start.getTime() - FEED_OVERLAP_MS).toISOString();
    const toDateTime = new Date(now).toISOString();
    const result: TrackResult = { calls: 0, statuses: 0 };
    let highWater = start.getTime();
    for (let page = 0; ; page++) {
      const answer = await this.ip.statuses({ fromDateTime, toDateTime, page, size: FEED_PAGE_SIZE });
      result.calls += 1;
      result.statuses += await this.applyAll(answer.content);
      for (const status of answer.content) {
        highWater = Math.max(highWater, Date.parse(status.lastUpdate));
      }
      if (answer.last || answer.content.length === 0) {
        break;
      }
    }
    // Never past what we asked for: a status the IP stores later with a lastUpdate ≤ now is in the overlap.
    await this.cursor.advance(FEED_CURSOR, new Date(Math.min(highWater, now)));
    return result;
  }

  private async readPerMessage(): Promise<TrackResult> {
    const rows = await this.forsendelser.findInStates(['SENT'], PER_TICK_LIMIT);
    return this.recheck(rows.map((row) => row.messageId));
  }

  /** peek → apply → delete: only when this bridge is the IP's only status consumer (the IP's feature flag). */
  private async readQueue(): Promise<TrackResult> {
    const result: TrackResult = { calls: 0, statuses: 0 };
    for (let i = 0; i < PER_TICK_LIMIT; i++) {
      const status = await this.ip.peekStatus();
      result.calls += 1;
      if (!status) {
        break;
      }
      result.statuses += await this.applyAll([status]);
      await this.ip.deleteStatus(status.id);
      result.calls += 1;
    }
    return result;
  }

  private async applyAll(statuses: readonly MessageStatus[]): Promise<number> {
    let applied = 0;
    for (const status of statuses) {
      if (Number.isNaN(Date.parse(status.lastUpdate))) {
        this.logger.warn({
          msg: 'status with an unreadable lastUpdate; skipped',
          messageId: status.messageId,
          statusId: status.id,
        });
        continue;
      }
      const outcome = await this.applier.apply(status);
      if (outcome !== 'not-ours' && outcome !== 'seen-before') {
        applied += 1;
      }
    }
    return applied;
  }
}
