import { crc32, deflateRawSync } from 'node:zlib';
import type { ZipTimestamp } from './stored-zip';

/**
 * An in-memory ZIP writer that does what a careful writer would not, on purpose: data descriptors instead of sizes
 * in the local header, names without the UTF-8 flag, a CRC that no longer fits the bytes, an uncompressed size far
 * below what the data inflates to. For small archives only (the surprise shapes of the Brreg simulator); the
 * ordinary forsendelse is streamed by stored-zip.ts.
 */
export interface CraftedEntry {
  /** The name's bytes as written (UTF-8 or not, see `utf8`). */
  name: Buffer;
  /** General purpose bit 11. */
  utf8: boolean;
  /** What the entry holds once inflated; empty for a folder. */
  content: Buffer;
  method: 0 | 8;
  /** Bit 3: CRC and sizes are 0 in the local header and follow the data in a descriptor (yazl does this for streams). */
  dataDescriptor: boolean;
  /** The deflate data to write instead of deflating `content` (a zip bomb's, prepared once). */
  compressed?: Buffer;
  /** The uncompressed size the headers declare; `content.length` unless a bomb lies about it. */
  declaredSize?: number;
  /** Flip one data byte after the CRC was computed: a download damaged on the way. */
  corrupt?: boolean;
}

const FLAG_UTF8 = 0x0800;
const FLAG_DATA_DESCRIPTOR = 0x0008;

function dosTime(t: ZipTimestamp): number {
  return (t.hour << 11) | (t.minute << 5) | Math.floor(t.second / 2);
}

function dosDate(t: ZipTimestamp): number {
  return ((t.year - 1980) << 9) | (t.month << 5) | t.day;
}

interface Written {
  entry: CraftedEntry;
  offset: number;
  crc: number;
  compressedSize: number;
  declaredSize: number;
  flags: number;
}

export function craftZip(entries: readonly CraftedEntry[], time: ZipTimestamp): Buffer {
  const parts: Buffer[] = [];
  const written: Written[] = [];
  let offset = 0;
  const push = (b: Buffer): void => {
    parts.push(b);
    offset += b.length;
  };
  for (const entry of entries) {
    const crc = crc32(entry.content);
    let data = entry.method === 8 ? (entry.compressed ?? deflateRawSync(entry.content)) : entry.content;
    if (entry.corrupt && data.length > 0) {
      data = Buffer.from(data);
      data[Math.floor(data.length / 2)] ^= 0xff;
    }
    const declaredSize = entry.declaredSize ?? entry.content.length;
    const flags = (entry.utf8 ? FLAG_UTF8 : 0) | (entry.dataDescriptor ? FLAG_DATA_DESCRIPTOR : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt16LE(dosTime(time), 10);
    local.writeUInt16LE(dosDate(time), 12);
    local.writeUInt32LE(entry.dataDescriptor ? 0 : crc >>> 0, 14);
    local.writeUInt32LE(entry.dataDescriptor ? 0 : data.length, 18);
    local.writeUInt32LE(entry.dataDescriptor ? 0 : declaredSize, 22);
    local.writeUInt16LE(entry.name.length, 26);
    written.push({ entry, offset, crc, compressedSize: data.length, declaredSize, flags });
    push(local);
    push(entry.name);
    push(data);
    if (entry.dataDescriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc >>> 0, 4);
      descriptor.writeUInt32LE(data.length, 8);
      descriptor.writeUInt32LE(declaredSize, 12);
      push(descriptor);
    }
  }
  const centralOffset = offset;
  for (const w of written) {
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(w.flags, 8);
    central.writeUInt16LE(w.entry.method, 10);
    central.writeUInt16LE(dosTime(time), 12);
    central.writeUInt16LE(dosDate(time), 14);
    central.writeUInt32LE(w.crc >>> 0, 16);
    central.writeUInt32LE(w.compressedSize, 20);
    central.writeUInt32LE(w.declaredSize, 24);
    central.writeUInt16LE(w.entry.name.length, 28);
    // A folder carries the MS-DOS directory attribute, as zip tools write it.
    central.writeUInt32LE(w.entry.name.at(-1) === 0x2f ? 0x10 : 0, 38);
    central.writeUInt32LE(w.offset, 42);
    push(central);
    push(w.entry.name);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(offset - centralOffset, 12);
  end.writeUInt32LE(centralOffset, 16);
  push(end);
  return Buffer.concat(parts);
}
