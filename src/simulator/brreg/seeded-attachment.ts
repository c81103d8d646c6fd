import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BoundedMap } from '../shared/bounded-log';
import { SeededRandom } from '../shared/seeded-random';
import { crc32CombineWith, crc32ShiftOperator } from './crc32-combine';

/**
 * The bytes of one generated attachment: a PDF header, a body made of one seeded 64 KiB block repeated with the first
 * 16 bytes of every block varied (so no two blocks, attachments or forsendelser are alike), and a PDF trailer. Any
 * byte range can be produced on demand, so nothing of size is ever held in memory, and the CRC-32 is computed per
 * block with crc32_combine instead of a pass over the bytes.
 */
export const ATTACHMENT_BLOCK_SIZE = 64 * 1024;
const VARIATION_SIZE = 16;
// Enough of a PDF for content sniffers (file-type, `file`) to call it one; the body is not a valid PDF.
const PDF_HEAD = Buffer.from('%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n', 'latin1');
const PDF_TAIL = Buffer.from('\n%%EOF\n', 'latin1');
export const MIN_ATTACHMENT_SIZE = PDF_HEAD.length + PDF_TAIL.length;

// Hot loops read these as module constants: a global lookup (`Math.imul`) is many times slower when the code runs
// inside a vm context, as it does under jest, and the in-process benchmarks and tests stream GiBs through here.
const { floor, imul, min } = Math;

const BODY_TAIL_SHIFT = crc32ShiftOperator(ATTACHMENT_BLOCK_SIZE - VARIATION_SIZE);

interface BaseBlock {
  block: Buffer;
  /** crc32 of the block without its first VARIATION_SIZE bytes, which every copy replaces. */
  tailCrc: number;
}

// A handful of seeds are live at once; regenerating one costs well under a millisecond.
const baseBlocks = new BoundedMap<number, BaseBlock>(64);

function baseBlockFor(seed: number): BaseBlock {
  const cached = baseBlocks.get(seed);
  if (cached) {
    return cached;
  }
  const block = new SeededRandom(seed ^ 0x5bd1e995).fill(Buffer.allocUnsafe(ATTACHMENT_BLOCK_SIZE));
  const base = { block, tailCrc: crc32(block.subarray(VARIATION_SIZE)) };
  baseBlocks.set(seed, base);
  return base;
}

/** lowbias32 (Chris Wellons): a cheap, well-mixed 32-bit hash. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = imul(x ^ (x >>> 16), 0x7feb352d);
  x = imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

export class SeededAttachment {
  private readonly base: BaseBlock;
  private readonly variation = Buffer.alloc(VARIATION_SIZE);
  private readonly variationView = new DataView(this.variation.buffer, this.variation.byteOffset, VARIATION_SIZE);
  private variationBlock = -1;
  private readonly bodyEnd: number;

  constructor(
    private readonly seed: number,
    private readonly index: number,
    readonly size: number,
  ) {
    if (!Number.isSafeInteger(size) || size < MIN_ATTACHMENT_SIZE) {
      throw new RangeError(`an attachment needs at least ${MIN_ATTACHMENT_SIZE} bytes, got ${size}`);
    }
    this.base = baseBlockFor(seed >>> 0);
    this.bodyEnd = size - PDF_TAIL.length;
  }

  /** Writes bytes [position, position + target.length) of the attachment into target. */
  fill(target: Buffer, position: number): void {
    const end = position + target.length;
    if (position < 0 || end > this.size) {
      throw new RangeError(`range ${position}..${end} outside 0..${this.size}`);
    }
    let pos = position;
    let at = 0;
    while (pos < end) {
      let n: number;
      if (pos < PDF_HEAD.length) {
        n = min(PDF_HEAD.length, end) - pos;
        PDF_HEAD.copy(target, at, pos, pos + n);
      } else if (pos >= this.bodyEnd) {
        n = end - pos;
        PDF_TAIL.copy(target, at, pos - this.bodyEnd, pos - this.bodyEnd + n);
      } else {
        n = this.fillBody(target, at, pos - PDF_HEAD.length, min(end, this.bodyEnd) - pos);
      }
      pos += n;
      at += n;
    }
  }

  /** Fills from body offset `q`, at most `max` bytes and never past the end of q's block; returns the count. */
  private fillBody(target: Buffer, at: number, q: number, max: number): number {
    const block = floor(q / ATTACHMENT_BLOCK_SIZE);
    const r = q - block * ATTACHMENT_BLOCK_SIZE;
    const n = min(max, ATTACHMENT_BLOCK_SIZE - r);
    let done = 0;
    if (r < VARIATION_SIZE) {
      const v = this.variationOf(block);
      done = min(n, VARIATION_SIZE - r);
      v.copy(target, at, r, r + done);
    }
    if (done < n) {
      this.base.block.copy(target, at + done, r + done, r + n);
    }
    return n;
  }

  private variationOf(block: number): Buffer {
    if (block !== this.variationBlock) {
      const lo = block >>> 0;
      const hi = floor(block / 0x100000000);
      const key = mix32(this.seed ^ mix32(this.index + 0x9e3779b9) ^ mix32(lo) ^ mix32(hi + 0x632be5ab));
      for (let w = 0; w < VARIATION_SIZE / 4; w++) {
        this.variationView.setUint32(w * 4, mix32(key + w * 0x85ebca6b), true);
      }
      this.variationBlock = block;
    }
    return this.variation;
  }

  /** CRC-32 of the whole attachment, in O(size / 64 KiB) small steps. */
  crc32(): number {
    let crc = crc32(PDF_HEAD);
    const bodyLength = this.bodyEnd - PDF_HEAD.length;
    const fullBlocks = floor(bodyLength / ATTACHMENT_BLOCK_SIZE);
    for (let k = 0; k < fullBlocks; k++) {
      crc = crc32(this.variationOf(k), crc);
      crc = crc32CombineWith(BODY_TAIL_SHIFT, crc, this.base.tailCrc);
    }
    const rest = bodyLength - fullBlocks * ATTACHMENT_BLOCK_SIZE;
    if (rest > 0) {
      crc = crc32(this.variationOf(fullBlocks).subarray(0, min(rest, VARIATION_SIZE)), crc);
      if (rest > VARIATION_SIZE) {
        crc = crc32(this.base.block.subarray(VARIATION_SIZE, rest), crc);
      }
    }
    return crc32(PDF_TAIL, crc);
  }

  /** The bytes in order, `chunkSize` at a time, each chunk a fresh buffer (a consumer may keep it). */
  *chunks(chunkSize = 1024 * 1024): Generator<Buffer> {
    for (let pos = 0; pos < this.size; pos += chunkSize) {
      const chunk = Buffer.allocUnsafe(min(chunkSize, this.size - pos));
      this.fill(chunk, pos);
      yield chunk;
    }
  }

  /** MD5 as Brreg's `sjekksum` writes it (upper-case hex); costs one pass over the bytes. */
  async md5Hex(): Promise<string> {
    const hash = createHash('md5');
    let sinceYield = 0;
    for (const chunk of this.chunks()) {
      hash.update(chunk);
      sinceYield += chunk.length;
      // Let the event loop breathe on large attachments: this runs inside a live simulator.
      if (sinceYield >= 16 * 1024 * 1024) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return hash.digest('hex').toUpperCase();
  }
}
