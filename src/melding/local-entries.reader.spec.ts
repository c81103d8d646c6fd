import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buildZip, fakePdf, localHeaderOffset } from '../../test/support/zip-fixtures';
import { EntryIntegrityError, InflateBombError, LocalEntryReader } from './local-entries.reader';

/** The zip as a download would arrive: in chunks of `size` bytes. */
function stream(zip: Buffer, size = 7_919): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < zip.length; at += size) {
    chunks.push(zip.subarray(at, at + size));
  }
  return Readable.from(chunks);
}

async function collect(body: Readable): Promise<{ data: Buffer; error?: Error }> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of body) {
      parts.push(chunk as Buffer);
    }
    return { data: Buffer.concat(parts) };
  } catch (error) {
    return { data: Buffer.concat(parts), error: error as Error };
  }
}

describe('LocalEntryReader', () => {
  const pdfs = [fakePdf(300_000, 1), fakePdf(5, 2), fakePdf(70_000, 3)];
  const melding = Buffer.from('<Melding/>'.repeat(500));

  it('reads every entry in order, inflated and verified, and hashes the whole download', async () => {
    const zip = await buildZip([
      { name: 'hendvendelse.xml', data: melding },
      ...pdfs.map((data, i) => ({ name: `${i}.pdf`, data, compress: i !== 1 })),
    ]);
    const reader = new LocalEntryReader(stream(zip));
    const seen: [string, number, Buffer][] = [];
    for (let header = await reader.next(); header; header = await reader.next()) {
      expect(header.dataDescriptor).toBe(false);
      const { data, error } = await collect(reader.body(header));
      expect(error).toBeUndefined();
      seen.push([header.name, header.size, data]);
    }
    expect(seen.map(([name]) => name)).toEqual(['hendvendelse.xml', '0.pdf', '1.pdf', '2.pdf']);
    expect(seen.map(([, , data]) => data)).toEqual([melding, ...pdfs]);
    expect(seen.map(([, size]) => size)).toEqual([melding, ...pdfs].map((d) => d.length));
    expect(await reader.finish()).toEqual({
      bytes: zip.length,
      sha256: createHash('sha256').update(zip).digest('hex'),
    });
  });

  it('a CRC-32 mismatch fails the entry, naming it, and never releases its last chunk', async () => {
    const zip = await buildZip([{ name: 'a.pdf', data: pdfs[0] }]);
    const header = localHeaderOffset(zip, 'a.pdf');
    zip.writeUInt32LE((zip.readUInt32LE(header + 14) ^ 1) >>> 0, header + 14);
    const reader = new LocalEntryReader(stream(zip));
    const entry = await reader.next();
    const { data, error } = await collect(reader.body(entry!));
    expect(error).toBeInstanceOf(EntryIntegrityError);
    expect(error?.message).toBe('broken download: entry a.pdf CRC-32 mismatch');
    expect(data.length).toBeLessThan(pdfs[0].length);
    expect(pdfs[0].subarray(0, data.length).equals(data)).toBe(true);
  });

  it('a flipped byte inside the compressed data is caught (by the inflater or the CRC)', async () => {
    const zip = await buildZip([{ name: 'a.pdf', data: pdfs[2], compress: false }]);
    const header = localHeaderOffset(zip, 'a.pdf');
    zip[header + 30 + 5 + 1000] ^= 0xff;
    const reader = new LocalEntryReader(stream(zip));
    const { error } = await collect(reader.body((await reader.next())!));
    expect(error?.message).toBe('broken download: entry a.pdf CRC-32 mismatch');
  });

  it('stops an entry that inflates past its declared size (a zip bomb)', async () => {
    const zip = await buildZip([{ name: 'bomb.xml', data: Buffer.alloc(50_000_000) }]);
    expect(zip.length).toBeLessThan(100_000);
    const header = localHeaderOffset(zip, 'bomb.xml');
    zip.writeUInt32LE(1_000, header + 22);
    const reader = new LocalEntryReader(stream(zip));
    const entry = await reader.next();
    expect(entry?.size).toBe(1_000);
    const { data, error } = await collect(reader.body(entry!));
    expect(error).toBeInstanceOf(InflateBombError);
    expect(data.length).toBeLessThanOrEqual(1_000);
  });

  it('reports a data descriptor, so the caller takes the spool path', async () => {
    const zip = await buildZip([{ name: 'a.pdf', data: pdfs[1], descriptor: true }]);
    const entry = await new LocalEntryReader(stream(zip)).next();
    expect(entry).toMatchObject({ name: 'a.pdf', dataDescriptor: true });
  });

  it('a download that ends inside an entry is a broken download', async () => {
    const zip = await buildZip([{ name: 'a.pdf', data: pdfs[0] }]);
    const reader = new LocalEntryReader(stream(zip.subarray(0, 100_000)));
    const { error } = await collect(reader.body((await reader.next())!));
    expect(error?.message).toMatch(/^broken download: entry a.pdf ends \d+ bytes early$/);
  });
});
