import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { conversationIdFor, messageIdFor } from './forsendelse-ids';
import { canTransition, IllegalTransitionError, type ForsendelseState } from './forsendelse-state';
import { ForsendelseEntity } from './forsendelse.entity';
import { Metrics } from '../ops/metrics';
import { statementBatch } from './statement-batch';

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

/** The states a new attempt starts from. */
export type AttemptStart = 'DISCOVERED' | 'SENT' | 'FAILED' | 'FORWARDING';

interface SendRequest {
  mottakId: string;
  attempt: number;
  bytes: number | null;
  sha256: string | null;
}

interface ConfirmedMark {
  mottakId: string;
  confirmedAt: Date;
  outcome: string;
}

/** What a confirm moved on from: the delivery the IP reported. */
export interface Delivery {
  deliveredAt: Date | null;
  deliveredMessageId: string | null;
}

/** Rows deleted by one retention batch, per table. */
export interface PrunedCounts {
  forsendelse: number;
  forsendelse_attempt: number;
  forsendelse_event: number;
}

/** A row held under lock by `withLocked`; every write goes into the same transaction. */
export interface LockedForsendelse {
  /** As locked, or as `refresh` last read it: a write through this object does not update it. */
  row: ForsendelseEntity;
  refresh(): Promise<void>;
  transition(request: Omit<TransitionRequest, 'mottakId'>): Promise<boolean>;
  startAttempt(from: AttemptStart, attempt: number, detail?: Record<string, unknown>): Promise<boolean>;
  recordStatus(status: ObservedStatus): Promise<boolean>;
  note(event: NewEvent): Promise<void>;
}

/** A receiver's receipt for one of the row's conversations, as the note records it. */
export interface ObservedReceipt {
  /** The receipt's own messageId at the IP: a receipt is recorded once by it. */
  receiptMessageId: string;
  receipt: string;
  /** Its messages' codes and texts, joined; null when it has none. */
  text: string | null;
  relatedToMessageId?: string;
  /** The attempt `relatedToMessageId` names, when it is one of the row's. */
  attempt?: number;
}

export interface ObservedStatus {
  attempt: number;
  messageId: string;
  status: string;
  ipStatusId: number;
  lastUpdate: string;
  description?: string | null;
}

/** What an IP status event keeps besides its messageId, status and id. */
function statusDetail(status: Pick<ObservedStatus, 'lastUpdate' | 'description'>): string {
  return JSON.stringify({ lastUpdate: status.lastUpdate, description: status.description ?? undefined });
}

/**
 * The rows of a batched statement (its ids in $1), locked in mottakId order before they are changed: an UPDATE
 * locks in whatever order its join yields, and two batches (or a batch and `withLocked`) sharing two rows could
 * otherwise deadlock.
 */
const LOCKED_IN_ORDER = `locked AS (
         SELECT mottak_id FROM forsendelse WHERE mottak_id = ANY($1::uuid[]) ORDER BY mottak_id FOR UPDATE
       )`;

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
 * The only code that writes the forsendelse tables (ForsendelseQueries reads them). A transition is one conditional UPDATE
 * (`WHERE state = $expected`) plus its event, in one transaction: a worker that loses a race changes
 * nothing, which is what makes duplicate jobs harmless (docs/architecture.md). Each is written as one statement
 * (the UPDATE in a data-modifying CTE, the event inserted from its RETURNING rows): a single statement is a
 * transaction of its own, so a transition costs one round trip instead of BEGIN, UPDATE, INSERT, COMMIT.
 */
@Injectable()
export class ForsendelseTransitions {
  /** The writes every forsendelse makes once in a backlog, each shared by the rows that make it together. */
  private readonly claimBatch = statementBatch<{ mottakId: string; attempt: number }, ForsendelseEntity | undefined>(
    'write',
    (keys) => this.startAttemptsIn(this.dataSource.manager, 'DISCOVERED', keys),
    undefined,
  );
  private readonly sendRequestedBatch = statementBatch<SendRequest, boolean>(
    'write',
    (keys) => this.sendRequestedAll(keys),
    false,
  );
  private readonly sendAcceptedBatch = statementBatch<{ mottakId: string; attempt: number }, boolean>(
    'write',
    (keys) => this.sendAcceptedAll(keys),
    false,
  );
  private readonly confirmedBatch = statementBatch<ConfirmedMark, Delivery | undefined>(
    'write',
    (keys) => this.confirmedAll(keys),
    undefined,
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  /**
   * Inserts the ones not seen before; returns their ids. Seen ones are left as they are. Brreg lists every
   * forsendelse until it is confirmed, so most of a listing is known: those are filtered out with one read
   * first, and only the new ones get their ids derived and inserted (with their event, in one statement).
   */
  async insertDiscovered(items: readonly DiscoveredItem[]): Promise<string[]> {
    if (items.length === 0) {
      return [];
    }
    const unknown = await this.dataSource.query<{ mottak_id: string }[]>(
      `SELECT listed.mottak_id FROM unnest($1::uuid[]) AS listed(mottak_id)
        WHERE NOT EXISTS (SELECT 1 FROM forsendelse f WHERE f.mottak_id = listed.mottak_id)`,
      [items.map((i) => i.mottakId)],
    );
    const isNew = new Set(unknown.map((r) => r.mottak_id.toLowerCase()));
    const fresh = items.filter((i) => isNew.has(i.mottakId.toLowerCase()));
    if (fresh.length === 0) {
      return [];
    }
    // ON CONFLICT still decides: another replica's poll may insert the same ids between the read and here.
    const rows = await this.dataSource.query<{ mottak_id: string }[]>(
      `WITH inserted AS (
         INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, oppdatert, tjeneste)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::text[])
         ON CONFLICT (mottak_id) DO NOTHING
         RETURNING mottak_id
       ), logged AS (
         INSERT INTO forsendelse_event (mottak_id, kind, to_state, attempt)
         SELECT mottak_id, 'transition', 'DISCOVERED', 1 FROM inserted
       )
       SELECT mottak_id FROM inserted`,
      [
        fresh.map((i) => i.mottakId),
        fresh.map(() => 'DISCOVERED'),
        fresh.map(() => 1),
        fresh.map((i) => messageIdFor(i.mottakId, 1)),
        fresh.map((i) => conversationIdFor(i.mottakId)),
        fresh.map((i) => i.oppdatert),
        fresh.map((i) => i.tjeneste),
      ],
    );
    return rows.map((r) => r.mottak_id);
  }

  /** Applies one transition if the row is still in `from`; returns whether this caller won. */
  async transition(request: TransitionRequest): Promise<boolean> {
    return this.transitionIn(this.dataSource.manager, request);
  }

  /**
   * Moves a row into FORWARDING for `attempt`: the same attempt from DISCOVERED, the next one from SENT
   * (LEVETID_UTLOPT) or FAILED (replay). Records the attempt's messageId so its statuses find the row.
   */
  async startAttempt(
    mottakId: string,
    from: AttemptStart,
    attempt: number,
    detail?: Record<string, unknown>,
  ): Promise<boolean> {
    return (await this.startAttemptIn(this.dataSource.manager, mottakId, from, attempt, detail)) !== undefined;
  }

  /**
   * DISCOVERED → FORWARDING for the row's first attempt: the row as it is now if this caller moved it. Shares its
   * statement with the claims made within the same few milliseconds (statement-batch.ts).
   */
  async claimDiscovered(mottakId: string, attempt: number): Promise<ForsendelseEntity | undefined> {
    return this.claimBatch({ mottakId, attempt });
  }

  /** FORWARDING → SENT once the IP accepted the send of this attempt; batched as `claimDiscovered`. */
  async markSendAccepted(mottakId: string, attempt: number): Promise<boolean> {
    return this.sendAcceptedBatch({ mottakId, attempt });
  }

  /**
   * DELIVERED → CONFIRMED once Brreg took the confirm; batched as `claimDiscovered`. Returns the delivery it
   * confirmed, or undefined if the row was not DELIVERED.
   */
  async markConfirmed(mottakId: string, confirmedAt: Date, outcome: string): Promise<Delivery | undefined> {
    return this.confirmedBatch({ mottakId, confirmedAt, outcome });
  }

  /**
   * Runs `work` with these rows locked (SELECT … FOR UPDATE) and everything it does in one transaction: a status
   * is recorded and acted on together, or not at all, and racing writers wait for the lock. The rows are locked in
   * mottakId order, as every statement here that changes several rows locks them, so two never deadlock. Rows that
   * do not exist are left out of the map.
   */
  async withLocked<T>(
    mottakIds: readonly string[],
    work: (locked: ReadonlyMap<string, LockedForsendelse>) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      const raws = await em.query<Record<string, unknown>[]>(
        `SELECT * FROM forsendelse WHERE mottak_id = ANY($1::uuid[]) ORDER BY mottak_id FOR UPDATE`,
        [mottakIds],
      );
      return work(new Map(raws.map((raw) => [String(raw.mottak_id), this.lockedIn(em, raw)])));
    });
  }

  private lockedIn(em: EntityManager, raw: Record<string, unknown>): LockedForsendelse {
    const mottakId = String(raw.mottak_id);
    const locked: LockedForsendelse = {
      row: this.toEntity(raw),
      refresh: async () => {
        const [now] = await em.query<Record<string, unknown>[]>(`SELECT * FROM forsendelse WHERE mottak_id = $1`, [
          mottakId,
        ]);
        locked.row = this.toEntity(now);
      },
      transition: (request) => this.transitionIn(em, { ...request, mottakId }),
      startAttempt: async (from, attempt, detail) =>
        (await this.startAttemptIn(em, mottakId, from, attempt, detail)) !== undefined,
      recordStatus: (status) => this.recordStatusIn(em, mottakId, status),
      note: (event) => this.insertEvent(em, mottakId, event),
    };
    return locked;
  }

  /**
   * Committed before the send is POSTed (the IP's send is not idempotent). Returns false if the row is no
   * longer forwarding this attempt, or if a send was already requested for it: then the caller must not send.
   * The zip's size and sha256, when this try measured them, are recorded with it. Batched as `claimDiscovered`:
   * the caller still sends only after its own row's mark has committed.
   */
  async markSendRequested(
    mottakId: string,
    attempt: number,
    payload?: { bytes: number; sha256: string },
  ): Promise<boolean> {
    return this.sendRequestedBatch({
      mottakId,
      attempt,
      bytes: payload?.bytes ?? null,
      sha256: payload?.sha256 ?? null,
    });
  }

  /**
   * Committed before the attempt's out-message is DELETEd at the IP, once per attempt, and only after its send was
   * requested: a resumed forward then knows the out-message is gone because we cancelled it. Returns false if the
   * row is no longer forwarding this attempt, or the cancel was recorded before.
   */
  async markCancelRequested(mottakId: string, attempt: number): Promise<boolean> {
    const noted = await this.dataSource.query<unknown[]>(
      `WITH marked AS (
         UPDATE forsendelse SET send_cancelled_at = now()
          WHERE mottak_id = $1 AND state = 'FORWARDING' AND attempt = $2
            AND send_requested_at IS NOT NULL AND send_cancelled_at IS NULL
          RETURNING mottak_id, message_id
       )
       INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, detail)
       SELECT mottak_id, 'note', $2, message_id, $3::jsonb FROM marked
       RETURNING id`,
      [mottakId, attempt, JSON.stringify({ cancel: 'requested' })],
    );
    return noted.length === 1;
  }

  /**
   * Records a receiver's receipt as a note, once per receipt messageId (unique index forsendelse_event_receipt_idx):
   * one read again after a crash between this and its DELETE at the IP is left as it is. Returns whether it is new.
   */
  async recordReceipt(mottakId: string, receipt: ObservedReceipt): Promise<boolean> {
    const detail = {
      receipt: receipt.receipt,
      text: receipt.text,
      receiptMessageId: receipt.receiptMessageId,
      relatedToMessageId: receipt.relatedToMessageId,
    };
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, detail)
       VALUES ($1, 'note', $2, $3, $4::jsonb)
       ON CONFLICT ((detail->>'receiptMessageId')) WHERE kind = 'note' AND detail ? 'receiptMessageId' DO NOTHING
       RETURNING id`,
      [
        mottakId,
        receipt.attempt ?? null,
        receipt.attempt === undefined ? null : (receipt.relatedToMessageId ?? null),
        JSON.stringify(detail),
      ],
    );
    return rows.length === 1;
  }

  /**
   * A note, unless the row already holds the same one for the same attempt: what a try found in the content
   * (a surprise, a wrong sjekksum) is found again by each retry of that attempt, and said once. Returns whether
   * it is new.
   */
  async appendNoteOnce(
    mottakId: string,
    note: { attempt: number; messageId: string; detail: object },
  ): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, detail)
       SELECT $1, 'note', $2, $3, $4::jsonb
        WHERE NOT EXISTS (
          SELECT 1 FROM forsendelse_event
           WHERE mottak_id = $1 AND kind = 'note' AND attempt = $2 AND detail = $4::jsonb)
       RETURNING id`,
      [mottakId, note.attempt, note.messageId, JSON.stringify(note.detail)],
    );
    return rows.length === 1;
  }

  /**
   * Records IP statuses that no transition depends on, in one statement; those of messages that are not ours
   * are left out, and one recorded before is left as it is (as `recordStatus`). Returns how many were new.
   */
  async recordStatuses(statuses: readonly Omit<ObservedStatus, 'attempt'>[]): Promise<number> {
    if (statuses.length === 0) {
      return 0;
    }
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, status, ip_status_id, detail)
       SELECT a.mottak_id, 'status', a.attempt, s.message_id, s.status, s.ip_status_id, s.detail
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::jsonb[]) AS s(message_id, status, ip_status_id, detail)
         JOIN forsendelse_attempt a ON a.message_id = s.message_id
       ON CONFLICT (message_id, status) WHERE kind = 'status' DO NOTHING
       RETURNING id`,
      [
        statuses.map((s) => s.messageId),
        statuses.map((s) => s.status),
        statuses.map((s) => s.ipStatusId),
        statuses.map((s) => statusDetail(s)),
      ],
    );
    return rows.length;
  }

  /**
   * Deletes up to `limit` CONFIRMED rows confirmed before `before`, oldest first, with their attempts and events,
   * in one statement in one short transaction (the parent and its children go together or not at all). Rows
   * another transaction holds (a late status being applied) are skipped, not waited for: the next batch or run
   * takes them. Returns how many rows of each table went.
   */
  async pruneConfirmed(before: Date, limit: number): Promise<PrunedCounts> {
    return this.dataSource.transaction(async (em) => {
      // The planner prices a batch above jit_above_cost, and compiling it took a third of each batch's time
      // (bench:retention) for a plan that is a few index scans.
      await em.query('SET LOCAL jit = off');
      const [counts] = await em.query<PrunedCounts[]>(
        `WITH doomed AS (
           SELECT mottak_id FROM forsendelse
            WHERE state = 'CONFIRMED' AND confirmed_at < $1
            ORDER BY confirmed_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
         ), events AS (
           DELETE FROM forsendelse_event e USING doomed d WHERE e.mottak_id = d.mottak_id RETURNING 1
         ), attempts AS (
           DELETE FROM forsendelse_attempt a USING doomed d WHERE a.mottak_id = d.mottak_id RETURNING 1
         ), rows AS (
           DELETE FROM forsendelse f USING doomed d WHERE f.mottak_id = d.mottak_id RETURNING 1
         )
         SELECT (SELECT count(*) FROM rows)::int AS forsendelse,
                (SELECT count(*) FROM attempts)::int AS forsendelse_attempt,
                (SELECT count(*) FROM events)::int AS forsendelse_event`,
        [before, limit],
      );
      return counts;
    });
  }

  private async sendRequestedAll(keys: readonly SendRequest[]): Promise<Map<string, boolean>> {
    const marked = await this.dataSource.query<{ mottak_id: string }[]>(
      `WITH requests AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::text[]) AS r(mottak_id, attempt, bytes, sha256)
       ), ${LOCKED_IN_ORDER}, marked AS (
         UPDATE forsendelse f
            SET send_requested_at = now(), bytes = COALESCE(r.bytes, f.bytes), sha256 = COALESCE(r.sha256, f.sha256)
           FROM requests r JOIN locked USING (mottak_id)
          WHERE f.mottak_id = r.mottak_id AND f.state = 'FORWARDING' AND f.attempt = r.attempt
            AND f.send_requested_at IS NULL
          RETURNING f.mottak_id, f.attempt, f.message_id
       )
       INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, detail)
       SELECT mottak_id, 'note', attempt, message_id, $5::jsonb FROM marked
       RETURNING mottak_id`,
      [
        keys.map((k) => k.mottakId),
        keys.map((k) => k.attempt),
        keys.map((k) => k.bytes),
        keys.map((k) => k.sha256),
        JSON.stringify({ send: 'requested' }),
      ],
    );
    return new Map(marked.map((r) => [r.mottak_id, true]));
  }

  private async sendAcceptedAll(keys: readonly { mottakId: string; attempt: number }[]): Promise<Map<string, boolean>> {
    const moved = await this.dataSource.query<{ mottak_id: string }[]>(
      `WITH accepted AS (
         SELECT * FROM unnest($1::uuid[], $2::int[]) AS a(mottak_id, attempt)
       ), ${LOCKED_IN_ORDER}, moved AS (
         UPDATE forsendelse f SET state = 'SENT', state_changed_at = now()
           FROM accepted a JOIN locked USING (mottak_id)
          WHERE f.mottak_id = a.mottak_id AND f.state = 'FORWARDING' AND f.attempt = a.attempt
          RETURNING f.mottak_id, f.attempt, f.message_id
       )
       INSERT INTO forsendelse_event (mottak_id, kind, from_state, to_state, attempt, message_id, detail)
       SELECT mottak_id, 'transition', 'FORWARDING', 'SENT', attempt, message_id, $3::jsonb FROM moved
       RETURNING mottak_id`,
      [keys.map((k) => k.mottakId), keys.map((k) => k.attempt), JSON.stringify({ send: 'accepted' })],
    );
    this.count('FORWARDING', 'SENT', moved.length);
    return new Map(moved.map((r) => [r.mottak_id, true]));
  }

  private async confirmedAll(keys: readonly ConfirmedMark[]): Promise<Map<string, Delivery>> {
    const moved = await this.dataSource.query<
      { mottak_id: string; delivered_at: Date | null; delivered_message_id: string | null }[]
    >(
      `WITH confirmed AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::jsonb[]) AS c(mottak_id, confirmed_at, detail)
       ), ${LOCKED_IN_ORDER}, moved AS (
         UPDATE forsendelse f SET state = 'CONFIRMED', state_changed_at = now(), confirmed_at = c.confirmed_at
           FROM confirmed c JOIN locked USING (mottak_id)
          WHERE f.mottak_id = c.mottak_id AND f.state = 'DELIVERED'
          RETURNING f.mottak_id, f.attempt, f.message_id, f.delivered_at, f.delivered_message_id, c.detail
       ), logged AS (
         INSERT INTO forsendelse_event (mottak_id, kind, from_state, to_state, attempt, message_id, detail)
         SELECT mottak_id, 'transition', 'DELIVERED', 'CONFIRMED', attempt, message_id, detail FROM moved
       )
       SELECT mottak_id, delivered_at, delivered_message_id FROM moved`,
      [
        keys.map((k) => k.mottakId),
        keys.map((k) => k.confirmedAt),
        keys.map((k) => JSON.stringify({ outcome: k.outcome })),
      ],
    );
    this.count('DELIVERED', 'CONFIRMED', moved.length);
    return new Map(
      moved.map((r) => [r.mottak_id, { deliveredAt: r.delivered_at, deliveredMessageId: r.delivered_message_id }]),
    );
  }

  private count(from: ForsendelseState, to: ForsendelseState, rows: number): void {
    if (rows > 0) {
      this.metrics?.transitions.inc({ from, to }, rows);
    }
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
    params.push(request.messageId ?? null, request.detail === undefined ? null : JSON.stringify(request.detail));
    const [messageId, detail] = [params.length - 1, params.length];
    const logged = await em.query<unknown[]>(
      `WITH moved AS (
         UPDATE forsendelse SET ${sets.join(', ')} WHERE ${where} RETURNING mottak_id, attempt, message_id
       )
       INSERT INTO forsendelse_event (mottak_id, kind, from_state, to_state, attempt, message_id, detail)
       SELECT mottak_id, 'transition', $2, $3, attempt, COALESCE($${messageId}::uuid, message_id), $${detail}::jsonb
         FROM moved
       RETURNING id`,
      params,
    );
    if (logged.length === 0) {
      return false;
    }
    this.metrics?.transitions.inc({ from: request.from, to: request.to });
    return true;
  }

  private async startAttemptIn(
    em: EntityManager,
    mottakId: string,
    from: AttemptStart,
    attempt: number,
    detail?: Record<string, unknown>,
  ): Promise<ForsendelseEntity | undefined> {
    return (await this.startAttemptsIn(em, from, [{ mottakId, attempt, detail }])).get(mottakId);
  }

  /**
   * Moves these rows into FORWARDING for their attempts in one statement (the claims of a backlog share one): from
   * DISCOVERED the same attempt, from SENT (LEVETID_UTLOPT), FAILED (replay) or a cancelled FORWARDING the next.
   * The attempt's messageId is recorded so its statuses find the row. Returns the rows moved, as they are now.
   */
  private async startAttemptsIn(
    em: EntityManager,
    from: AttemptStart,
    starts: readonly { mottakId: string; attempt: number; detail?: Record<string, unknown> }[],
  ): Promise<Map<string, ForsendelseEntity>> {
    const moved = await em.query<Record<string, unknown>[]>(
      `WITH starts AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::jsonb[]) AS s(mottak_id, attempt, message_id, detail)
       ), ${LOCKED_IN_ORDER}, moved AS (
         UPDATE forsendelse f
            SET state = 'FORWARDING', state_changed_at = now(), attempt = s.attempt, message_id = s.message_id,
                send_requested_at = CASE WHEN f.attempt = s.attempt THEN f.send_requested_at END,
                send_cancelled_at = CASE WHEN f.attempt = s.attempt THEN f.send_cancelled_at END,
                failure_reason = NULL
           FROM starts s JOIN locked USING (mottak_id)
          WHERE f.mottak_id = s.mottak_id AND f.state = $5 AND f.attempt = s.attempt - $6
            AND ($5 <> 'FORWARDING' OR f.send_cancelled_at IS NOT NULL)
          RETURNING f.*, s.detail AS start_detail
       ), attempt_recorded AS (
         INSERT INTO forsendelse_attempt (message_id, mottak_id, attempt)
         SELECT message_id, mottak_id, attempt FROM moved
         ON CONFLICT (message_id) DO NOTHING
       ), logged AS (
         INSERT INTO forsendelse_event (mottak_id, kind, from_state, to_state, attempt, message_id, detail)
         SELECT mottak_id, 'transition', $5, 'FORWARDING', attempt, message_id, start_detail FROM moved
       )
       SELECT * FROM moved`,
      [
        starts.map((s) => s.mottakId),
        starts.map((s) => s.attempt),
        starts.map((s) => messageIdFor(s.mottakId, s.attempt)),
        starts.map((s) => (s.detail === undefined ? null : JSON.stringify(s.detail))),
        from,
        // From DISCOVERED the first attempt starts; from anywhere else, the next.
        from === 'DISCOVERED' ? 0 : 1,
      ],
    );
    this.count(from, 'FORWARDING', moved.length);
    return new Map(moved.map((raw) => [String(raw.mottak_id), this.toEntity(raw)]));
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
      [mottakId, status.attempt, status.messageId, status.status, status.ipStatusId, statusDetail(status)],
    );
    return rows.length === 1;
  }

  /** A raw `forsendelse` row as the entity, with the column types and transformers TypeORM would apply. */
  private toEntity(raw: Record<string, unknown>): ForsendelseEntity {
    const metadata = this.dataSource.getMetadata(ForsendelseEntity);
    const entity = metadata.create() as ForsendelseEntity;
    for (const column of metadata.columns) {
      column.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(raw[column.databaseName], column));
    }
    return entity;
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
