import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BoundedMap } from '../common/bounded-log';
import { SeededRandom } from '../common/seeded-random';
import { crc32CombineWith, crc32ShiftOperator } from './crc32-combine';

/**
 * The bytes of one generated attachment: a valid one-page PDF (PDF 1.7: catalog, page, Helvetica, a content stream
 * that names the attachment) followed by an unreferenced stream object whose data is one seeded 64 KiB block repeated
 * with the first 16 bytes of every block varied (so no two blocks, attachments or forsendelser are alike), then the
 * cross-reference table and trailer. Every number that depends on the size is padded to a fixed width, so the head
 * and tail have the same length at any size, and any byte range can be produced on demand: nothing of size is ever
 * held in memory, and the CRC-32 is computed per block with crc32_combine instead of a pass over the bytes.
 */
export const ATTACHMENT_BLOCK_SIZE = 64 * 1024;
const VARIATION_SIZE = 16;
/** Width of the padded numbers (stream length, startxref): room for any safe integer. */
const NUMBER_WIDTH = 16;

interface PdfFrame {
  head: Buffer;
  tail: Buffer;
}

function pdfFrame(seed: number, index: number, size: number): PdfFrame {
  const label = `dokument ${String((index + 1) % 100).padStart(2, '0')}, innhold ${(seed >>> 0).toString(16).padStart(8, '0')}`;
  const text = `BT /F1 14 Tf 72 770 Td (Brreg-simulator: ${label}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
  ];
  // The binary comment line tells transfer tools the file is not text (PDF 32000-1 §7.5.2).
  let head = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(head.length);
    head += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  offsets.push(head.length);
  const streamStart = `6 0 obj\n<< /Length `;
  const streamEnd = ` >>\nstream\n`;
  const tailStart = '\nendstream\nendobj\n';
  const trailerOf = (xrefOffset: number): string =>
    'xref\n0 7\n0000000000 65535 f \n' +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n${String(xrefOffset).padEnd(NUMBER_WIDTH, ' ')}\n%%EOF\n`;
  const headLength = head.length + streamStart.length + NUMBER_WIDTH + streamEnd.length;
  const tailLength = tailStart.length + trailerOf(0).length;
  const dataLength = Math.max(0, size - headLength - tailLength);
  const fullHead = head + streamStart + String(dataLength).padEnd(NUMBER_WIDTH, ' ') + streamEnd;
  const xrefOffset = headLength + dataLength + tailStart.length;
  return {
    head: Buffer.from(fullHead, 'latin1'),
    tail: Buffer.from(tailStart + trailerOf(xrefOffset), 'latin1'),
  };
}

const EMPTY_FRAME = pdfFrame(0, 0, 0);
export const MIN_ATTACHMENT_SIZE = EMPTY_FRAME.head.length + EMPTY_FRAME.tail.length;

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
  private readonly frame: PdfFrame;

  constructor(
    private readonly seed: number,
    private readonly index: number,
    readonly size: number,
  ) {
    if (!Number.isSafeInteger(size) || size < MIN_ATTACHMENT_SIZE) {
      throw new RangeError(`an attachment needs at least ${MIN_ATTACHMENT_SIZE} bytes, got ${size}`);
    }
    this.base = baseBlockFor(seed >>> 0);
    this.frame = pdfFrame(seed, index, size);
    this.bodyEnd = size - this.frame.tail.length;
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
      if (pos < this.frame.head.length) {
        n = min(this.frame.head.length, end) - pos;
        this.frame.head.copy(target, at, pos, pos + n);
      } else if (pos >= this.bodyEnd) {
        n = end - pos;
        this.frame.tail.copy(target, at, pos - this.bodyEnd, pos - this.bodyEnd + n);
      } else {
        n = this.fillBody(target, at, pos - this.frame.head.length, min(end, this.bodyEnd) - pos);
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
    let crc = crc32(this.frame.head);
    const bodyLength = this.bodyEnd - this.frame.head.length;
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
    return crc32(this.frame.tail, crc);
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
