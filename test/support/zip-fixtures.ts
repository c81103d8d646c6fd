import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import * as yazl from 'yazl';

export interface FixtureEntry {
  name: string;
  data: Buffer;
  /** Written with a data descriptor (sizes after the data), as streaming zip writers do. */
  descriptor?: boolean;
  compress?: boolean;
}

/** A zip built with yazl (an independent writer), entries in the given order. */
export async function buildZip(entries: FixtureEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.descriptor) {
      const stream = new PassThrough();
      stream.end(e.data);
      zip.addReadStream(stream, e.name, { compress: e.compress ?? true, mtime: new Date(0) });
    } else {
      zip.addBuffer(e.data, e.name, { compress: e.compress ?? true, mtime: new Date(0) });
    }
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const chunk of zip.outputStream) {
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** Something shaped like a PDF: a header, then incompressible bytes (as real scanned letters mostly are). */
export function fakePdf(bytes: number, seed = 0): Buffer {
  const head = Buffer.from(`%PDF-1.7\n% ${seed}\n`);
  return Buffer.concat([head, randomBytes(Math.max(0, bytes - head.length))]);
}

/** Offset of the first local header whose name is `name`. */
export function localHeaderOffset(zip: Buffer, name: string): number {
  for (let at = 0; at + 30 <= zip.length; at++) {
    if (zip.readUInt32LE(at) === 0x04034b50) {
      const nameLength = zip.readUInt16LE(at + 26);
      if (zip.subarray(at + 30, at + 30 + nameLength).toString('utf8') === name) {
        return at;
      }
    }
  }
  throw new Error(`no local header for ${name}`);
}
