import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import * as yauzl from 'yauzl';
import { openZip } from '../../../test/support/zip-reader';
import { SeededRandom } from '../common/seeded-random';
import { crc32Combine } from './crc32-combine';
import { createForsendelseZipStream, henvendelseXmlOf } from './forsendelse-zip';
import { planForsendelse, PlanError, type ForsendelsePlan, type PlanRequest } from './forsendelse.plan';
import { ATTACHMENT_BLOCK_SIZE, MIN_ATTACHMENT_SIZE, SeededAttachment } from './seeded-attachment';
import { layoutStoredZip } from './stored-zip';

const SETTINGS = { sjekksumMaxBytes: 64 * 1024 * 1024 };
const GiB = 1024 ** 3;

function aPlan(overrides: Partial<PlanRequest> = {}, seed = 7): ForsendelsePlan {
  return planForsendelse({ orgnr: '311000012', ...overrides }, new SeededRandom(seed), SETTINGS);
}

async function zipBytes(plan: ForsendelsePlan): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await createForsendelseZipStream(plan, {})) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

describe('crc32Combine', () => {
  it('gives the CRC of the concatenation, for any lengths', () => {
    for (const [a, b] of [
      [0, 0],
      [1, 1],
      [17, 65_520],
      [1000, 3],
      [65_536, 100_001],
    ]) {
      const x = randomBytes(a);
      const y = randomBytes(b);
      expect(crc32Combine(crc32(x), crc32(y), y.length)).toBe(crc32(Buffer.concat([x, y])));
    }
  });
});

describe('SeededAttachment', () => {
  const sizes = [
    MIN_ATTACHMENT_SIZE,
    MIN_ATTACHMENT_SIZE + 1,
    MIN_ATTACHMENT_SIZE + 16,
    MIN_ATTACHMENT_SIZE + ATTACHMENT_BLOCK_SIZE - 1,
    MIN_ATTACHMENT_SIZE + ATTACHMENT_BLOCK_SIZE,
    MIN_ATTACHMENT_SIZE + 3 * ATTACHMENT_BLOCK_SIZE + 5,
    2_500_000,
  ];

  it.each(sizes)('knows the CRC of its %i bytes without reading them', (size) => {
    const a = new SeededAttachment(99, 1, size);
    const bytes = Buffer.concat([...a.chunks(100_000)]);
    expect(bytes.length).toBe(size);
    expect(a.crc32()).toBe(crc32(bytes));
  });

  it('produces the same bytes for any range it is asked for, and looks like a PDF', () => {
    const a = new SeededAttachment(5, 0, 300_000);
    const whole = Buffer.concat([...a.chunks()]);
    const random = new SeededRandom(3);
    for (let i = 0; i < 50; i++) {
      const start = Math.floor(random.next() * whole.length);
      const length = Math.min(whole.length - start, Math.floor(random.next() * 200_000));
      const part = Buffer.alloc(length);
      a.fill(part, start);
      expect(part.equals(whole.subarray(start, start + length))).toBe(true);
    }
    expect(whole.subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
    expect(whole.subarray(-6).toString('latin1')).toBe('%%EOF\n');
  });

  it('varies every block, every attachment and every seed', () => {
    const block = (seed: number, index: number, k: number): string => {
      const b = Buffer.alloc(ATTACHMENT_BLOCK_SIZE);
      new SeededAttachment(seed, index, 10 * ATTACHMENT_BLOCK_SIZE).fill(b, 15 + k * ATTACHMENT_BLOCK_SIZE);
      return createHash('sha256').update(b).digest('hex');
    };
    const seen = new Set([block(1, 0, 0), block(1, 0, 1), block(1, 1, 0), block(2, 0, 0)]);
    expect(seen.size).toBe(4);
  });
});

describe('planForsendelse', () => {
  it('makes the ZIP exactly sizeBytes, across the sjekksum threshold and the ZIP64 boundary', () => {
    const targets = [
      5_000,
      100_000,
      SETTINGS.sjekksumMaxBytes - 1_000,
      SETTINGS.sjekksumMaxBytes + 1_200,
      GiB,
      0xffffffff - 2_000,
      ...Array.from({ length: 200 }, (_, i) => 0xffffffff - 100 + i),
      4.5 * GiB,
      12 * GiB + 7,
    ];
    for (const sizeBytes of targets) {
      for (const attachments of [1, 2, 3]) {
        const plan = aPlan({ sizeBytes, attachments });
        expect({ sizeBytes, attachments, total: plan.totalSize }).toEqual({ sizeBytes, attachments, total: sizeBytes });
        expect(plan.attachments).toHaveLength(attachments);
      }
    }
  });

  it('refuses a size no vedtak can have, naming the minimum', () => {
    expect(() => aPlan({ sizeBytes: 500 })).toThrow(/minimum is \d+/);
    expect(() => aPlan({ kind: 'svarmelding', sizeBytes: 10_000 })).toThrow(PlanError);
  });

  it('draws the same forsendelse from the same seed', () => {
    expect(aPlan({}, 11)).toEqual(aPlan({}, 11));
    expect(aPlan({}, 11).mottakId).not.toBe(aPlan({}, 12).mottakId);
  });
});

describe('the forsendelse ZIP', () => {
  it.each([
    ['a svarmelding', { kind: 'svarmelding' } as const],
    ['an intef vedtak', { kind: 'vedtak', tjeneste: 'intef' } as const],
    ['an eting vedtak', { kind: 'vedtak', tjeneste: 'eting', attachments: 2 } as const],
    ['a vedtak with forced ZIP64 records', { kind: 'vedtak', forceZip64: true } as const],
  ])('opens with yauzl: %s', async (_name, request) => {
    const plan = aPlan(request);
    const bytes = await zipBytes(plan);
    expect(bytes.length).toBe(plan.totalSize);
    const entries = await openZip(bytes);
    expect(entries.map((e) => e.name)).toEqual(['hendvendelse.xml', ...plan.attachments.map((a) => a.filnavn)]);
    for (const entry of entries) {
      expect(crc32(entry.data)).toBe(entry.crc32);
    }
    const xml = entries[0].data.toString('utf8');
    expect(entries[0].data.subarray(0, 5).toString()).toBe('<?xml');
    for (const [i, a] of plan.attachments.entries()) {
      const md5 = createHash('md5')
        .update(entries[i + 1].data)
        .digest('hex')
        .toUpperCase();
      expect(xml).toContain(
        `<Vedleggsdel sekvensnr="1" filnavn="${a.filnavn}">\n      <DataRef referanse="${a.filnavn}" format="PDF" sjekksum="${md5}"/>`,
      );
    }
  });

  it('writes ZIP64 records a reader follows past 4 GiB, with correct CRCs', async () => {
    const plan = aPlan({ sizeBytes: 4 * GiB + 3 * 1024 * 1024, attachments: 2 });
    const layout = layoutStoredZip(
      [
        { name: 'hendvendelse.xml', size: plan.xmlSize },
        ...plan.attachments.map((a) => ({ name: a.filnavn, size: a.size })),
      ],
      plan.forceZip64,
    );
    const big = layout.entries[1];
    const keep = 2 * 1024 * 1024;
    const head: Buffer[] = [];
    let headLength = 0;
    const tailChunks: Buffer[] = [];
    let tailLength = 0;
    let position = 0;
    let bigCrc = 0;
    for await (const c of await createForsendelseZipStream(plan, {})) {
      const chunk = c as Buffer;
      if (headLength < keep) {
        head.push(chunk);
        headLength += chunk.length;
      }
      const from = Math.max(big.dataOffset, position);
      const to = Math.min(big.dataOffset + big.size, position + chunk.length);
      if (from < to) {
        bigCrc = crc32(chunk.subarray(from - position, to - position), bigCrc);
      }
      tailChunks.push(chunk);
      tailLength += chunk.length;
      while (tailLength - tailChunks[0].length >= keep) {
        tailLength -= tailChunks.shift()!.length;
      }
      position += chunk.length;
    }
    expect(position).toBe(plan.totalSize);
    const headBytes = Buffer.concat(head);
    const tail = Buffer.concat(tailChunks);
    const tailStart = position - tail.length;

    class HeadAndTail extends yauzl.RandomAccessReader {
      override _readStreamForRange(start: number, end: number): Readable {
        if (end <= headBytes.length) {
          return Readable.from([headBytes.subarray(start, end)]);
        }
        if (start >= tailStart) {
          return Readable.from([tail.subarray(start - tailStart, end - tailStart)]);
        }
        throw new Error(`range ${start}..${end} was not kept`);
      }
    }
    const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      yauzl.fromRandomAccessReader(
        new HeadAndTail(),
        position,
        { lazyEntries: false, autoClose: false },
        (err, zip) => {
          if (err) {
            reject(err);
            return;
          }
          const list: yauzl.Entry[] = [];
          zip.on('entry', (e: yauzl.Entry) => list.push(e));
          zip.on('end', () => resolve(list));
          zip.on('error', reject);
        },
      );
    });
    expect(entries.map((e) => [e.fileName, e.uncompressedSize, e.relativeOffsetOfLocalHeader])).toEqual(
      layout.entries.map((e) => [e.name.toString(), e.size, e.offset]),
    );
    expect(entries[2].relativeOffsetOfLocalHeader).toBeGreaterThan(0xffffffff);
    expect(entries[1].crc32).toBe(bigCrc);
    const xml = await henvendelseXmlOf(plan, {});
    expect(crc32(xml)).toBe(entries[0].crc32);
    // Above the threshold the optional sjekksum is left out rather than paid for with a full pass.
    expect(xml.toString()).toContain(`<DataRef referanse="${plan.attachments[0].filnavn}" format="PDF"/>`);
    // 4 GiB through CRC-32 twice: about 40 s on a quiet machine, several times that on a loaded one.
  }, 300_000);
});
