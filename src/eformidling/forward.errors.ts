/** Why a forward stops for good (parked with the message as reason) or tries again. */
import { WaitBeforeRetry } from '../queues/wait-before-retry';

/**
 * Over the receiver service's upload limit: the IP would refuse it (MaxFileSizeExceededException). The IP's
 * limit counts all of a message's files together (service-limits.ts, UploadBudget).
 */
export class UploadTooLargeError extends Error {
  constructor(
    readonly service: string,
    readonly limit: number,
    /** The file that would pass the limit, and the message's sum with it; `bytes` −1: found while spooling. */
    readonly over: { filename: string; bytes: number; total: number },
  ) {
    const { filename, bytes, total } = over;
    super(
      bytes === -1
        ? `${filename} passed what the message may still take under the integrasjonspunkt's ${service} limit ` +
            `of ${limit} bytes for all of a message's files together (MaxFileSizeExceededException)`
        : `the message's files come to ${total} bytes with ${filename} (${bytes} bytes), over the ` +
            `integrasjonspunkt's ${service} limit of ${limit} bytes for all of a message's files together ` +
            `(MaxFileSizeExceededException)`,
    );
    this.name = 'UploadTooLargeError';
  }
}

/** Every attempt must carry the same bytes (docs/architecture.md); Brreg served different ones for this mottakId. */
export class PayloadChangedError extends Error {
  constructor(
    readonly before: string,
    readonly after: string,
  ) {
    super(`zip differs from an earlier attempt (sha256 ${before} → ${after})`);
    this.name = 'PayloadChangedError';
  }
}

/**
 * The send was requested and the IP shows no SENDT yet (the send answered 5xx, or its answer was lost): the
 * forward looks again after `waitMs` (docs/architecture.md, "The forward", step 4).
 */
export class SendUnsettledError extends WaitBeforeRetry {
  constructor(
    readonly messageId: string,
    waitMs: number,
    why: string,
  ) {
    super(`send of ${messageId} not settled: ${why}; looking again in ${Math.ceil(waitMs / 1000)} s`, waitMs);
    this.name = 'SendUnsettledError';
  }
}

/** Brreg's download ended before its Content-Length: retried. */
export class TruncatedDownloadError extends Error {
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`download ended after ${received} of ${expected} bytes`);
    this.name = 'TruncatedDownloadError';
  }
}

/** BRREG_SJEKKSUM=enforce and an entry's MD5 is not its DataRef sjekksum: parked with the files named. */
export class SjekksumMismatchError extends Error {
  constructor(readonly entries: string[]) {
    super(`DataRef sjekksum does not match the MD5 of ${entries.join(', ')} (BRREG_SJEKKSUM=enforce)`);
    this.name = 'SjekksumMismatchError';
  }
}
