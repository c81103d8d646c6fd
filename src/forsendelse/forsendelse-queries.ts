import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { ForsendelseAttemptEntity } from './forsendelse-attempt.entity';
import { ForsendelseEventEntity } from './forsendelse-event.entity';
import type { ForsendelseState } from './forsendelse-state';
import { ForsendelseEntity } from './forsendelse.entity';
import { statementBatch } from './statement-batch';
import { MOVING_COMBINATIONS } from './status-rules';

/** The states whose rows the per-message status strategy reads, besides recently CONFIRMED ones. */
const WATCHED_FOR_STATUSES: readonly Exclude<ForsendelseState, 'CONFIRMED'>[] = [
  'FORWARDING',
  'SENT',
  'DELIVERED',
  'FAILED',
];

/** What operators are shown a row for (admin list `late`, `rejected`). */
export type ForsendelseFlag = 'late' | 'rejected';

/** The note each flag lists a row for: fixed SQL, never built from input. */
const FLAG_CONDITIONS: Readonly<Record<ForsendelseFlag, string>> = {
  late: `(e.detail->>'lateFeil') = 'true'`,
  rejected: `(e.detail->>'receipt') IN ('ERROR', 'NOTSUPPORTED')`,
};

/** Up to this many rows (Postgres's estimate), the metrics count CONFIRMED exactly. */
const EXACT_CONFIRMED_COUNT_UP_TO = 100_000;

/**
 * The forsendelse tables read for tracking, admin, metrics and reconcile. Nothing here writes: every change of
 * state goes through ForsendelseTransitions.
 */
@Injectable()
export class ForsendelseQueries {
  private readonly statesBatch = statementBatch<{ mottakId: string }, ForsendelseState | undefined>(
    'read',
    async (keys) => {
      const rows = await this.dataSource.query<{ mottak_id: string; state: ForsendelseState }[]>(
        `SELECT mottak_id, state FROM forsendelse WHERE mottak_id = ANY($1::uuid[])`,
        [keys.map((k) => k.mottakId)],
      );
      return new Map(rows.map((r) => [r.mottak_id, r.state]));
    },
    undefined,
  );

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The row's state now, or undefined if there is no such row; shares one statement with the reads made within
   * the same few milliseconds (statement-batch.ts), as each confirm reads before it calls Brreg.
   */
  async stateOf(mottakId: string): Promise<ForsendelseState | undefined> {
    return this.statesBatch({ mottakId });
  }

  /**
   * Up to `limit` rows that can still hear from the IP, after `after` in mottakId order (the per-message status
   * strategy and the receipt reader walk them in turns): every row in one of `states`, and CONFIRMED rows confirmed
   * after `confirmedSince`. For statuses, `states` is every state with a sent or sending attempt but CONFIRMED (a
   * late LEVERT still delivers a FAILED row; a FEIL after the confirm must still be raised); for receipts, the
   * states whose conversation can still get one. Each part is read through its own index and cut at `limit`
   * before they meet.
   */
  async findWatched(
    after: string | undefined,
    limit: number,
    confirmedSince: Date,
    states: readonly Exclude<ForsendelseState, 'CONFIRMED'>[] = WATCHED_FOR_STATUSES,
  ): Promise<{ mottakId: string; attempt: number; conversationId: string }[]> {
    const rows = await this.dataSource.query<{ mottak_id: string; attempt: number; conversation_id: string }[]>(
      `SELECT mottak_id, attempt, conversation_id FROM (
         (SELECT mottak_id, attempt, conversation_id FROM forsendelse
           WHERE state = ANY($4::text[]) AND mottak_id > $1
           ORDER BY mottak_id LIMIT $2)
         UNION ALL
         (SELECT mottak_id, attempt, conversation_id FROM forsendelse
           WHERE state = 'CONFIRMED' AND confirmed_at > $3 AND mottak_id > $1
           ORDER BY mottak_id LIMIT $2)
       ) watched ORDER BY mottak_id LIMIT $2`,
      [after ?? '00000000-0000-0000-0000-000000000000', limit, confirmedSince, states],
    );
    return rows.map((r) => ({ mottakId: r.mottak_id, attempt: r.attempt, conversationId: r.conversation_id }));
  }

  /** When the oldest row still waiting for statuses last changed: where a fresh status feed starts reading. */
  async oldestAwaitingStatus(): Promise<Date | null> {
    const [row] = await this.dataSource.query<{ at: Date | null }[]>(
      `SELECT min(state_changed_at) AS at FROM forsendelse WHERE state IN ('FORWARDING', 'SENT')`,
    );
    return row?.at ?? null;
  }

  async findById(mottakId: string): Promise<ForsendelseEntity | null> {
    return this.dataSource.getRepository(ForsendelseEntity).findOneBy({ mottakId });
  }

  /**
   * Of these (messageId, status) pairs, the ones already recorded and whose row can no longer be changed by
   * applying them again: a feed that re-reads its overlap every tick skips them with this one query instead
   * of a locked transaction each. What could still act (a recorded LEVERT on a SENT row, say) is not returned.
   * Which combinations can still act is `MOVING_COMBINATIONS` from the status rules, passed in as parameters.
   */
  async settledStatuses(pairs: readonly { messageId: string; status: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) {
      return new Set();
    }
    const rows = await this.dataSource.query<{ message_id: string; status: string }[]>(
      `SELECT e.message_id, e.status
         FROM unnest($1::uuid[], $2::text[]) AS p(message_id, status)
         JOIN forsendelse_event e ON e.kind = 'status' AND e.message_id = p.message_id AND e.status = p.status
         JOIN forsendelse f ON f.mottak_id = e.mottak_id
        WHERE NOT EXISTS (
                SELECT 1 FROM unnest($3::text[], $4::text[], $5::bool[]) AS m(state, status, current)
                 WHERE m.state = f.state AND m.status = e.status AND m.current = (f.attempt = e.attempt))`,
      [
        pairs.map((p) => p.messageId),
        pairs.map((p) => p.status),
        MOVING_COMBINATIONS.map((m) => m.state),
        MOVING_COMBINATIONS.map((m) => m.status),
        MOVING_COMBINATIONS.map((m) => m.current),
      ],
    );
    return new Set(rows.map((r) => `${r.message_id}|${r.status}`));
  }

  /** Which forsendelse and attempt an IP messageId belongs to, if it is ours. */
  async findAttempt(messageId: string): Promise<ForsendelseAttemptEntity | null> {
    return this.dataSource.getRepository(ForsendelseAttemptEntity).findOneBy({ messageId });
  }

  /** Which forsendelse and attempt each of these messageIds belongs to; those not ours are left out. */
  async findAttempts(messageIds: readonly string[]): Promise<ForsendelseAttemptEntity[]> {
    if (messageIds.length === 0) {
      return [];
    }
    return this.dataSource.getRepository(ForsendelseAttemptEntity).findBy({ messageId: In([...messageIds]) });
  }

  /** The IP statuses recorded for one messageId. */
  async statusesOf(messageId: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ status: string }[]>(
      `SELECT status FROM forsendelse_event WHERE kind = 'status' AND message_id = $1`,
      [messageId],
    );
    return rows.map((r) => r.status);
  }

  async events(mottakId: string): Promise<ForsendelseEventEntity[]> {
    return this.dataSource.getRepository(ForsendelseEventEntity).find({ where: { mottakId }, order: { id: 'ASC' } });
  }

  /** Rows in `state` whose last transition is older than `before`, oldest first (reconcile). */
  async findStale(state: ForsendelseState, before: Date, limit: number): Promise<ForsendelseEntity[]> {
    return this.dataSource
      .getRepository(ForsendelseEntity)
      .createQueryBuilder('f')
      .where('f.state = :state AND f.state_changed_at < :before', { state, before })
      .orderBy('f.state_changed_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** A page of rows, newest change first, optionally of one state (admin list). */
  async page(
    state: ForsendelseState | undefined,
    offset: number,
    limit: number,
  ): Promise<[ForsendelseEntity[], number]> {
    return this.dataSource.getRepository(ForsendelseEntity).findAndCount({
      where: state ? { state } : {},
      order: { stateChangedAt: 'DESC', mottakId: 'ASC' },
      skip: offset,
      take: limit,
    });
  }

  /**
   * A page of rows with a note operators must take up with the receiver, newest change first (admin list):
   * `late`, a status after delivery which a confirm cannot undo (a FEIL after LEVERT); `rejected`, a receipt in
   * which the receiver's archive refused the message (ERROR or NOTSUPPORTED).
   */
  async pageFlagged(flag: ForsendelseFlag, offset: number, limit: number): Promise<[ForsendelseEntity[], number]> {
    return this.dataSource
      .getRepository(ForsendelseEntity)
      .createQueryBuilder('f')
      .where(
        `EXISTS (SELECT 1 FROM forsendelse_event e
                  WHERE e.mottak_id = f.mottak_id AND e.kind = 'note' AND ${FLAG_CONDITIONS[flag]})`,
      )
      .orderBy('f.state_changed_at', 'DESC')
      .addOrderBy('f.mottak_id', 'ASC')
      .offset(offset)
      .limit(limit)
      .getManyAndCount();
  }

  /** FAILED rows whose reason contains `reasonContains` (case-insensitive), oldest first (admin replay). */
  async findFailed(reasonContains: string | undefined, limit: number): Promise<ForsendelseEntity[]> {
    const query = this.dataSource
      .getRepository(ForsendelseEntity)
      .createQueryBuilder('f')
      .where(`f.state = 'FAILED'`)
      .orderBy('f.state_changed_at', 'ASC')
      .limit(limit);
    if (reasonContains) {
      query.andWhere(`f.failure_reason ILIKE :pattern`, { pattern: `%${reasonContains.replace(/[\\%_]/g, '\\$&')}%` });
    }
    return query.getMany();
  }

  /**
   * The figures of the metrics collector, without reading the whole table: the in-flight states through
   * forsendelse_in_flight_idx (with the creation time of their oldest row), FAILED through forsendelse_failed_idx,
   * and CONFIRMED — the bulk — exactly only while the table is small, else Postgres's own estimate.
   */
  async figures(): Promise<{
    counts: Record<ForsendelseState, number>;
    oldestCreatedMs: Partial<Record<ForsendelseState, number>>;
    confirmedEstimated: boolean;
  }> {
    const counts = zeroCounts();
    const oldestCreatedMs: Partial<Record<ForsendelseState, number>> = {};
    const inFlight = await this.dataSource.query<{ state: ForsendelseState; n: number; oldest: number }[]>(
      `SELECT state, count(*)::int AS n, (extract(epoch FROM min(created_at)) * 1000)::float8 AS oldest
         FROM forsendelse WHERE state IN ('DISCOVERED', 'FORWARDING', 'SENT', 'DELIVERED') GROUP BY state`,
    );
    for (const row of inFlight) {
      counts[row.state] = row.n;
      oldestCreatedMs[row.state] = row.oldest;
    }
    const [failed] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM forsendelse WHERE state = 'FAILED'`,
    );
    counts.FAILED = failed.n;
    const [estimate] = await this.dataSource.query<{ rows: number }[]>(
      `SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = 'forsendelse'::regclass`,
    );
    // -1: never analysed (a new table). Below the bound a count is cheap; above it, an estimate is what we can afford.
    const confirmedEstimated = estimate.rows > EXACT_CONFIRMED_COUNT_UP_TO;
    if (confirmedEstimated) {
      const others = Object.values(counts).reduce((sum, n) => sum + n, 0);
      counts.CONFIRMED = Math.max(0, Math.round(estimate.rows) - others);
    } else {
      const [confirmed] = await this.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM forsendelse WHERE state = 'CONFIRMED'`,
      );
      counts.CONFIRMED = confirmed.n;
    }
    return { counts, oldestCreatedMs, confirmedEstimated };
  }

  async countByState(): Promise<Record<ForsendelseState, number>> {
    const rows = await this.dataSource.query<
      {
        state: ForsendelseState;
        n: number;
      }[]
    >(`SELECT state, count(*)::int AS n FROM forsendelse GROUP BY state`);
    const counts = zeroCounts();
    for (const row of rows) {
      counts[row.state] = row.n;
    }
    return counts;
  }
}

/** Every state at 0: a state without rows is still reported. */
function zeroCounts(): Record<ForsendelseState, number> {
  return { DISCOVERED: 0, FORWARDING: 0, SENT: 0, DELIVERED: 0, CONFIRMED: 0, FAILED: 0 };
}
