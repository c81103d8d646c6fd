import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { BrregClient } from '../brreg/brreg.client';
import { BrregError } from '../brreg/brreg.errors';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { messageIdFor } from '../forsendelse/forsendelse-ids';
import type { ForsendelseEntity } from '../forsendelse/forsendelse.entity';
import { ForsendelseTransitions } from '../forsendelse/forsendelse-transitions';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { isDecisive, showsSent } from '../forsendelse/status-rules';
import { Metrics } from '../ops/metrics';
import type { ForwardJobData } from '../queues/job-catalogue';
import { WorkQueues } from '../queues/work-queues';
import { ARKIVMELDING_FILENAME, buildArkivmelding, titleFor, zipFilenameFor } from './arkivmelding.builder';
import { CapabilitiesCache, capabilityQueryFor } from './capabilities.cache';
import { IntegrasjonspunktClient } from './integrasjonspunkt.client';
import { IpError } from './integrasjonspunkt.errors';
import type { Journalpost } from '../melding/journalpost.mapper';
import { mergeTitles, type TitleTable } from '../melding/titles';
import { EntryIntegrityError } from '../melding/local-entries.reader';
import { transferDocuments, type DocumentsResult } from './documents-transfer';
import { PayloadChangedError, SendUnsettledError, SjekksumMismatchError, UploadTooLargeError } from './forward.errors';
import { discardOutMessage } from './discard-out-message';
import { transfer, type Measured } from './payload-transfer';
import { buildSbd } from './sbd.builder';
import { UploadBudget, uploadLimitFor } from './service-limits';

export type ForwardOutcome = 'sent' | 'already-sent' | 'not-forwarding' | 'cancelled';

/**
 * DISCOVERED/FORWARDING → SENT for one attempt: capabilities → create → upload arkivmelding.xml → stream the
 * zip → record the send request → send. A resumed forward first asks the IP what exists for its messageId and
 * never sends one attempt twice (docs/architecture.md, "Idempotency and ids": the IP's send is not idempotent).
 */
@Injectable()
export class ForwardService {
  private readonly logger = new Logger('Forward');
  private readonly titles: TitleTable;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transitions: ForsendelseTransitions,
    private readonly queries: ForsendelseQueries,
    private readonly brreg: BrregClient,
    private readonly ip: IntegrasjonspunktClient,
    private readonly capabilities: CapabilitiesCache,
    private readonly clock: Clock,
    private readonly queues: WorkQueues,
    private readonly metrics: Metrics,
  ) {
    this.titles = mergeTitles(config.efm.titles);
  }

  async forward(job: ForwardJobData): Promise<ForwardOutcome> {
    const { mottakId, attempt } = job;
    const messageId = messageIdFor(mottakId, attempt);
    const log = { mottakId, messageId, attempt };
    const claim = await this.claim(job);
    if (!claim) {
      return 'not-forwarding';
    }
    const { row } = claim;

    // What the IP already has for this attempt comes first: a message that may have been sent is never parked
    // or sent again, whatever the capability lookup says now. A forward that has just moved the row out of
    // DISCOVERED skips the question: no transition leads back into DISCOVERED, so no forward of this attempt
    // ran before this one, and nothing at the IP can carry its messageId. Should that ever be wrong (a
    // database restored from an old backup), the IP's create refuses the known messageId, the job retries,
    // and the retry (the row now FORWARDING) asks the IP and resumes.
    const conversation = claim.fresh ? undefined : await this.ip.conversationByMessageId(messageId);
    if (conversation) {
      const statuses = conversation.messageStatuses.map((s) => s.status);
      if (showsSent(statuses)) {
        const reason = row.sendCancelledAt ? 'the cancelled copy was sent after all' : 'the IP already sent it';
        return this.markSent(row, reason, statuses);
      }
      if (row.sendRequestedAt) {
        return this.settleUnsent(row, row.sendRequestedAt, messageId, statuses);
      }
      if (!(await this.ip.hasOutMessage(messageId))) {
        // Created, never SENDT, and no longer held: the IP has it in flight or lost it. Tracking will see
        // SENDT, FEIL or LEVETID_UTLOPT; sending again could deliver twice.
        return this.markSent(row, 'conversation without out-message', statuses);
      }
    }

    const verdict = await this.capabilities.check(this.config.efm.receiverOrgnr, capabilityQueryFor(this.config.efm));
    if (!verdict.accepts) {
      return this.park(row, verdict.reason, 'capability');
    }

    if (conversation) {
      this.logger.log({ msg: 'resuming a created message', ...log });
    } else {
      try {
        await this.ip.createMessage(this.sbd(row));
      } catch (error) {
        if (error instanceof IpError && error.is('MessageAlreadyExistsException')) {
          // Another run of this attempt created it a moment ago: retry, and resume from the conversation.
          throw new Error(`message ${messageId} was created concurrently; resuming on retry`, { cause: error });
        }
        if (error instanceof IpError && error.kind === 'permanent') {
          return this.park(row, error.message, 'ip-refused');
        }
        throw error;
      }
      this.logger.log({ msg: 'message created', ...log, service: verdict.service });
    }

    let payload: Measured | undefined;
    try {
      payload = await this.upload(row, messageId, verdict.service);
    } catch (error) {
      if (error instanceof IpError && error.noOutMessage) {
        // Created, and now gone before its send: cancelled or dead-lettered at the IP. Its conversation ends in
        // LEVETID_UTLOPT at the deadline, and tracking starts the next attempt then (docs/architecture.md).
        return this.markSent(row, `the IP holds no out-message: ${error.message}; tracking decides`);
      }
      throw error;
    }
    return this.send(row, messageId, payload);
  }

  /**
   * After the last retry: FORWARDING → FAILED with the reason, unless the row moved on meanwhile; the attempt's
   * out-message is cancelled at the IP, as for any park.
   */
  async giveUp(job: ForwardJobData, reason: string): Promise<void> {
    const won = await this.transitions.transition({
      mottakId: job.mottakId,
      from: 'FORWARDING',
      to: 'FAILED',
      attempt: job.attempt,
      patch: { failureReason: reason },
      detail: { reason },
    });
    if (won) {
      this.metrics.failures.inc({ kind: 'retries-exhausted' });
      const messageId = messageIdFor(job.mottakId, job.attempt);
      await discardOutMessage(this.ip, this.logger, { mottakId: job.mottakId, messageId, why: 'parked' });
      this.logger.error({ msg: 'forsendelse parked', reason, mottakId: job.mottakId, attempt: job.attempt });
    }
  }

  /**
   * The row in FORWARDING for this attempt, `fresh` if this call moved it there from DISCOVERED; undefined if
   * this attempt is not ours to forward. A backlog is mostly DISCOVERED rows: the move is tried first, one
   * statement that returns the row, and the row is read only when the move does not apply.
   */
  private async claim(job: ForwardJobData): Promise<{ row: ForsendelseEntity; fresh: boolean } | undefined> {
    const claimed = await this.transitions.claimDiscovered(job.mottakId, job.attempt);
    if (claimed) {
      return { row: claimed, fresh: true };
    }
    const row = await this.queries.findById(job.mottakId);
    if (row?.state !== 'FORWARDING' || row.attempt !== job.attempt) {
      return undefined;
    }
    return { row, fresh: false };
  }

  private sbd(row: ForsendelseEntity) {
    const efm = this.config.efm;
    return buildSbd({
      mottakId: row.mottakId,
      attempt: row.attempt,
      senderOrgnr: efm.senderOrgnr,
      receiverOrgnr: efm.receiverOrgnr,
      messageType: efm.messageType,
      process: efm.process,
      avtaltIdentifier: efm.avtaltIdentifier,
      ttlHours: efm.ttlHours,
      securityLevel: efm.securityLevel,
      nowMs: this.clock.now(),
      avtaltContent: {
        mottakId: row.mottakId,
        oppdatert: row.oppdatert,
        tjeneste: row.tjeneste,
        filename: zipFilenameFor(row.mottakId),
      },
    });
  }

  /**
   * Both files; a DuplicateFilenameException means an earlier try already uploaded that one. Returns the zip's
   * size and sha256 when this try uploaded it, to be recorded with the send request.
   */
  private async upload(row: ForsendelseEntity, messageId: string, service: string): Promise<Measured | undefined> {
    // Counts every file of the message as the IP's limit does (service-limits.ts), arkivmelding.xml included.
    const budget = new UploadBudget(service, uploadLimitFor(service, this.config.efm.maxUploadBytes));
    const zipFilename = zipFilenameFor(row.mottakId);
    try {
      if (this.config.efm.messageType === 'arkivmelding' && this.config.efm.payload === 'documents') {
        return await this.uploadDocuments(row, messageId, budget);
      }
      if (this.config.efm.messageType === 'arkivmelding') {
        await this.uploadArkivmelding(row, messageId, zipFilename, budget);
      }
      let payload: Measured | undefined;
      await this.uploadOnce(messageId, async () => {
        const download = await this.brreg.download(row.mottakId);
        const spool = { dir: this.config.forward.spoolDir, name: row.mottakId, filename: zipFilename, budget };
        const measured = await transfer(download, spool, (body, contentLength) => {
          return this.ip.upload(messageId, {
            filename: zipFilename,
            title: titleFor(row),
            contentType: 'application/zip',
            body,
            contentLength,
          });
        });
        if (row.sha256 && row.sha256 !== measured.sha256) {
          // Every attempt must carry the same bytes (docs/architecture.md): Brreg changed the forsendelse.
          throw new PayloadChangedError(row.sha256, measured.sha256);
        }
        payload = measured;
        this.metrics.forwardBytes.observe(measured.bytes);
        this.logger.log({ msg: 'zip uploaded', mottakId: row.mottakId, messageId, ...measured });
      });
      return payload;
    } catch (error) {
      if (error instanceof UploadTooLargeError) {
        return this.park(row, error.message, 'too-large');
      }
      if (error instanceof PayloadChangedError) {
        return this.park(row, error.message, 'payload-changed');
      }
      if (error instanceof SjekksumMismatchError) {
        return this.park(row, error.message, 'sjekksum');
      }
      if (error instanceof IpError && error.noOutMessage) {
        throw error; // forward() hands it to tracking
      }
      if (error instanceof IpError && error.kind === 'permanent') {
        return this.park(row, error.message, 'ip-refused');
      }
      if (error instanceof BrregError && error.isNotFound) {
        return this.park(row, `Brreg no longer offers it: ${error.message}`, 'brreg-gone');
      }
      throw error;
    }
  }

  /**
   * EFM_PAYLOAD=documents (documents-transfer.ts): each file its own upload, then arkivmelding.xml **last**,
   * built from what actually arrived. Last, because the IP reads the title from arkivmelding.xml when it is
   * uploaded but checks each referanseDokumentfil against the uploaded files only at send
   * (NextMoveMessageService.addFile, NextMoveValidator.validate, IP 4.0.8): the journalpost then never names a
   * file that did not make it. A broken entry (CRC-32, size, truncation) throws: nothing is sent, the job
   * retries from a fresh download, and the last retry parks the row with the message naming the entry.
   */
  private async uploadDocuments(
    row: ForsendelseEntity,
    messageId: string,
    budget: UploadBudget,
  ): Promise<Measured | undefined> {
    const zipFilename = zipFilenameFor(row.mottakId);
    const upload = async (file: Parameters<IntegrasjonspunktClient['upload']>[1]): Promise<boolean> => {
      try {
        await this.ip.upload(messageId, file);
        return true;
      } catch (error) {
        if (error instanceof IpError && error.is('DuplicateFilenameException')) {
          this.logger.log({ msg: 'file already uploaded by an earlier try', messageId, file: file.filename });
          return false;
        }
        throw error;
      }
    };
    let result: DocumentsResult;
    try {
      result = await transferDocuments({
        mottakId: row.mottakId,
        zipFilename,
        budget,
        spoolDir: this.config.forward.spoolDir,
        titles: this.titles,
        download: () => this.brreg.download(row.mottakId),
        upload,
        uploadZip: async () => {
          let measured: Measured | undefined;
          const download = await this.brreg.download(row.mottakId);
          const spool = { dir: this.config.forward.spoolDir, name: row.mottakId, filename: zipFilename, budget };
          try {
            measured = await transfer(download, spool, async (body, contentLength) => {
              await upload({
                filename: zipFilename,
                title: zipFilename,
                contentType: 'application/zip',
                body,
                contentLength,
              });
            });
          } catch (error) {
            if (error instanceof IpError && error.is('DuplicateFilenameException')) {
              return undefined;
            }
            throw error;
          }
          return measured;
        },
      });
    } catch (error) {
      if (error instanceof EntryIntegrityError) {
        this.logger.warn({
          msg: 'broken download; retrying from a fresh one',
          mottakId: row.mottakId,
          messageId,
          error: error.message,
        });
      }
      throw error;
    }
    const { measured } = result;
    if (measured && row.sha256 && row.sha256 !== measured.sha256) {
      throw new PayloadChangedError(row.sha256, measured.sha256);
    }
    // A retry of this attempt finds the same again: the note and the count are once per attempt.
    for (const surprise of result.surprises) {
      const detail = {
        contentSurprise: surprise.kind,
        detail: surprise.detail,
        deliveredAs: 'safe form (the zip too)',
      };
      if (await this.transitions.appendNoteOnce(row.mottakId, { attempt: row.attempt, messageId, detail })) {
        this.metrics.contentSurprises.inc({ kind: surprise.kind });
      }
    }
    if (result.sjekksumMismatches.length > 0) {
      const detail = { sjekksumMismatch: result.sjekksumMismatches, mode: this.config.brreg.sjekksum };
      if (await this.transitions.appendNoteOnce(row.mottakId, { attempt: row.attempt, messageId, detail })) {
        this.metrics.sjekksumMismatches.inc(result.sjekksumMismatches.length);
      }
      if (this.config.brreg.sjekksum === 'enforce') {
        throw new SjekksumMismatchError(result.sjekksumMismatches);
      }
    }
    await this.uploadArkivmelding(row, messageId, zipFilename, budget, result.journalpost);
    if (measured) {
      this.metrics.forwardBytes.observe(measured.bytes);
    }
    this.logger.log({
      msg: 'documents uploaded',
      mottakId: row.mottakId,
      messageId,
      path: result.path,
      documents: result.journalpost.dokumenter.length,
      surprises: result.surprises.map((s) => s.kind),
      title: result.journalpost.offentligTittel,
      ...measured,
    });
    return measured;
  }

  /** The zip mode's journalpost without `documents`; the documents mode's, built from what arrived, with them. */
  private async uploadArkivmelding(
    row: ForsendelseEntity,
    messageId: string,
    zipFilename: string,
    budget: UploadBudget,
    documents?: Journalpost,
  ): Promise<void> {
    const xml = buildArkivmelding({
      mottakId: row.mottakId,
      messageId,
      zipFilename,
      oppdatert: row.oppdatert,
      tjeneste: row.tjeneste,
      nowMs: this.clock.now(),
      documents,
    });
    budget.reserve(ARKIVMELDING_FILENAME, Buffer.byteLength(xml));
    await this.uploadOnce(messageId, () =>
      this.ip.upload(messageId, {
        filename: ARKIVMELDING_FILENAME,
        title: 'Arkivmelding',
        contentType: 'application/xml',
        body: xml,
        contentLength: Buffer.byteLength(xml),
      }),
    );
  }

  private async uploadOnce(messageId: string, upload: () => Promise<void>): Promise<void> {
    try {
      await upload();
    } catch (error) {
      if (error instanceof IpError && error.is('DuplicateFilenameException')) {
        this.logger.log({ msg: 'file already uploaded by an earlier try', messageId });
        return;
      }
      throw error;
    }
  }

  private async send(row: ForsendelseEntity, messageId: string, payload?: Measured): Promise<ForwardOutcome> {
    // Committed before the POST: if we die after it, the resumed forward will not send again.
    if (!(await this.transitions.markSendRequested(row.mottakId, row.attempt, payload))) {
      return this.markSent(row, 'send was requested by another try; never repeated');
    }
    try {
      await this.ip.send(messageId);
    } catch (error) {
      if (error instanceof IpError && error.is('TimeToLiveException')) {
        // The IP records LEVETID_UTLOPT; tracking starts the next attempt.
        return this.markSent(row, error.message);
      }
      if (error instanceof IpError && error.noOutMessage) {
        // Sent by an earlier copy, cancelled or dead-lettered: its statuses say which, and sending again could
        // deliver twice (docs/architecture.md, "The forward").
        return this.markSent(row, `the IP holds no out-message: ${error.message}; tracking decides`);
      }
      if (error instanceof IpError && error.kind === 'permanent') {
        return this.park(row, error.message, 'ip-refused');
      }
      // The answer may be lost while the send went through: the retry finds out from the conversation.
      throw error;
    }
    await this.transitions.markSendAccepted(row.mottakId, row.attempt);
    this.logger.log({ msg: 'message sent', mottakId: row.mottakId, messageId, attempt: row.attempt });
    return 'sent';
  }

  /**
   * The send was requested and the IP shows no SENDT: the send answered 5xx, or its answer was lost. The IP queues a
   * copy only when a send passes its checks, and takes the out-message away only once a copy was sent; so while the
   * out-message is there, no copy has left yet. The rule (docs/architecture.md, "The forward", step 4):
   * 1. wait EFM_SEND_GRACE_MS from the send request for SENDT;
   * 2. record the cancel, then DELETE the out-message: a copy still on the IP's queue then fails for want of its files;
   * 3. wait EFM_SEND_GRACE_MS again: a copy that was already being transmitted still records SENDT, and then this
   *    attempt is simply sent (no second copy);
   * 4. still no SENDT: the next attempt, under a new messageId (or parked when the attempts are spent).
   * Each wait is a retry of this job after the time left (SendUnsettledError).
   */
  private async settleUnsent(
    row: ForsendelseEntity,
    sendRequestedAt: Date,
    messageId: string,
    statuses: string[],
  ): Promise<ForwardOutcome> {
    const graceMs = this.config.efm.sendGraceMs;
    const log = { mottakId: row.mottakId, messageId, attempt: row.attempt };
    const present = await this.ip.hasOutMessage(messageId);
    if (!row.sendCancelledAt) {
      if (!present) {
        // The IP took it off its out-messages, so a copy is in flight or lost: sending again could deliver twice.
        // Tracking sees SENDT, FEIL or LEVETID_UTLOPT.
        return this.markSent(row, 'send was requested before; no out-message left; never repeated', statuses);
      }
      const waited = this.clock.now() - sendRequestedAt.getTime();
      if (waited < graceMs) {
        throw new SendUnsettledError(messageId, graceMs - waited, 'no SENDT yet');
      }
      if (!(await this.transitions.markCancelRequested(row.mottakId, row.attempt))) {
        throw new Error(`message ${messageId}: the row changed while cancelling; resuming on retry`);
      }
      this.logger.warn({ msg: 'no SENDT after the send answered an error; cancelling at the IP', graceMs, ...log });
      await this.ip.deleteOutMessage(messageId);
      throw new SendUnsettledError(messageId, graceMs, 'cancelled; waiting for a copy in transmission to show');
    }
    if (present) {
      // Recorded, but the DELETE never reached the IP (a crash in between): again, it is idempotent.
      await this.ip.deleteOutMessage(messageId);
      throw new SendUnsettledError(messageId, graceMs, 'cancelled again');
    }
    const waited = this.clock.now() - row.sendCancelledAt.getTime();
    if (waited < graceMs) {
      throw new SendUnsettledError(
        messageId,
        graceMs - waited,
        'cancelled; waiting for a copy in transmission to show',
      );
    }
    const max = this.config.forward.maxSendAttempts;
    if (row.attempt >= max) {
      return this.park(
        row,
        `send of attempt ${row.attempt} of ${max} failed and was cancelled at the IP`,
        'send-cancelled',
      );
    }
    const next = row.attempt + 1;
    if (
      await this.transitions.startAttempt(row.mottakId, 'FORWARDING', next, { reason: 'send cancelled', messageId })
    ) {
      this.metrics.sendCancels.inc();
      this.logger.warn({ msg: 'send cancelled at the IP; sending a new attempt', nextAttempt: next, ...log });
      await this.queues.forward([{ mottakId: row.mottakId, attempt: next }]);
    }
    return 'cancelled';
  }

  private async markSent(
    row: ForsendelseEntity,
    reason: string,
    /** The conversation's statuses, when the IP was asked. */
    statuses?: string[],
  ): Promise<ForwardOutcome> {
    const moved = await this.transitions.transition({
      mottakId: row.mottakId,
      from: 'FORWARDING',
      to: 'SENT',
      attempt: row.attempt,
      detail: statuses ? { statuses, reason } : { reason },
    });
    if (moved && statuses?.some(isDecisive)) {
      // A LEVETID_UTLOPT or FEIL read while the row was FORWARDING changed nothing then (status rules); now that
      // the row is SENT it can, so it is re-read at once instead of waiting for the deadline's reconcile.
      await this.queues.recheck([row.messageId]);
    }
    this.logger.log({
      msg: 'already sent',
      reason,
      mottakId: row.mottakId,
      messageId: row.messageId,
      attempt: row.attempt,
    });
    return 'already-sent';
  }

  /**
   * Records the reason on the row and stops retries: an operator replays once the cause is fixed. The attempt's
   * out-message is cancelled at the IP afterwards, so a copy still waiting on its send queue fails instead of going
   * out after the row was given up, and the IP's storage is freed now rather than at the deadline.
   */
  private async park(row: ForsendelseEntity, reason: string, kind: string): Promise<never> {
    const parked = await this.transitions.transition({
      mottakId: row.mottakId,
      from: 'FORWARDING',
      to: 'FAILED',
      attempt: row.attempt,
      patch: { failureReason: reason },
      detail: { reason, kind },
    });
    this.metrics.failures.inc({ kind });
    if (parked) {
      await discardOutMessage(this.ip, this.logger, {
        mottakId: row.mottakId,
        messageId: row.messageId,
        why: 'parked',
      });
    }
    this.logger.error({
      msg: 'forsendelse parked',
      kind,
      reason,
      mottakId: row.mottakId,
      messageId: row.messageId,
      attempt: row.attempt,
    });
    throw new UnrecoverableError(reason);
  }
}
