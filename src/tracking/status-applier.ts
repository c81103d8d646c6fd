import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MESSAGE_STATUSES, type MessageStatus } from '../eformidling/integrasjonspunkt.schemas';
import type { ForsendelseAttemptEntity } from '../forsendelse/forsendelse-attempt.entity';
import { ForsendelseTransitions, type LockedForsendelse } from '../forsendelse/forsendelse-transitions';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { Metrics } from '../ops/metrics';
import { WorkQueues } from '../queues/work-queues';

const KNOWN_STATUSES: ReadonlySet<string> = new Set(MESSAGE_STATUSES);
/** Forsendelser whose statuses are applied side by side (each holds a database connection meanwhile). */
const APPLY_CONCURRENCY = 4;

export type ApplyOutcome = 'not-ours' | 'recorded' | 'delivered' | 'new-attempt' | 'failed' | 'late';

/**
 * The statuses `decide` acts on. Any other one is only recorded, which needs neither the row's lock nor a
 * transaction of its own: `applyAll` records those in bulk. A status `decide` learns to act on goes here too.
 */
const ACTED_ON: ReadonlySet<string> = new Set(['LEVERT', 'LEST', 'LEVETID_UTLOPT', 'FEIL']);

/** What to enqueue once the transaction that decided it has committed. */
type FollowUp = { confirm: string } | { forward: { mottakId: string; attempt: number } } | undefined;

/**
 * Turns an IP status into what it means for the forsendelse: LEVERT/LEST → DELIVERED (+ confirm), at any time
 * and for any of the row's attempts; LEVETID_UTLOPT of the current, sent attempt → the next attempt, or
 * FAILED when they are spent; FEIL of it → FAILED. A FEIL after delivery is recorded and raised to ops.
 *
 * The status is recorded and acted on in one transaction with the row locked, and the decision depends only
 * on the row's state, never on whether the status was seen before: applying a status again is harmless, and
 * a crash between "seen" and "acted" cannot leave a row waiting forever.
 */
@Injectable()
export class StatusApplier {
  private readonly logger = new Logger('Tracking');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transitions: ForsendelseTransitions,
    private readonly queries: ForsendelseQueries,
    private readonly queues: WorkQueues,
    private readonly metrics: Metrics,
  ) {}

  /**
   * A batch, as the status reader gets them: the ones nothing is decided on are recorded with one statement;
   * the others are applied one by one within a forsendelse, in the order read (a FEIL after its LEVERT stays
   * after it), and up to APPLY_CONCURRENCY forsendelser at a time, each in its own locked transaction.
   * Returns how many were ours (recorded now, or acted on).
   */
  async applyAll(statuses: readonly MessageStatus[]): Promise<number> {
    // An unknown status goes the long way too: `decide` says so once.
    const recordOnly = (s: MessageStatus) => KNOWN_STATUSES.has(s.status) && !ACTED_ON.has(s.status);
    let ours = await this.transitions.recordStatuses(
      statuses.filter(recordOnly).map((s) => ({ ...s, ipStatusId: s.id })),
    );
    const decisive = statuses.filter((s) => !recordOnly(s));
    const attempts = new Map(
      (await this.queries.findAttempts(decisive.map((s) => s.messageId))).map((a) => [a.messageId, a]),
    );
    const byForsendelse = new Map<string, { attempt: ForsendelseAttemptEntity; status: MessageStatus }[]>();
    for (const status of decisive) {
      const attempt = attempts.get(status.messageId.toLowerCase());
      if (attempt) {
        byForsendelse.set(attempt.mottakId, [...(byForsendelse.get(attempt.mottakId) ?? []), { attempt, status }]);
      }
    }
    const groups = [...byForsendelse.values()];
    const lanes = Array.from({ length: Math.min(APPLY_CONCURRENCY, groups.length) }, async () => {
      for (let group = groups.shift(); group; group = groups.shift()) {
        for (const { attempt, status } of group) {
          if ((await this.applyTo(attempt, status)) !== 'not-ours') {
            ours += 1;
          }
        }
      }
    });
    // Every lane ends before the tick does; the first failure fails the tick, whose next run applies again.
    const failed = (await Promise.allSettled(lanes)).find((r) => r.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
    return ours;
  }

  private async applyTo(attempt: ForsendelseAttemptEntity, status: MessageStatus): Promise<ApplyOutcome> {
    const log = {
      mottakId: attempt.mottakId,
      messageId: status.messageId,
      attempt: attempt.attempt,
      status: status.status,
    };
    let followUp: FollowUp;
    const outcome = await this.transitions.withLocked(attempt.mottakId, async (locked) => {
      const isNew = await locked.recordStatus({
        attempt: attempt.attempt,
        messageId: status.messageId,
        status: status.status,
        ipStatusId: status.id,
        lastUpdate: status.lastUpdate,
        description: status.description,
      });
      const decided = await this.decide(locked, status, attempt.attempt, isNew, log);
      followUp = decided.followUp;
      return decided.outcome;
    });
    if (followUp && 'confirm' in followUp) {
      await this.queues.confirm([followUp.confirm]);
    } else if (followUp) {
      await this.queues.forward([followUp.forward]);
    }
    return outcome ?? 'not-ours';
  }

  private async decide(
    locked: LockedForsendelse,
    status: MessageStatus,
    statusAttempt: number,
    isNew: boolean,
    log: object,
  ): Promise<{ outcome: ApplyOutcome; followUp?: FollowUp }> {
    const { row } = locked;
    switch (status.status) {
      case 'LEVERT':
      case 'LEST': {
        if (row.state !== 'SENT' && row.state !== 'FORWARDING' && row.state !== 'FAILED') {
          return { outcome: 'recorded' };
        }
        await locked.transition({
          from: row.state,
          to: 'DELIVERED',
          messageId: status.messageId,
          patch: {
            deliveredMessageId: status.messageId,
            deliveredAt: new Date(status.lastUpdate),
            failureReason: null,
          },
          detail: { status: status.status, statusId: status.id, lastUpdate: status.lastUpdate },
        });
        this.logger.log({ msg: 'delivered', ...log });
        return { outcome: 'delivered', followUp: { confirm: row.mottakId } };
      }
      case 'LEVETID_UTLOPT': {
        // Only the current attempt, once it is sent: an older attempt's deadline changes nothing (its LEVERT
        // would still count), and a FORWARDING one is settled by the forward, which sees it in the conversation.
        if (row.state !== 'SENT' || row.attempt !== statusAttempt) {
          return { outcome: 'recorded' };
        }
        if (row.attempt >= this.config.forward.maxSendAttempts) {
          const reason = `LEVETID_UTLOPT on attempt ${row.attempt} of ${this.config.forward.maxSendAttempts}`;
          await locked.transition({ from: 'SENT', to: 'FAILED', patch: { failureReason: reason }, detail: { reason } });
          this.metrics.failures.inc({ kind: 'attempts-exhausted' });
          this.logger.error({ msg: 'forsendelse parked: attempts exhausted', reason, ...log });
          return { outcome: 'failed' };
        }
        const next = row.attempt + 1;
        await locked.startAttempt('SENT', next, { reason: 'LEVETID_UTLOPT' });
        this.logger.warn({ msg: 'delivery deadline passed; sending a new attempt', nextAttempt: next, ...log });
        return { outcome: 'new-attempt', followUp: { forward: { mottakId: row.mottakId, attempt: next } } };
      }
      case 'FEIL': {
        if (row.state === 'DELIVERED' || row.state === 'CONFIRMED') {
          if (isNew) {
            // The receiver refused it after LEVERT; a confirm cannot be undone. Ops must hear of it.
            await locked.note({
              kind: 'note',
              attempt: statusAttempt,
              messageId: status.messageId,
              detail: { lateFeil: true, description: status.description ?? null },
            });
            this.metrics.lateStatuses.inc({ status: 'FEIL' });
            this.logger.error({
              msg: 'FEIL after delivery',
              state: row.state,
              description: status.description,
              ...log,
            });
          }
          return { outcome: 'late' };
        }
        if (row.state !== 'SENT' || row.attempt !== statusAttempt) {
          return { outcome: 'recorded' };
        }
        const reason = `FEIL from the integrasjonspunkt${status.description ? `: ${status.description}` : ''}`;
        await locked.transition({
          from: 'SENT',
          to: 'FAILED',
          patch: { failureReason: reason },
          detail: { status: 'FEIL', statusId: status.id, description: status.description ?? null },
        });
        this.metrics.failures.inc({ kind: 'feil' });
        this.logger.error({ msg: 'forsendelse parked', reason, ...log });
        return { outcome: 'failed' };
      }
      default:
        if (isNew && !KNOWN_STATUSES.has(status.status)) {
          // A value the spec does not list: kept as an event, acted on never, said once.
          this.logger.warn({
            msg: 'unknown status from the integrasjonspunkt; recorded, not acted on',
            peer: 'integrasjonspunkt',
            operation: 'statuses',
            state: row.state,
            ...log,
          });
        }
        return { outcome: 'recorded' };
    }
  }
}
