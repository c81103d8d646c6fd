import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ForsendelseAttemptEntity } from './forsendelse-attempt.entity';
import { ForsendelseEventEntity } from './forsendelse-event.entity';
import { conversationIdFor, messageIdFor } from './forsendelse-ids';
import { canTransition, IllegalTransitionError, type ForsendelseState } from './forsendelse-state';
import { ForsendelseEntity } from './forsendelse.entity';
import { Metrics } from '../ops/metrics';

export interface DiscoveredItem {
  mottakId: string;
  oppdatert: string | null;
  tjeneste: string | null;
}

/** Columns a transition may set alongside the state; anything else is not a transition's business. */
export interface TransitionPatch {
  bytes?: number;
  sha256?: string;
  deliveredMessageId?: string;
  deliveredAt?: Date;
  confirmedAt?: Date;
  failureReason?: string | null;
  sendRequestedAt?: null;
}

export interface TransitionRequest {
  mottakId: string;
  from: ForsendelseState;
  to: ForsendelseState;
  /** Guards against acting on a row whose attempt moved on since the caller read it. */
  attempt?: number;
  patch?: TransitionPatch;
  /** Recorded on the event (IP status, error code, reason). Never a token or a key. */
  detail?: Record<string, unknown>;
  messageId?: string;
}

export interface NewEvent {
  kind: 'status' | 'note';
  attempt?: number;
  messageId?: string;
  status?: string;
  detail?: Record<string, unknown>;
}

/** A row held under lock by `withLocked`; every write goes into the same transaction. */
export interface LockedForsendelse {
  row: ForsendelseEntity;
  transition(request: Omit<TransitionRequest, 'mottakId'>): Promise<boolean>;
  startAttempt(
    from: 'DISCOVERED' | 'SENT' | 'FAILED',
    attempt: number,
    detail?: Record<string, unknown>,
  ): Promise<boolean>;
  recordStatus(status: ObservedStatus): Promise<boolean>;
  note(event: NewEvent): Promise<void>;
}

export interface ObservedStatus {
  attempt: number;
  messageId: string;
  status: string;
  ipStatusId: number;
  lastUpdate: string;
  description?: string | null;
}

const PATCH_COLUMNS: Readonly<Record<keyof TransitionPatch, string>> = {
  bytes: 'bytes',
  sha256: 'sha256',
  deliveredMessageId: 'delivered_message_id',
  deliveredAt: 'delivered_at',
  confirmedAt: 'confirmed_at',
  failureReason: 'failure_reason',
  sendRequestedAt: 'send_requested_at',
};

/**
 * The only code that touches the forsendelse tables. A transition is one conditional UPDATE
 * (`WHERE state = $expected`) plus its event, in one transaction: a worker that loses a race changes
 * nothing, which is what makes duplicate jobs harmless (ARCHITECTURE.md).
 */
@Injectable()
export class ForsendelseRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  /** Inserts the ones not seen before; returns their ids. Seen ones are left as they are. */
  async insertDiscovered(items: readonly DiscoveredItem[]): Promise<string[]> {
    if (items.length === 0) {
      return [];
    }
    return this.dataSource.transaction(async (em) => {
      const rows = await em.query<{ mottak_id: string }[]>(
        `INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, oppdatert, tjeneste)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::text[])
         ON CONFLICT (mottak_id) DO NOTHING
         RETURNING mottak_id`,
        [
          items.map((i) => i.mottakId),
          items.map(() => 'DISCOVERED'),
          items.map(() => 1),
          items.map((i) => messageIdFor(i.mottakId, 1)),
          items.map((i) => conversationIdFor(i.mottakId)),
          items.map((i) => i.oppdatert),
          items.map((i) => i.tjeneste),
        ],
      );
      const inserted = rows.map((r) => r.mottak_id);
      if (inserted.length > 0) {
        await em.query(
          `INSERT INTO forsendelse_event (mottak_id, kind, to_state, attempt)
           SELECT unnest($1::uuid[]), 'transition', 'DISCOVERED', 1`,
          [inserted],
        );
      }
      return inserted;
    });
  }

  /** Applies one transition if the row is still in `from`; returns whether this caller won. */
  async transition(request: TransitionRequest): Promise<boolean> {
    return this.dataSource.transaction((em) => this.transitionIn(em, request));
  }

  /**
   * Moves a row into FORWARDING for `attempt`: the same attempt from DISCOVERED, the next one from SENT
   * (LEVETID_UTLOPT) or FAILED (replay). Records the attempt's messageId so its statuses find the row.
   */
  async startAttempt(
    mottakId: string,
    from: 'DISCOVERED' | 'SENT' | 'FAILED',
    attempt: number,
    detail?: Record<string, unknown>,
  ): Promise<boolean> {
    return this.dataSource.transaction((em) => this.startAttemptIn(em, mottakId, from, attempt, detail));
  }

  /**
   * Runs `work` with the row locked (SELECT … FOR UPDATE) and everything it does in one transaction: a
   * status is recorded and acted on together, or not at all, and racing writers wait for the lock.
   */
  async withLocked<T>(mottakId: string, work: (locked: LockedForsendelse) => Promise<T>): Promise<T | undefined> {
    return this.dataSource.transaction(async (em) => {
      const locked = await em.query<{ mottak_id: string }[]>(
        `SELECT mottak_id FROM forsendelse WHERE mottak_id = $1 FOR UPDATE`,
        [mottakId],
      );
      if (locked.length === 0) {
        return undefined;
      }
      const row = (await em.getRepository(ForsendelseEntity).findOneBy({ mottakId })) as ForsendelseEntity;
      return work({
        row,
        transition: (request) => this.transitionIn(em, { ...request, mottakId }),
        startAttempt: (from, attempt, detail) => this.startAttemptIn(em, mottakId, from, attempt, detail),
        recordStatus: (status) => this.recordStatusIn(em, mottakId, status),
        note: (event) => this.insertEvent(em, mottakId, event),
      });
    });
  }

  /**
   * Committed before the send is POSTed (the IP's send is not idempotent). Returns false if the row is no
   * longer forwarding this attempt, or if a send was already requested for it: then the caller must not send.
   */
  async markSendRequested(mottakId: string, attempt: number): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const won = await this.updateReturning(
        em,
        `UPDATE forsendelse SET send_requested_at = now()
          WHERE mottak_id = $1 AND state = 'FORWARDING' AND attempt = $2 AND send_requested_at IS NULL`,
        [mottakId, attempt],
      );
      if (won === undefined) {
        return false;
      }
      await this.insertEvent(em, mottakId, {
        kind: 'note',
        attempt,
        messageId: won.message_id,
        detail: { send: 'requested' },
      });
      return true;
    });
  }

  async recordPayload(mottakId: string, attempt: number, bytes: number, sha256: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE forsendelse SET bytes = $3, sha256 = $4 WHERE mottak_id = $1 AND attempt = $2`,
      [mottakId, attempt, bytes, sha256],
    );
  }

  /**
   * Up to `limit` rows in any of `states` with a mottakId after `after`, in mottakId order: the per-message
   * status strategy walks them in turns, so every row is read, not only the oldest few.
   */
  async findInStatesAfter(
    states: readonly ForsendelseState[],
    after: string | undefined,
    limit: number,
  ): Promise<ForsendelseEntity[]> {
    const query = this.dataSource
      .getRepository(ForsendelseEntity)
      .createQueryBuilder('f')
      .where('f.state IN (:...states)', { states })
      .orderBy('f.mottak_id', 'ASC')
      .limit(limit);
    if (after) {
      query.andWhere('f.mottak_id > :after', { after });
    }
    return query.getMany();
  }

  /** When the oldest row still waiting for statuses last changed: where a fresh status feed starts reading. */
  async oldestAwaitingStatus(): Promise<Date | null> {
    const [row] = await this.dataSource.query<{ at: Date | null }[]>(
      `SELECT min(state_changed_at) AS at FROM forsendelse WHERE state IN ('FORWARDING', 'SENT')`,
    );
    return row?.at ?? null;
  }

  async appendEvent(mottakId: string, event: NewEvent): Promise<void> {
    await this.insertEvent(this.dataSource.manager, mottakId, event);
  }

  async findById(mottakId: string): Promise<ForsendelseEntity | null> {
    return this.dataSource.getRepository(ForsendelseEntity).findOneBy({ mottakId });
  }

  /**
   * Of these (messageId, status) pairs, the ones already recorded and whose row can no longer be changed by
   * applying them again: a feed that re-reads its overlap every tick skips them with this one query instead
   * of a locked transaction each. What could still act (a recorded LEVERT on a SENT row, say) is not returned.
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
        WHERE CASE
                WHEN e.status IN ('LEVERT', 'LEST') THEN f.state IN ('DELIVERED', 'CONFIRMED')
                WHEN e.status = 'LEVETID_UTLOPT' THEN NOT (f.state = 'SENT' AND f.attempt = e.attempt)
                WHEN e.status = 'FEIL' THEN NOT (f.state = 'SENT' AND f.attempt = e.attempt)
                ELSE true
              END`,
      [pairs.map((p) => p.messageId), pairs.map((p) => p.status)],
    );
    return new Set(rows.map((r) => `${r.message_id}|${r.status}`));
  }

  /** Which forsendelse and attempt an IP messageId belongs to, if it is ours. */
  async findAttempt(messageId: string): Promise<ForsendelseAttemptEntity | null> {
    return this.dataSource.getRepository(ForsendelseAttemptEntity).findOneBy({ messageId });
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

  async countByState(): Promise<Record<ForsendelseState, number>> {
    const rows = await this.dataSource.query<
      {
        state: ForsendelseState;
        n: number;
      }[]
    >(`SELECT state, count(*)::int AS n FROM forsendelse GROUP BY state`);
    const counts: Record<ForsendelseState, number> = {
      DISCOVERED: 0,
      FORWARDING: 0,
      SENT: 0,
      DELIVERED: 0,
      CONFIRMED: 0,
      FAILED: 0,
    };
    for (const row of rows) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  private async transitionIn(em: EntityManager, request: TransitionRequest): Promise<boolean> {
    if (!canTransition(request.from, request.to)) {
      throw new IllegalTransitionError(request.from, request.to);
    }
    const params: unknown[] = [request.mottakId, request.from, request.to];
    const sets = ['state = $3', 'state_changed_at = now()'];
    for (const [key, value] of Object.entries(request.patch ?? {}) as [keyof TransitionPatch, unknown][]) {
      params.push(value);
      sets.push(`${PATCH_COLUMNS[key]} = $${params.length}`);
    }
    let where = 'mottak_id = $1 AND state = $2';
    if (request.attempt !== undefined) {
      params.push(request.attempt);
      where += ` AND attempt = $${params.length}`;
    }
    const won = await this.updateReturning(em, `UPDATE forsendelse SET ${sets.join(', ')} WHERE ${where}`, params);
    if (won === undefined) {
      return false;
    }
    await this.insertEvent(em, request.mottakId, {
      kind: 'transition',
      fromState: request.from,
      toState: request.to,
      attempt: won.attempt,
      messageId: request.messageId ?? won.message_id,
      detail: request.detail,
    });
    this.metrics?.transitions.inc({ from: request.from, to: request.to });
    return true;
  }

  private async startAttemptIn(
    em: EntityManager,
    mottakId: string,
    from: 'DISCOVERED' | 'SENT' | 'FAILED',
    attempt: number,
    detail?: Record<string, unknown>,
  ): Promise<boolean> {
    const messageId = messageIdFor(mottakId, attempt);
    const won = await this.updateReturning(
      em,
      `UPDATE forsendelse
          SET state = 'FORWARDING', state_changed_at = now(), attempt = $3, message_id = $4,
              send_requested_at = CASE WHEN attempt = $3 THEN send_requested_at END,
              failure_reason = NULL
        WHERE mottak_id = $1 AND state = $2 AND attempt = $5`,
      // From DISCOVERED the first attempt starts; from SENT (LEVETID_UTLOPT) or FAILED (replay), the next.
      [mottakId, from, attempt, messageId, from === 'DISCOVERED' ? attempt : attempt - 1],
    );
    if (won === undefined) {
      return false;
    }
    await em.query(
      `INSERT INTO forsendelse_attempt (message_id, mottak_id, attempt) VALUES ($1, $2, $3)
       ON CONFLICT (message_id) DO NOTHING`,
      [messageId, mottakId, attempt],
    );
    await this.insertEvent(em, mottakId, {
      kind: 'transition',
      fromState: from,
      toState: 'FORWARDING',
      attempt,
      messageId,
      detail,
    });
    this.metrics?.transitions.inc({ from, to: 'FORWARDING' });
    return true;
  }

  /**
   * Records an IP status of one of the row's attempts, once: a message holds each status at most once
   * (spec), so (messageId, status) identifies it even if the IP's status ids were ever reused. Returns
   * whether it is new.
   */
  private async recordStatusIn(em: EntityManager, mottakId: string, status: ObservedStatus): Promise<boolean> {
    const rows = await em.query<{ id: string }[]>(
      `INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, status, ip_status_id, detail)
       VALUES ($1, 'status', $2, $3, $4, $5, $6)
       ON CONFLICT (message_id, status) WHERE kind = 'status' DO NOTHING
       RETURNING id`,
      [
        mottakId,
        status.attempt,
        status.messageId,
        status.status,
        status.ipStatusId,
        JSON.stringify({ lastUpdate: status.lastUpdate, description: status.description ?? undefined }),
      ],
    );
    return rows.length === 1;
  }

  private async updateReturning(
    em: EntityManager,
    sql: string,
    params: unknown[],
  ): Promise<{ attempt: number; message_id: string } | undefined> {
    // TypeORM answers a raw UPDATE with [rows, affectedCount] (STACK.md, trap 9).
    const [rows] = await em.query<[{ attempt: number; message_id: string }[], number]>(
      `${sql} RETURNING attempt, message_id`,
      params,
    );
    return rows[0];
  }

  private async insertEvent(
    em: EntityManager,
    mottakId: string,
    event: {
      kind: 'transition' | 'status' | 'note';
      fromState?: ForsendelseState;
      toState?: ForsendelseState;
      attempt?: number;
      messageId?: string;
      status?: string;
      detail?: Record<string, unknown>;
    },
  ): Promise<void> {
    await em.query(
      `INSERT INTO forsendelse_event (mottak_id, kind, from_state, to_state, attempt, message_id, status, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        mottakId,
        event.kind,
        event.fromState ?? null,
        event.toState ?? null,
        event.attempt ?? null,
        event.messageId ?? null,
        event.status ?? null,
        event.detail === undefined ? null : JSON.stringify(event.detail),
      ],
    );
  }
}
