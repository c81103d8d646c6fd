import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { IntegrasjonspunktClient } from '../eformidling/integrasjonspunkt.client';
import type { MessageStatus } from '../eformidling/integrasjonspunkt.schemas';
import { messageIdFor } from '../forsendelse/forsendelse-ids';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { StatusApplier } from './status-applier';
import { StatusCursorRepository } from './status-cursor.repository';

/** Re-read this much before the high-water mark: a status committed late carries an older lastUpdate. */
export const FEED_OVERLAP_MS = 60_000;
/** The IP cuts pages at 2000. */
const FEED_PAGE_SIZE = 2000;
/** An IP that ignores `page` would otherwise be read forever; past this the next tick goes on. */
const MAX_PAGES_PER_TICK = 500;
/** Bounds one tick of the per-message and queue strategies; the rest waits for the next tick. */
const PER_TICK_LIMIT = 1000;
const FEED_CURSOR = 'feed';
/** Our messageIds are UUIDs; anything else cannot be ours (and would break the uuid[] query). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TrackResult {
  calls: number;
  statuses: number;
}

/**
 * Reads statuses from the IP with the configured strategy (docs/peers/integrasjonspunkt.md, "Ways to follow
 * statuses") and hands each to the StatusApplier.
 */
@Injectable()
export class StatusTracker {
  private readonly logger = new Logger('Tracking');
  /** Where the per-message strategy's next tick goes on (a turn over all SENT rows spans several ticks). */
  private perMessageAfter?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ip: IntegrasjonspunktClient,
    private readonly applier: StatusApplier,
    private readonly queries: ForsendelseQueries,
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
      this.reportRejected(page.rejected);
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
    const start = stored ?? (await this.queries.oldestAwaitingStatus()) ?? new Date(now);
    const fromDateTime = new Date(start.getTime() - FEED_OVERLAP_MS).toISOString();
    const toDateTime = new Date(now).toISOString();
    const result: TrackResult = { calls: 0, statuses: 0 };
    let highWater = start.getTime();
    for (let page = 0; page < MAX_PAGES_PER_TICK; page++) {
      const answer = await this.ip.statuses({ fromDateTime, toDateTime, page, size: FEED_PAGE_SIZE });
      result.calls += 1;
      this.reportRejected(answer.rejected);
      result.statuses += await this.applyAll(answer.content);
      for (const status of answer.content) {
        highWater = Math.max(highWater, Date.parse(status.lastUpdate));
      }
      const lastPage = answer.totalPages !== undefined && page + 1 >= answer.totalPages;
      if (answer.last || lastPage || answer.content.length + answer.rejected.length === 0) {
        break;
      }
    }
    // Never past what we asked for: a status the IP stores later with a lastUpdate ≤ now is in the overlap.
    await this.cursor.advance(FEED_CURSOR, new Date(Math.min(highWater, now)));
    return result;
  }

  /**
   * One GET per messageId that can still matter: every attempt of each watched row (ForsendelseQueries.findWatched),
   * since a late LEVERT of an earlier attempt still delivers and a FEIL after the confirm must be raised.
   * PER_TICK_LIMIT rows a tick, continuing where the last tick stopped. Attempts are numbered 1…n with no gaps,
   * so their messageIds are derived rather than read.
   */
  private async readPerMessage(): Promise<TrackResult> {
    const confirmedSince = new Date(this.clock.now() - this.config.efm.watchAfterConfirmHours * 3_600_000);
    const rows = await this.queries.findWatched(this.perMessageAfter, PER_TICK_LIMIT, confirmedSince);
    this.perMessageAfter = rows.length === PER_TICK_LIMIT ? rows[rows.length - 1].mottakId : undefined;
    return this.recheck(
      rows.flatMap((row) => Array.from({ length: row.attempt }, (_, i) => messageIdFor(row.mottakId, i + 1))),
    );
  }

  /** peek → apply → delete: only when this bridge is the IP's only status consumer (the IP's feature flag). */
  private async readQueue(): Promise<TrackResult> {
    const result: TrackResult = { calls: 0, statuses: 0 };
    for (let i = 0; i < PER_TICK_LIMIT; i++) {
      const queued = await this.ip.peekStatus();
      result.calls += 1;
      if (!queued) {
        break;
      }
      if ('status' in queued) {
        result.statuses += await this.applyAll([queued.status]);
      } else {
        // Left at the head, it would block the queue for good.
        this.reportRejected([queued.rejected]);
      }
      await this.ip.deleteStatus(queued.id);
      result.calls += 1;
    }
    return result;
  }

  private async applyAll(statuses: readonly MessageStatus[]): Promise<number> {
    // Statuses re-read in the feed's overlap that were applied before and can change nothing: skipped in bulk.
    const ours = statuses.filter((s) => UUID.test(s.messageId));
    const settled = await this.queries.settledStatuses(ours.map((s) => ({ messageId: s.messageId, status: s.status })));
    return this.applier.applyAll(ours.filter((s) => !settled.has(`${s.messageId}|${s.status}`)));
  }

  /** A status we cannot read is an IP (or proxy) fault: said loudly, with what it was. */
  private reportRejected(rejected: readonly { raw: unknown; reason: string }[]): void {
    for (const item of rejected) {
      const messageId =
        typeof item.raw === 'object' && item.raw !== null ? (item.raw as { messageId?: unknown }).messageId : undefined;
      this.logger.error({
        msg: 'unreadable status from the integrasjonspunkt; skipped',
        peer: 'integrasjonspunkt',
        operation: 'statuses',
        messageId: typeof messageId === 'string' ? messageId : undefined,
        reason: item.reason,
        status: item.raw,
      });
    }
  }
}
