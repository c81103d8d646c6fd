import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { IntegrasjonspunktClient, type PeekedReceipt } from '../eformidling/integrasjonspunkt.client';
import { IpError } from '../eformidling/integrasjonspunkt.errors';
import type { Receipt } from '../eformidling/integrasjonspunkt.schemas';
import { messageIdFor } from '../forsendelse/forsendelse-ids';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { ForsendelseTransitions } from '../forsendelse/forsendelse-transitions';
import { Metrics } from '../ops/metrics';

/** Rows whose conversation is asked about in one tick; the rest wait for the next ticks (a turn spans several). */
export const RECEIPT_ROWS_PER_TICK = 1000;
/**
 * Receipts taken from one conversation in one tick. A conversation gets about one per attempt; this only bounds
 * a queue that keeps answering (an IP that ignores the DELETE).
 */
const RECEIPTS_PER_CONVERSATION = 10;

/** A receipt can come while the message is on its way, after LEVERT, and after the confirm (for a while). */
const RECEIPT_STATES = ['SENT', 'DELIVERED'] as const;

export interface ReceiptTickResult {
  conversations: number;
  peeks: number;
  recorded: number;
  unreadable: number;
}

interface WatchedRow {
  mottakId: string;
  attempt: number;
  conversationId: string;
}

/**
 * Reads the receivers' arkivmelding_kvittering for our own conversations from the IP's incoming queue
 * (docs/architecture.md, "Receipts"): peek by conversationId and the receipt process — never a peek that could
 * lock another client's message — record it as a note on the row, then DELETE it at the IP.
 */
@Injectable()
export class ReceiptReader {
  private readonly logger = new Logger('Receipts');
  /** Where the next tick goes on: a turn over all watched rows spans several ticks. */
  private after?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ip: IntegrasjonspunktClient,
    private readonly queries: ForsendelseQueries,
    private readonly transitions: ForsendelseTransitions,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  async tick(): Promise<ReceiptTickResult> {
    const confirmedSince = new Date(this.clock.now() - this.config.efm.watchAfterConfirmHours * 3_600_000);
    const rows = await this.queries.findWatched(this.after, RECEIPT_ROWS_PER_TICK, confirmedSince, RECEIPT_STATES);
    this.after = rows.length === RECEIPT_ROWS_PER_TICK ? rows[rows.length - 1].mottakId : undefined;
    const result: ReceiptTickResult = { conversations: rows.length, peeks: 0, recorded: 0, unreadable: 0 };
    for (const row of rows) {
      for (let i = 0; i < RECEIPTS_PER_CONVERSATION; i++) {
        const peeked = await this.ip.peekReceipt(row.conversationId);
        result.peeks += 1;
        if (peeked === null) {
          break;
        }
        await this.handle(row, peeked, result);
      }
    }
    return result;
  }

  private async handle(row: WatchedRow, peeked: PeekedReceipt, result: ReceiptTickResult): Promise<void> {
    if ('rejected' in peeked) {
      this.leave(row, peeked.rejected.messageId, peeked.rejected.reason, peeked.rejected.raw, result);
      return;
    }
    const receipt = peeked.receipt;
    if (receipt.conversationId.toLowerCase() !== row.conversationId.toLowerCase()) {
      // The IP filters on the conversation exactly; anything else is not the IP's answer, and not ours to delete.
      this.leave(row, receipt.messageId, `conversationId ${receipt.conversationId} was not asked for`, receipt, result);
      return;
    }
    const attempt = this.attemptOf(row, receipt.relatedToMessageId);
    const text = textOf(receipt);
    const recorded = await this.transitions.recordReceipt(row.mottakId, {
      receiptMessageId: receipt.messageId,
      receipt: receipt.receiptType,
      text,
      relatedToMessageId: receipt.relatedToMessageId,
      attempt,
    });
    const fields = {
      mottakId: row.mottakId,
      conversationId: row.conversationId,
      messageId: receipt.relatedToMessageId,
      attempt,
      receiptMessageId: receipt.messageId,
      receipt: receipt.receiptType,
      sender: receipt.sender,
      text,
    };
    if (recorded) {
      result.recorded += 1;
      this.metrics.receipts.inc({ type: receipt.receiptType });
      this.report(fields);
    } else {
      this.logger.log({ msg: 'receipt recorded before; deleting it at the integrasjonspunkt', ...fields });
    }
    await this.remove(row, receipt.messageId);
  }

  /** ERROR and NOTSUPPORTED: the receiver's archive refused the message, and someone must take it up. */
  private report(fields: Record<string, unknown> & { receipt: Receipt['receiptType'] }): void {
    switch (fields.receipt) {
      case 'OK':
        this.logger.log({ msg: 'receipt recorded', ...fields });
        return;
      case 'WARNING':
        this.logger.warn({ msg: 'receipt with a warning recorded', ...fields });
        return;
      case 'ERROR':
      case 'NOTSUPPORTED':
        this.logger.error({ msg: "the receiver's archive rejected the message; receipt recorded", ...fields });
        return;
    }
  }

  /**
   * An incoming message in our conversation that we cannot read: left locked, never deleted, so nothing is lost.
   * The IP releases it when our lock runs out (5 minutes), and the conversation's next turn reads it again.
   */
  private leave(
    row: WatchedRow,
    receiptMessageId: string | undefined,
    reason: string,
    raw: unknown,
    result: ReceiptTickResult,
  ): void {
    result.unreadable += 1;
    this.metrics.receipts.inc({ type: 'unreadable' });
    this.logger.error({
      msg: 'unreadable receipt from the integrasjonspunkt; left in its queue, not deleted',
      peer: 'integrasjonspunkt',
      operation: 'receipts',
      mottakId: row.mottakId,
      conversationId: row.conversationId,
      receiptMessageId,
      reason,
      sbd: raw,
    });
  }

  private async remove(row: WatchedRow, receiptMessageId: string): Promise<void> {
    try {
      await this.ip.deleteIncoming(receiptMessageId);
    } catch (error) {
      if (!(error instanceof IpError && error.incomingNotHeld)) {
        throw error;
      }
      // Recorded already; if it is still there, a later peek finds it recorded and deletes it then.
      this.logger.warn({
        msg: 'receipt no longer held at the integrasjonspunkt when deleted',
        mottakId: row.mottakId,
        receiptMessageId,
        error: error.message,
      });
    }
  }

  /** Which of the row's attempts the receipt answers, if it names one of them. */
  private attemptOf(row: WatchedRow, relatedToMessageId: string | undefined): number | undefined {
    if (relatedToMessageId === undefined) {
      return undefined;
    }
    for (let attempt = 1; attempt <= row.attempt; attempt++) {
      if (messageIdFor(row.mottakId, attempt) === relatedToMessageId.toLowerCase()) {
        return attempt;
      }
    }
    return undefined;
  }
}

/** The receipt's messages as one line, each `code: text`; null when it has none (an OK usually has none). */
function textOf(receipt: Receipt): string | null {
  const parts = receipt.messages
    .map((m) => [m.code, m.text].filter((s) => s !== undefined && s !== '').join(': '))
    .filter((s) => s !== '');
  return parts.length === 0 ? null : parts.join('; ');
}
