import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Download } from '../brreg/brreg.client';

export interface Measured {
  bytes: number;
  sha256: string;
}

/** Counts and hashes what passes through, without holding it. */
class Meter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export class TruncatedDownloadError extends Error {
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`download ended after ${received} of ${expected} bytes`);
    this.name = 'TruncatedDownloadError';
  }
}

/**
 * Streams a Brreg download into an upload, measuring it on the way (ARCHITECTURE.md, "Streaming"): memory
 * stays flat whatever the size. Without a Content-Length the bytes are spooled to SPOOL_DIR first, so the IP
 * still gets a Content-Length and can apply its size limit before reading the body.
 */
export async function transfer(
  download: Download,
  spoolDir: string,
  spoolName: string,
  upload: (body: Readable, contentLength: number) => Promise<void>,
): Promise<Measured> {
  const meter = new Meter();
  if (download.contentLength !== null) {
    const expected = download.contentLength;
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
  const path = join(spoolDir, `${spoolName}.${process.pid}.${Date.now()}.spool`);
  try {
    await pipeline(download.body, meter, createWriteStream(path, { mode: 0o600 }));
    await upload(createReadStream(path), meter.bytes);
    return { bytes: meter.bytes, sha256: meter.digest() };
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
