import { createHash } from 'node:crypto';
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DATA_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;

/** What an entry's local header says. */
export interface LocalHeader {
  name: string;
  /** False when the name is neither flagged UTF-8 nor plain ASCII, or its flagged UTF-8 is invalid. */
  utf8: boolean;
  method: number;
  crc32: number;
  compressedSize: number;
  /** The declared uncompressed size: the entry's upload Content-Length and its inflate bound. */
  size: number;
  /** Sizes follow the data (flag bit 3): the local header alone cannot bound the entry. */
  dataDescriptor: boolean;
  encrypted: boolean;
}

/** The bytes of an entry are not what its header promised: a broken download, retried from a fresh one. */
export class EntryIntegrityError extends Error {
  constructor(
    readonly entry: string,
    message: string,
  ) {
    super(`broken download: entry ${entry} ${message}`);
  }
}

/** An entry inflated past its declared size (a zip bomb, or a lying header): stopped there. */
export class InflateBombError extends Error {
  constructor(
    readonly entry: string,
    readonly declared: number,
  ) {
    super(`entry ${entry} inflates past its declared ${declared} bytes`);
  }
}

export function decodeEntryName(raw: Buffer, flags: number): { name: string; utf8: boolean } {
  if (flags & FLAG_UTF8) {
    try {
      return { name: new TextDecoder('utf-8', { fatal: true }).decode(raw), utf8: true };
    } catch {
      return { name: raw.toString('latin1'), utf8: false };
    }
  }
  const ascii = raw.every((b) => b < 0x80);
  // Without the flag the name is CP437 by the format's letter; whatever it is, it is not known to be UTF-8.
  return { name: raw.toString('latin1'), utf8: ascii };
}

/**
 * Passes an entry's inflated bytes on while computing its CRC-32 and size, and **holds back the last chunk**
 * until both match the header: a consumer (the IP upload) sees the end of the entry only when it is proven
 * whole, and on a mismatch the stream fails instead, so the upload is aborted and the IP stores nothing.
 */
export class EntryVerifier extends Transform {
  private held?: Buffer;
  private bytes = 0;
  private crc = 0;

  constructor(private readonly header: LocalHeader) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.header.size) {
      callback(new InflateBombError(this.header.name, this.header.size));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const { name, size } = this.header;
    if (this.bytes !== size) {
      callback(new EntryIntegrityError(name, `is ${this.bytes} bytes, its header says ${size}`));
      return;
    }
    if (this.crc >>> 0 !== this.header.crc32 >>> 0) {
      callback(new EntryIntegrityError(name, 'CRC-32 mismatch'));
      return;
    }
    callback(null, this.held);
  }
}

/**
 * Reads a zip front to back from a stream, one local header at a time (the one-pass forward: no spool, no
 * central directory). Every byte that passes is counted and hashed (the forsendelse's sha256). An entry's body
 * must be consumed whole before `next()` is called again. Streaming zip libraries read data descriptors
 * poorly; this reader refuses them instead (`dataDescriptor`), and the caller takes the spool path.
 */
export class LocalEntryReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private ended = false;
  private readonly hash = createHash('sha256');
  /** Bytes taken from the source so far. */
  bytes = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next entry's header, or undefined where the central directory (or the end) starts. */
  async next(): Promise<LocalHeader | undefined> {
    const fixed = await this.read(4, true);
    if (fixed.length < 4) {
      return undefined;
    }
    const signature = fixed.readUInt32LE(0);
    if (signature === CENTRAL_HEADER || signature === END_OF_CENTRAL || signature === ZIP64_END) {
      this.unread(fixed);
      return undefined;
    }
    if (signature !== LOCAL_HEADER) {
      throw new EntryIntegrityError('(header)', `at byte ${this.bytes - 4} is no local header`);
    }
    const header = await this.read(26);
    const flags = header.readUInt16LE(2);
    const nameBytes = await this.read(header.readUInt16LE(22));
    const extra = await this.read(header.readUInt16LE(24));
    let compressedSize = header.readUInt32LE(14);
    let size = header.readUInt32LE(18);
    if (compressedSize === 0xffffffff || size === 0xffffffff) {
      ({ compressedSize, size } = zip64Sizes(extra, compressedSize, size));
    }
    return {
      ...decodeEntryName(nameBytes, flags),
      method: header.readUInt16LE(4),
      crc32: header.readUInt32LE(10),
      compressedSize,
      size,
      dataDescriptor: (flags & FLAG_DATA_DESCRIPTOR) !== 0,
      encrypted: (flags & FLAG_ENCRYPTED) !== 0,
    };
  }

  /** The entry's bytes, inflated and verified (see EntryVerifier). Only for stored or deflated entries. */
  body(header: LocalHeader): Readable {
    if (header.dataDescriptor || header.encrypted || (header.method !== 0 && header.method !== 8)) {
      throw new Error(`entry ${header.name} cannot be read in one pass`);
    }
    const compressed = Readable.from(this.chunks(header.compressedSize, header.name), { objectMode: false });
    const verifier = new EntryVerifier(header);
    if (header.method === 8) {
      const inflate = createInflateRaw();
      pipeline(compressed, inflate, verifier, () => undefined);
    } else {
      pipeline(compressed, verifier, () => undefined);
    }
    return verifier;
  }

  /** Reads an entry's verified bytes into memory, at most `max` (the Melding): undefined when it is larger. */
  async buffer(header: LocalHeader, max: number): Promise<Buffer | undefined> {
    if (header.size > max) {
      await this.skip(header);
      return undefined;
    }
    const parts: Buffer[] = [];
    for await (const chunk of this.body(header)) {
      parts.push(chunk as Buffer);
    }
    return Buffer.concat(parts);
  }

  /** Passes over an entry without inflating it (still counted and hashed). */
  async skip(header: LocalHeader): Promise<void> {
    for await (const chunk of this.chunks(header.compressedSize, header.name)) {
      void chunk;
    }
  }

  /** Reads the rest (the central directory) and returns the whole download's size and sha256. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    for (;;) {
      const chunk = await this.read(64 * 1024, true);
      if (chunk.length === 0) {
        break;
      }
    }
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  private async *chunks(length: number, entry: string): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      const chunk = await this.read(Math.min(left, 256 * 1024), true, true);
      if (chunk.length === 0) {
        throw new EntryIntegrityError(entry, `ends ${left} bytes early`);
      }
      left -= chunk.length;
      yield chunk;
    }
  }

  private unread(chunk: Buffer): void {
    this.buffered.unshift(chunk);
    this.bufferedBytes += chunk.length;
    this.bytes -= chunk.length;
  }

  /** `n` bytes (fewer only at the end, when `mayEnd`); with `some`, whatever is at hand up to `n`. */
  private async read(n: number, mayEnd = false, some = false): Promise<Buffer> {
    while (this.bufferedBytes < n && !this.ended && !(some && this.bufferedBytes > 0)) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      this.hash.update(chunk);
      this.buffered.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    const take = Math.min(n, this.bufferedBytes);
    if (take < n && !mayEnd && !some) {
      throw new EntryIntegrityError('(header)', `ends inside a local header at byte ${this.bytes + take}`);
    }
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    this.bytes += take;
    return out;
  }
}

function zip64Sizes(extra: Buffer, compressed: number, size: number): { compressedSize: number; size: number } {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let p = at + 4;
      const result = { compressedSize: compressed, size };
      if (size === 0xffffffff) {
        result.size = Number(extra.readBigUInt64LE(p));
        p += 8;
      }
      if (compressed === 0xffffffff) {
        result.compressedSize = Number(extra.readBigUInt64LE(p));
      }
      return result;
    }
    at += 4 + length;
  }
  return { compressedSize: compressed, size };
}
