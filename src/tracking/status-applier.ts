import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { MessageStatus } from '../eformidling/integrasjonspunkt.schemas';
import type { ForsendelseAttemptEntity } from '../forsendelse/forsendelse-attempt.entity';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { ForsendelseTransitions, type LockedForsendelse } from '../forsendelse/forsendelse-transitions';
import { decide, isDecisive, type StatusOutcome } from '../forsendelse/status-rules';
import { Metrics } from '../ops/metrics';
import { WorkQueues } from '../queues/work-queues';

/** Forsendelser whose statuses are applied side by side (each holds a database connection meanwhile). */
const APPLY_CONCURRENCY = 4;

export type ApplyOutcome = StatusOutcome | 'not-ours';

/** What to enqueue once the transaction that decided it has committed. */
type FollowUp = { confirm: string } | { forward: { mottakId: string; attempt: number } } | undefined;

/**
 * Applies IP statuses to their forsendelser as src/forsendelse/status-rules.ts decides: this class only carries
 * the decision out (the transition, the event, the metric, the log, the follow-up job).
 *
 * The status is recorded and acted on in one transaction with the row locked, and the decision depends on the
 * row's state, never on whether the status was seen before (that only decides whether ops hear of it again):
 * applying a status again is harmless, and a crash between "seen" and "acted" cannot leave a row waiting forever.
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
   * A batch, as the status reader gets them: the ones no rule acts on are recorded with one statement; the
   * others are applied one by one within a forsendelse, in the order read (a FEIL after its LEVERT stays after
   * it), and up to APPLY_CONCURRENCY forsendelser at a time, each in its own locked transaction.
   * Returns how many were ours (recorded now, or acted on).
   */
  async applyAll(statuses: readonly MessageStatus[]): Promise<number> {
    let ours = await this.transitions.recordStatuses(
      statuses.filter((s) => !isDecisive(s.status)).map((s) => ({ ...s, ipStatusId: s.id })),
    );
    const decisive = statuses.filter((s) => isDecisive(s.status));
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
      const firstSeen = await locked.recordStatus({
        attempt: attempt.attempt,
        messageId: status.messageId,
        status: status.status,
        ipStatusId: status.id,
        lastUpdate: status.lastUpdate,
        description: status.description,
      });
      const applied = await this.carryOut(locked, status, attempt.attempt, firstSeen, log);
      followUp = applied.followUp;
      return applied.outcome;
    });
    if (followUp && 'confirm' in followUp) {
      await this.queues.confirm([followUp.confirm]);
    } else if (followUp) {
      await this.queues.forward([followUp.forward]);
    }
    return outcome ?? 'not-ours';
  }

  private async carryOut(
    locked: LockedForsendelse,
    status: MessageStatus,
    statusAttempt: number,
    firstSeen: boolean,
    log: object,
  ): Promise<{ outcome: StatusOutcome; followUp?: FollowUp }> {
    const { row } = locked;
    const decision = decide(
      {
        state: row.state,
        rowAttempt: row.attempt,
        status: status.status,
        statusAttempt,
        firstSeen,
        maxAttempts: this.config.forward.maxSendAttempts,
      },
      status.description,
    );
    switch (decision.outcome) {
      case 'delivered':
        await locked.transition({
          from: decision.from,
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
      case 'new-attempt':
        await locked.startAttempt('SENT', decision.nextAttempt, { reason: status.status });
        this.logger.warn({
          msg: 'delivery deadline passed; sending a new attempt',
          nextAttempt: decision.nextAttempt,
          ...log,
        });
        return {
          outcome: 'new-attempt',
          followUp: { forward: { mottakId: row.mottakId, attempt: decision.nextAttempt } },
        };
      case 'failed':
        await locked.transition({
          from: 'SENT',
          to: 'FAILED',
          patch: { failureReason: decision.reason },
          detail: { reason: decision.reason, status: status.status, statusId: status.id },
        });
        this.metrics.failures.inc({ kind: decision.failureKind });
        this.logger.error({ msg: 'forsendelse parked', reason: decision.reason, ...log });
        return { outcome: 'failed' };
      case 'late':
        // The receiver refused it after LEVERT; a confirm cannot be undone. Ops must hear of it.
        await locked.note({
          kind: 'note',
          attempt: statusAttempt,
          messageId: status.messageId,
          detail: { lateFeil: true, description: status.description ?? null },
        });
        this.metrics.lateStatuses.inc({ status: status.status });
        this.logger.error({ msg: 'FEIL after delivery', state: row.state, description: status.description, ...log });
        return { outcome: 'late' };
      case 'recorded':
        if (decision.rule === 'record' && decision.unknownStatus) {
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
