import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { ForsendelseEntity } from '../forsendelse/forsendelse.entity';
import { ForsendelseRepository } from '../forsendelse/forsendelse.repository';
import type { MessageStatus } from '../eformidling/integrasjonspunkt.schemas';
import { WorkQueues } from '../queues/work-queues';

export type ApplyOutcome = 'not-ours' | 'seen-before' | 'recorded' | 'delivered' | 'new-attempt' | 'failed' | 'late';

/**
 * Turns an IP status into what it means for the forsendelse. Every status of ours is recorded once (by its
 * IP id); only a new one acts. LEVERT/LEST → DELIVERED (+ confirm); LEVETID_UTLOPT of the current attempt →
 * the next attempt, or FAILED when they are spent; FEIL → FAILED. Late statuses after delivery are recorded
 * and raised to ops; they cannot undo a confirm.
 */
@Injectable()
export class StatusApplier {
  private readonly logger = new Logger('Tracking');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly forsendelser: ForsendelseRepository,
    private readonly queues: WorkQueues,
  ) {}

  async apply(status: MessageStatus): Promise<ApplyOutcome> {
    const attempt = await this.forsendelser.findAttempt(status.messageId);
    if (!attempt) {
      return 'not-ours';
    }
    const { mottakId } = attempt;
    const isNew = await this.forsendelser.recordStatus(mottakId, {
      attempt: attempt.attempt,
      messageId: status.messageId,
      status: status.status,
      ipStatusId: status.id,
      lastUpdate: status.lastUpdate,
      description: status.description,
    });
    if (!isNew) {
      return 'seen-before';
    }
    const row = await this.forsendelser.findById(mottakId);
    if (!row) {
      return 'not-ours';
    }
    const log = { mottakId, messageId: status.messageId, attempt: attempt.attempt, status: status.status };
    switch (status.status) {
      case 'LEVERT':
      case 'LEST':
        return this.delivered(row, status, log);
      case 'LEVETID_UTLOPT':
        return this.expired(row, attempt.attempt, log);
      case 'FEIL':
        return this.feil(row, attempt.attempt, status, log);
      default:
        return 'recorded';
    }
  }

  private async delivered(row: ForsendelseEntity, status: MessageStatus, log: object): Promise<ApplyOutcome> {
    if (row.state !== 'SENT' && row.state !== 'FORWARDING' && row.state !== 'FAILED') {
      return 'recorded';
    }
    const won = await this.forsendelser.transition({
      mottakId: row.mottakId,
      from: row.state,
      to: 'DELIVERED',
      messageId: status.messageId,
      patch: { deliveredMessageId: status.messageId, deliveredAt: new Date(status.lastUpdate), failureReason: null },
      detail: { status: status.status, statusId: status.id, lastUpdate: status.lastUpdate },
    });
    if (!won) {
      return 'recorded';
    }
    await this.queues.confirm([row.mottakId]);
    this.logger.log({ msg: 'delivered', ...log });
    return 'delivered';
  }

  private async expired(row: ForsendelseEntity, statusAttempt: number, log: object): Promise<ApplyOutcome> {
    if (row.state !== 'SENT' || row.attempt !== statusAttempt) {
      // An older attempt's deadline, or one already superseded: its LEVERT would still count if it came.
      return 'recorded';
    }
    if (row.attempt >= this.config.forward.maxSendAttempts) {
      const reason = `LEVETID_UTLOPT on attempt ${row.attempt} of ${this.config.forward.maxSendAttempts}`;
      const won = await this.forsendelser.transition({
        mottakId: row.mottakId,
        from: 'SENT',
        to: 'FAILED',
        attempt: row.attempt,
        patch: { failureReason: reason },
        detail: { reason },
      });
      if (won) {
        this.logger.error({ msg: 'forsendelse parked: attempts exhausted', reason, ...log });
      }
      return won ? 'failed' : 'recorded';
    }
    const next = row.attempt + 1;
    if (!(await this.forsendelser.startAttempt(row.mottakId, 'SENT', next, { reason: 'LEVETID_UTLOPT' }))) {
      return 'recorded';
    }
    await this.queues.forward([{ mottakId: row.mottakId, attempt: next }]);
    this.logger.warn({ msg: 'delivery deadline passed; sending a new attempt', nextAttempt: next, ...log });
    return 'new-attempt';
  }

  private async feil(
    row: ForsendelseEntity,
    statusAttempt: number,
    status: MessageStatus,
    log: object,
  ): Promise<ApplyOutcome> {
    if (row.state === 'DELIVERED' || row.state === 'CONFIRMED') {
      // The receiver refused it after LEVERT; a confirm cannot be undone. Ops must hear of it.
      await this.forsendelser.appendEvent(row.mottakId, {
        kind: 'note',
        attempt: statusAttempt,
        messageId: status.messageId,
        detail: { lateFeil: true, description: status.description ?? null },
      });
      this.logger.error({ msg: 'FEIL after delivery', state: row.state, description: status.description, ...log });
      return 'late';
    }
    if (row.state !== 'SENT' || row.attempt !== statusAttempt) {
      return 'recorded';
    }
    const reason = `FEIL from the integrasjonspunkt${status.description ? `: ${status.description}` : ''}`;
    const won = await this.forsendelser.transition({
      mottakId: row.mottakId,
      from: 'SENT',
      to: 'FAILED',
      attempt: row.attempt,
      patch: { failureReason: reason },
      detail: { status: 'FEIL', statusId: status.id, description: status.description ?? null },
    });
    if (won) {
      this.logger.error({ msg: 'forsendelse parked', reason, ...log });
    }
    return won ? 'failed' : 'recorded';
  }
}
