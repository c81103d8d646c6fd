import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Download } from '../brreg/brreg.client';
import { TruncatedDownloadError, UploadTooLargeError } from './forward.errors';
import type { UploadBudget } from './service-limits';

export interface Measured {
  bytes: number;
  sha256: string;
}

export interface Spool {
  dir: string;
  /** Names the spool file (with pid and time), for an operator who finds one left after a crash. */
  name: string;
  /** The upload's file name, as counted in the budget. */
  filename: string;
  /** What the message may still take under the IP's limit: refused before uploading, and before spooling past it. */
  budget: UploadBudget;
}

/** Counts and hashes what passes through, without holding it; fails once more than `maxBytes` passed. */
class Meter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  private readonly maxBytes: number | undefined;

  constructor(private readonly spool: Spool) {
    super();
    this.maxBytes = spool.budget.remaining();
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.maxBytes !== undefined && this.bytes > this.maxBytes) {
      const { budget, filename } = this.spool;
      callback(new UploadTooLargeError(budget.service, budget.limit ?? 0, { filename, bytes: -1, total: -1 }));
      return;
    }
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Streams a Brreg download into an upload, measuring it on the way (docs/architecture.md, "Streaming"): memory
 * stays flat whatever the size. Without a Content-Length the bytes are spooled to SPOOL_DIR first, so the IP
 * still gets a Content-Length and can apply its size limit before reading the body.
 */
export async function transfer(
  download: Download,
  spool: Spool,
  upload: (body: Readable, contentLength: number) => Promise<void>,
): Promise<Measured> {
  const meter = new Meter(spool);
  if (download.contentLength !== null) {
    const expected = download.contentLength;
    try {
      spool.budget.reserve(spool.filename, expected);
    } catch (error) {
      download.body.destroy();
      throw error;
    }
    download.body.on('error', (error) => meter.destroy(error));
    // The upload, which consumes the meter, reports its failure; when the upload never started (refused
    // before), nobody is left to, and an unheard 'error' would crash the process.
    meter.on('error', () => undefined);
    const body = download.body.pipe(meter);
    try {
      await upload(body, expected);
    } finally {
      download.body.destroy();
    }
    if (meter.bytes !== expected) {
      throw new TruncatedDownloadError(expected, meter.bytes);
    }
    return { bytes: meter.bytes, sha256: meter.digest() };
  }
  const path = join(spool.dir, `${spool.name}.${process.pid}.${Date.now()}.spool`);
  try {
    await pipeline(download.body, meter, createWriteStream(path, { mode: 0o600 }));
    spool.budget.reserve(spool.filename, meter.bytes);
    await upload(createReadStream(path), meter.bytes);
    return { bytes: meter.bytes, sha256: meter.digest() };
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
