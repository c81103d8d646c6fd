import { Transform, type TransformCallback } from 'node:stream';

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
/** Everything the end of a ZIP can hold after its central directory: the records and the longest comment. */
const TAIL_BYTES = EOCD_BYTES + MAX_COMMENT_BYTES + ZIP64_LOCATOR_BYTES + ZIP64_EOCD_BYTES;

/** Why the bytes that passed are not a whole ZIP; undefined when they are. */
export function zipEndProblem(tail: Buffer, totalBytes: number): string | undefined {
  const tailStart = totalBytes - tail.length;
  let eocd = -1;
  for (let pos = tail.length - EOCD_BYTES; pos >= Math.max(0, tail.length - EOCD_BYTES - MAX_COMMENT_BYTES); pos--) {
    if (tail.readUInt32LE(pos) === EOCD_SIGNATURE && tail.readUInt16LE(pos + 20) === tail.length - pos - EOCD_BYTES) {
      eocd = pos;
      break;
    }
  }
  if (eocd === -1) {
    return 'no end-of-central-directory record at its end';
  }
  let entries = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let cdEnd = tailStart + eocd;
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = eocd - ZIP64_LOCATOR_BYTES;
    if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR_SIGNATURE) {
      return 'ZIP64 sizes without a ZIP64 locator';
    }
    const record = Number(tail.readBigUInt64LE(locator + 8)) - tailStart;
    if (record < 0 || record + ZIP64_EOCD_BYTES > locator || tail.readUInt32LE(record) !== ZIP64_EOCD_SIGNATURE) {
      return 'the ZIP64 locator points at no ZIP64 end record';
    }
    entries = Number(tail.readBigUInt64LE(record + 32));
    cdSize = Number(tail.readBigUInt64LE(record + 40));
    cdOffset = Number(tail.readBigUInt64LE(record + 48));
    cdEnd = tailStart + record;
  }
  if (cdOffset + cdSize !== cdEnd) {
    return `its central directory (${cdOffset} + ${cdSize}) does not end where its end record starts (${cdEnd})`;
  }
  const cdInTail = cdOffset - tailStart;
  if (entries > 0 && cdInTail >= 0 && tail.readUInt32LE(cdInTail) !== CENTRAL_HEADER_SIGNATURE) {
    return 'no central directory header where the end record says';
  }
  return undefined;
}

/**
 * Passes a ZIP through unchanged, holding back its last bytes until the stream ends, and fails instead of
 * releasing them if they are not the end of a whole ZIP. A download cut short with a clean end (a proxy, a
 * chunked body that simply stops) is thus refused before its consumer has seen a complete body: an upload
 * it feeds is aborted rather than finished with a broken file. Memory stays at about 64 KiB.
 */
export class ZipEndCheck extends Transform {
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  private totalBytes = 0;

  constructor(private readonly onProblem: (problem: string) => Error) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    this.totalBytes += chunk.length;
    while (this.held.length > 1 && this.heldBytes - this.held[0].length >= TAIL_BYTES) {
      const first = this.held.shift() as Buffer;
      this.heldBytes -= first.length;
      this.push(first);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const tail = Buffer.concat(this.held);
    const problem = tail.length < EOCD_BYTES ? 'shorter than a ZIP end record' : zipEndProblem(tail, this.totalBytes);
    if (problem !== undefined) {
      callback(this.onProblem(`${problem} (${this.totalBytes} bytes received)`));
      return;
    }
    callback(null, tail);
  }
}
