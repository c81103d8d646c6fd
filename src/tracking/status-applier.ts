import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { discardOutMessage } from '../eformidling/discard-out-message';
import { IntegrasjonspunktClient } from '../eformidling/integrasjonspunkt.client';
import type { MessageStatus } from '../eformidling/integrasjonspunkt.schemas';
import type { ForsendelseAttemptEntity } from '../forsendelse/forsendelse-attempt.entity';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { ForsendelseTransitions, type LockedForsendelse } from '../forsendelse/forsendelse-transitions';
import { decide, isDecisive, type StatusOutcome } from '../forsendelse/status-rules';
import { Metrics } from '../ops/metrics';
import { WorkQueues } from '../queues/work-queues';

/**
 * Forsendelser whose statuses are applied in one transaction: a feed tick in a backlog brings hundreds of LEVERT
 * at once, and a commit each was a third of the database's work per forsendelse (bench:drain).
 */
const APPLY_CHUNK = 200;

interface StatusLog {
  mottakId: string;
  messageId: string;
  attempt: number;
  status: string;
}

/**
 * What to do once the transaction that decided it has committed: confirm, or forward the next attempt; and for
 * an attempt given up on (expired, or failed), cancel its out-message at the IP, which frees its files there.
 */
type FollowUp = { confirm?: string; forward?: { mottakId: string; attempt: number }; discard?: string } | undefined;

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
    private readonly ip: IntegrasjonspunktClient,
  ) {}

  /**
   * A batch, as the status reader gets them: the ones no rule acts on are recorded with one statement; the
   * others are applied in one transaction per APPLY_CHUNK forsendelser, with their rows locked, one by one within
   * a forsendelse in the order read (a FEIL after its LEVERT stays after it). The follow-up jobs go out once it
   * has committed. Returns how many were ours (recorded now, or acted on).
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
    const groups = [...byForsendelse.entries()];
    let firstFailure: Error | undefined;
    for (let from = 0; from < groups.length; from += APPLY_CHUNK) {
      const chunk = groups.slice(from, from + APPLY_CHUNK);
      try {
        ours += await this.applyChunk(chunk);
      } catch (error) {
        if (chunk.length === 1) {
          firstFailure ??= asError(error);
          continue;
        }
        // One row that cannot be applied (or a deadlock) must not hold back the others: the chunk is applied
        // again one forsendelse per transaction, as before it was chunked, and only the failing ones stay behind.
        for (const group of chunk) {
          try {
            ours += await this.applyChunk([group]);
          } catch (failure) {
            firstFailure ??= asError(failure);
          }
        }
      }
    }
    if (firstFailure) {
      // The tick fails, so its statuses are read again; the ones applied now are skipped as settled then.
      throw firstFailure;
    }
    return ours;
  }

  private async applyChunk(
    groups: readonly [string, { attempt: ForsendelseAttemptEntity; status: MessageStatus }[]][],
  ): Promise<number> {
    const followUps: (FollowUp & { log: StatusLog })[] = [];
    const ours = await this.transitions.withLocked(
      groups.map(([mottakId]) => mottakId),
      async (lockedRows) => {
        let applied = 0;
        for (const [mottakId, group] of groups) {
          const locked = lockedRows.get(mottakId);
          for (const [index, { attempt, status }] of group.entries()) {
            if (!locked) {
              break;
            }
            if (index > 0) {
              // The status before may have moved the row.
              await locked.refresh();
            }
            const log = {
              mottakId,
              messageId: status.messageId,
              attempt: attempt.attempt,
              status: status.status,
            };
            const firstSeen = await locked.recordStatus({
              attempt: attempt.attempt,
              messageId: status.messageId,
              status: status.status,
              ipStatusId: status.id,
              lastUpdate: status.lastUpdate,
              description: status.description,
            });
            const carried = await this.carryOut(locked, status, attempt.attempt, firstSeen, log);
            if (carried.followUp) {
              followUps.push({ ...carried.followUp, log });
            }
            applied += 1;
          }
        }
        return applied;
      },
    );
    const confirms = followUps.flatMap((f) => (f.confirm ? [f.confirm] : []));
    if (confirms.length > 0) {
      await this.queues.confirm(confirms);
    }
    const forwards = followUps.flatMap((f) => (f.forward ? [f.forward] : []));
    if (forwards.length > 0) {
      await this.queues.forward(forwards);
    }
    for (const { discard, log } of followUps) {
      if (discard) {
        await discardOutMessage(this.ip, this.logger, { ...log, messageId: discard, why: log.status });
      }
    }
    return ours;
  }

  private async carryOut(
    locked: LockedForsendelse,
    status: MessageStatus,
    statusAttempt: number,
    firstSeen: boolean,
    log: StatusLog,
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
          followUp: {
            forward: { mottakId: row.mottakId, attempt: decision.nextAttempt },
            discard: status.messageId,
          },
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
        return { outcome: 'failed', followUp: { discard: status.messageId } };
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

function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
