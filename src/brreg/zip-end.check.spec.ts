import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { ZipEndCheck } from './zip-end.check';

async function aZip(options: { zip64?: boolean; comment?: string; files?: number; size?: number } = {}) {
  const zip = new ZipFile();
  for (let i = 0; i < (options.files ?? 3); i++) {
    zip.addBuffer(randomBytes(options.size ?? 50_000), `vedlegg-${i}.pdf`, {
      compress: false,
      forceZip64Format: options.zip64 ?? false,
    });
  }
  zip.end({ comment: options.comment ?? '', forceZip64Format: options.zip64 ?? false });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Runs `bytes` through the check in chunks of `chunkSize`; what came out, or the error. */
async function check(bytes: Buffer, chunkSize = 16_384): Promise<{ out?: Buffer; error?: Error }> {
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) =>
    bytes.subarray(i * chunkSize, (i + 1) * chunkSize),
  );
  const received: Buffer[] = [];
  try {
    await pipeline(Readable.from(chunks), new ZipEndCheck((problem) => new Error(problem)), async (source) => {
      for await (const chunk of source) {
        received.push(chunk as Buffer);
      }
    });
    return { out: Buffer.concat(received) };
  } catch (error) {
    return { error: error as Error };
  }
}

describe('ZipEndCheck', () => {
  it.each([
    ['a plain ZIP', {}],
    ['a ZIP64 ZIP', { zip64: true }],
    ['a ZIP with a long comment', { comment: 'x'.repeat(40_000) }],
    ['a ZIP smaller than the held-back tail', { files: 1, size: 100 }],
  ])('passes %s through unchanged', async (_name, options) => {
    const zip = await aZip(options);
    for (const chunkSize of [1_000, 16_384, 1_000_000]) {
      const { out, error } = await check(zip, chunkSize);
      expect(error).toBeUndefined();
      expect(out?.equals(zip)).toBe(true);
    }
  });

  it('fails, and holds back the last bytes, when the ZIP is cut anywhere', async () => {
    const zip = await aZip();
    for (const cut of [0, 10, 21, 70_000, zip.length - 100, zip.length - 22, zip.length - 1]) {
      const received: Buffer[] = [];
      const transform = new ZipEndCheck((problem) => new Error(problem));
      transform.on('data', (chunk: Buffer) => received.push(chunk));
      const failed = new Promise<Error>((resolve) => transform.on('error', resolve));
      transform.end(zip.subarray(0, cut));
      const error = await failed;
      expect(error.message).toMatch(/bytes received/);
      expect(Buffer.concat(received).length).toBeLessThan(cut === 0 ? 1 : cut);
    }
  });

  it('fails when bytes follow the end record or the central directory is not where it says', async () => {
    const zip = await aZip();
    expect((await check(Buffer.concat([zip, Buffer.from('trailing')]))).error).toBeDefined();
    const shifted = Buffer.concat([Buffer.alloc(10), zip]);
    expect((await check(shifted)).error?.message).toMatch(/central directory/);
  });
});
