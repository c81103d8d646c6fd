import { crc32 } from 'node:zlib';
import { ATTACHMENT_BLOCK_SIZE, MIN_ATTACHMENT_SIZE, SeededAttachment } from './seeded-attachment';

function bytesOf(a: SeededAttachment): Buffer {
  return Buffer.concat([...a.chunks(7919)]);
}

/** Reads a PDF as a reader does: startxref → xref table → each object where the table says it is. */
function checkPdf(pdf: Buffer): { objects: number; text: string } {
  const text = pdf.toString('latin1');
  expect(text.startsWith('%PDF-1.7\n')).toBe(true);
  expect(text.endsWith('%%EOF\n')).toBe(true);
  const startxref = /startxref\n(\d+) *\n%%EOF\n$/.exec(text);
  expect(startxref).not.toBeNull();
  const xrefAt = Number(startxref?.[1]);
  expect(text.slice(xrefAt, xrefAt + 5)).toBe('xref\n');
  const table = /^xref\n0 (\d+)\n/.exec(text.slice(xrefAt));
  const count = Number(table?.[1]);
  const entries = text
    .slice(xrefAt + (table?.[0].length ?? 0))
    .split('\n')
    .slice(0, count);
  expect(entries[0]).toBe('0000000000 65535 f ');
  for (let n = 1; n < count; n++) {
    const offset = Number(entries[n].slice(0, 10));
    expect(text.slice(offset, offset + `${n} 0 obj\n`.length)).toBe(`${n} 0 obj\n`);
    const stream = /^\d+ 0 obj\n<< \/Length (\d+) *>>\nstream\n/.exec(text.slice(offset, offset + 200));
    if (stream) {
      const dataStart = offset + stream[0].length;
      const dataEnd = dataStart + Number(stream[1]);
      expect(text.slice(dataEnd, dataEnd + '\nendstream\nendobj\n'.length)).toBe('\nendstream\nendobj\n');
    }
  }
  expect(text).toContain('/Root 1 0 R');
  return { objects: count - 1, text: /\((Brreg-simulator:[^)]*)\) Tj/.exec(text)?.[1] ?? '' };
}

describe('SeededAttachment', () => {
  it.each([
    MIN_ATTACHMENT_SIZE,
    MIN_ATTACHMENT_SIZE + 1,
    MIN_ATTACHMENT_SIZE + ATTACHMENT_BLOCK_SIZE + 5,
    22_000,
    160_000,
  ])('is a well-formed PDF of exactly %i bytes whose CRC-32 is that of its bytes', (size) => {
    const attachment = new SeededAttachment(0x1234abcd, 2, size);
    const bytes = bytesOf(attachment);
    expect(bytes.length).toBe(size);
    expect(checkPdf(bytes)).toEqual({ objects: 6, text: 'Brreg-simulator: dokument 03, innhold 1234abcd' });
    expect(attachment.crc32()).toBe(crc32(bytes));
  });

  it('gives every attachment of a forsendelse, and every forsendelse, its own content', () => {
    const a = bytesOf(new SeededAttachment(7, 0, 30_000));
    const b = bytesOf(new SeededAttachment(7, 1, 30_000));
    const c = bytesOf(new SeededAttachment(8, 0, 30_000));
    expect(a.equals(b)).toBe(false);
    expect(a.equals(c)).toBe(false);
    expect(bytesOf(new SeededAttachment(7, 0, 30_000)).equals(a)).toBe(true);
  });
});
