import { Injectable, Logger } from '@nestjs/common';
import type { ForsendelseEventEntity } from '../forsendelse/forsendelse-event.entity';
import { FORSENDELSE_STATES, type ForsendelseState } from '../forsendelse/forsendelse-state';
import type { ForsendelseEntity } from '../forsendelse/forsendelse.entity';
import { ForsendelseTransitions } from '../forsendelse/forsendelse-transitions';
import { ForsendelseQueries, type ForsendelseFlag } from '../forsendelse/forsendelse-queries';
import { WorkQueues } from '../queues/work-queues';
import { mayStillDeliver } from '../forsendelse/status-rules';

export class AdminRequestError extends Error {}

export interface ForsendelsePage {
  items: ForsendelseEntity[];
  page: number;
  size: number;
  total: number;
}

export type ReplayOutcome = 'replayed' | 'not-failed' | 'not-found' | 'may-still-deliver';

/** Why a replay is refused although the row is FAILED: a second copy could reach the receiver. */
export const MAY_STILL_DELIVER =
  'its current attempt was sent (SENDT) and the integrasjonspunkt has not ended it (no FEIL or LEVETID_UTLOPT): ' +
  'it may still be delivered, and a new attempt could deliver it twice; replay it after its deadline';
export type RecheckOutcome = 'forward' | 'confirm' | 'statuses' | 'nothing-to-do' | 'not-found';

const MAX_PAGE_SIZE = 500;
const MAX_REPLAY = 1000;

function checkPaging(page: number, size: number): void {
  if (!Number.isInteger(page) || page < 0 || !Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new AdminRequestError(`page must be ≥ 0 and size 1–${MAX_PAGE_SIZE}`);
  }
}

/**
 * What operators do without a database shell, for the admin API and the CLI alike: list, show with the
 * event log, replay FAILED ones as a new attempt, and re-check a stuck one now. Every change goes through
 * the same conditional transitions and deterministic job ids as the pipeline.
 */
@Injectable()
export class AdminService {
  private readonly logger = new Logger('Admin');

  constructor(
    private readonly transitions: ForsendelseTransitions,
    private readonly queries: ForsendelseQueries,
    private readonly queues: WorkQueues,
  ) {}

  async list(state: string | undefined, page = 0, size = 50): Promise<ForsendelsePage> {
    if (state !== undefined && !FORSENDELSE_STATES.includes(state as ForsendelseState)) {
      throw new AdminRequestError(`state must be one of ${FORSENDELSE_STATES.join(', ')}`);
    }
    checkPaging(page, size);
    const [items, total] = await this.queries.page(state as ForsendelseState | undefined, page * size, size);
    return { items, page, size, total };
  }

  /**
   * Forsendelser to take up with the receiver, in any state: `late`, a FEIL after delivery (confirmed or about to
   * be: recorded, never undone); `rejected`, a receipt in which the receiver's archive refused it.
   */
  async listFlagged(flag: ForsendelseFlag, page = 0, size = 50): Promise<ForsendelsePage> {
    checkPaging(page, size);
    const [items, total] = await this.queries.pageFlagged(flag, page * size, size);
    return { items, page, size, total };
  }

  async show(mottakId: string): Promise<{ forsendelse: ForsendelseEntity; events: ForsendelseEventEntity[] } | null> {
    const forsendelse = await this.queries.findById(mottakId);
    if (!forsendelse) {
      return null;
    }
    return { forsendelse, events: await this.queries.events(mottakId) };
  }

  /** FAILED → FORWARDING as the next attempt (a new messageId), then its forward job. */
  async replay(mottakId: string): Promise<ReplayOutcome> {
    const row = await this.queries.findById(mottakId);
    if (!row) {
      return 'not-found';
    }
    if (row.state !== 'FAILED') {
      return 'not-failed';
    }
    if (row.sendRequestedAt && mayStillDeliver(await this.queries.statusesOf(row.messageId))) {
      this.logger.warn({ msg: 'replay refused', reason: MAY_STILL_DELIVER, mottakId, messageId: row.messageId });
      return 'may-still-deliver';
    }
    const next = row.attempt + 1;
    if (!(await this.transitions.startAttempt(mottakId, 'FAILED', next, { reason: 'operator replay' }))) {
      return 'not-failed';
    }
    await this.queues.retryForward([{ mottakId, attempt: next }]);
    this.logger.log({ msg: 'replayed', mottakId, attempt: next, previousReason: row.failureReason });
    return 'replayed';
  }

  /** Replays every FAILED one whose reason contains `reasonContains` (all of them without it). */
  async replayFailed(reasonContains?: string): Promise<{ replayed: string[] }> {
    const failed = await this.queries.findFailed(reasonContains, MAX_REPLAY);
    const replayed: string[] = [];
    for (const row of failed) {
      if ((await this.replay(row.mottakId)) === 'replayed') {
        replayed.push(row.mottakId);
      }
    }
    return { replayed };
  }

  /** Enqueues now what the row waits for: its forward, its confirm, or a re-read of its statuses. */
  async recheck(mottakId: string): Promise<RecheckOutcome> {
    const row = await this.queries.findById(mottakId);
    if (!row) {
      return 'not-found';
    }
    switch (row.state) {
      case 'DISCOVERED':
      case 'FORWARDING':
        await this.queues.retryForward([{ mottakId, attempt: row.attempt }]);
        return 'forward';
      case 'DELIVERED':
        await this.queues.retryConfirm([mottakId]);
        return 'confirm';
      case 'SENT':
        await this.queues.recheck([row.messageId]);
        return 'statuses';
      case 'CONFIRMED':
      case 'FAILED':
        return 'nothing-to-do';
    }
  }
}
