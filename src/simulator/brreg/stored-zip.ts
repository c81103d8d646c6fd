import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

/**
 * A minimal writer for ZIP archives whose entries are stored (not compressed), so the archive's size is known from
 * the entry names and sizes alone: `Content-Length` can be sent before the first byte, and the same entries always
 * give the same bytes. Entries carry their CRC in the local header (no data descriptors), the way Java's
 * ZipOutputStream writes STORED entries. ZIP64 records are written where a size or an offset needs them.
 */

const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const END_RECORD_SIZE = 22;
const ZIP64_END_RECORD_SIZE = 56;
const ZIP64_END_LOCATOR_SIZE = 20;
const ZIP64_EXTRA_TAG = 0x0001;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** General purpose bit 11: names are UTF-8 (Java sets it on every entry). */
const FLAG_UTF8 = 0x0800;
const VERSION_STORED = 10;
const VERSION_ZIP64 = 45;

export interface ZipEntrySpec {
  name: string;
  size: number;
}

export interface ZipEntryLayout {
  name: Buffer;
  size: number;
  /** Offset of the local header. */
  offset: number;
  /** Offset of the first data byte. */
  dataOffset: number;
  zip64Local: boolean;
  /** Which central-directory fields overflow into the ZIP64 extra field. */
  zip64Sizes: boolean;
  zip64Offset: boolean;
}

export interface ZipLayout {
  entries: ZipEntryLayout[];
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  zip64End: boolean;
  totalSize: number;
  forceZip64: boolean;
}

/** The DOS date and time written into every header (local time, two-second resolution). */
export interface ZipTimestamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Where an entry's bytes come from; `fill` writes bytes [position, position + target.length). */
export interface ZipEntrySource {
  size: number;
  crc32: number;
  fill(target: Buffer, position: number): void;
}

/**
 * Positions every entry. `forceZip64` writes the ZIP64 fields even when nothing overflows, so a reader's ZIP64 path
 * can be exercised without a 4 GiB archive.
 */
export function layoutStoredZip(specs: readonly ZipEntrySpec[], forceZip64 = false): ZipLayout {
  let offset = 0;
  const entries: ZipEntryLayout[] = specs.map((spec) => {
    if (!Number.isSafeInteger(spec.size) || spec.size < 0) {
      throw new RangeError(`bad size ${spec.size} for ${spec.name}`);
    }
    const name = Buffer.from(spec.name, 'utf8');
    if (name.length > MAX16) {
      throw new RangeError(`name too long: ${spec.name}`);
    }
    const zip64Sizes = forceZip64 || spec.size >= MAX32;
    const entry: ZipEntryLayout = {
      name,
      size: spec.size,
      offset,
      dataOffset: offset + LOCAL_HEADER_SIZE + name.length + (zip64Sizes ? 20 : 0),
      zip64Local: zip64Sizes,
      zip64Sizes,
      zip64Offset: forceZip64 || offset >= MAX32,
    };
    offset = entry.dataOffset + entry.size;
    return entry;
  });
  const centralDirectoryOffset = offset;
  const centralDirectorySize = entries.reduce((sum, e) => sum + centralHeaderSize(e), 0);
  const zip64End =
    forceZip64 || entries.length >= MAX16 || centralDirectorySize >= MAX32 || centralDirectoryOffset >= MAX32;
  const totalSize =
    centralDirectoryOffset +
    centralDirectorySize +
    (zip64End ? ZIP64_END_RECORD_SIZE + ZIP64_END_LOCATOR_SIZE : 0) +
    END_RECORD_SIZE;
  return { entries, centralDirectoryOffset, centralDirectorySize, zip64End, totalSize, forceZip64 };
}

function zip64ExtraCount(e: ZipEntryLayout): number {
  return (e.zip64Sizes ? 2 : 0) + (e.zip64Offset ? 1 : 0);
}

function centralHeaderSize(e: ZipEntryLayout): number {
  const count = zip64ExtraCount(e);
  return CENTRAL_HEADER_SIZE + e.name.length + (count > 0 ? 4 + 8 * count : 0);
}

function dosTime(t: ZipTimestamp): number {
  return (t.hour << 11) | (t.minute << 5) | Math.floor(t.second / 2);
}

function dosDate(t: ZipTimestamp): number {
  return ((t.year - 1980) << 9) | (t.month << 5) | t.day;
}

function localHeader(e: ZipEntryLayout, crc: number, time: ZipTimestamp): Buffer {
  const b = Buffer.alloc(LOCAL_HEADER_SIZE + e.name.length + (e.zip64Local ? 20 : 0));
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(e.zip64Local ? VERSION_ZIP64 : VERSION_STORED, 4);
  b.writeUInt16LE(FLAG_UTF8, 6);
  b.writeUInt16LE(0, 8); // stored
  b.writeUInt16LE(dosTime(time), 10);
  b.writeUInt16LE(dosDate(time), 12);
  b.writeUInt32LE(crc >>> 0, 14);
  b.writeUInt32LE(e.zip64Local ? MAX32 : e.size, 18);
  b.writeUInt32LE(e.zip64Local ? MAX32 : e.size, 22);
  b.writeUInt16LE(e.name.length, 26);
  b.writeUInt16LE(e.zip64Local ? 20 : 0, 28);
  e.name.copy(b, 30);
  if (e.zip64Local) {
    const x = 30 + e.name.length;
    b.writeUInt16LE(ZIP64_EXTRA_TAG, x);
    b.writeUInt16LE(16, x + 2);
    b.writeBigUInt64LE(BigInt(e.size), x + 4);
    b.writeBigUInt64LE(BigInt(e.size), x + 12);
  }
  return b;
}

function centralHeader(e: ZipEntryLayout, crc: number, time: ZipTimestamp): Buffer {
  const b = Buffer.alloc(centralHeaderSize(e));
  const version = e.zip64Sizes || e.zip64Offset ? VERSION_ZIP64 : VERSION_STORED;
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(version, 4); // made by: MS-DOS host, like java.util.zip
  b.writeUInt16LE(version, 6);
  b.writeUInt16LE(FLAG_UTF8, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt16LE(dosTime(time), 12);
  b.writeUInt16LE(dosDate(time), 14);
  b.writeUInt32LE(crc >>> 0, 16);
  b.writeUInt32LE(e.zip64Sizes ? MAX32 : e.size, 20);
  b.writeUInt32LE(e.zip64Sizes ? MAX32 : e.size, 24);
  b.writeUInt16LE(e.name.length, 28);
  const count = zip64ExtraCount(e);
  b.writeUInt16LE(count > 0 ? 4 + 8 * count : 0, 30);
  // comment length, disk start, internal and external attributes stay 0
  b.writeUInt32LE(e.zip64Offset ? MAX32 : e.offset, 42);
  e.name.copy(b, 46);
  if (count > 0) {
    let x = 46 + e.name.length;
    b.writeUInt16LE(ZIP64_EXTRA_TAG, x);
    b.writeUInt16LE(8 * count, x + 2);
    x += 4;
    // The order is fixed by APPNOTE 4.5.3: uncompressed size, compressed size, local header offset.
    if (e.zip64Sizes) {
      b.writeBigUInt64LE(BigInt(e.size), x);
      b.writeBigUInt64LE(BigInt(e.size), x + 8);
      x += 16;
    }
    if (e.zip64Offset) {
      b.writeBigUInt64LE(BigInt(e.offset), x);
    }
  }
  return b;
}

function endRecords(layout: ZipLayout): Buffer {
  const count = layout.entries.length;
  const parts: Buffer[] = [];
  if (layout.zip64End) {
    const z = Buffer.alloc(ZIP64_END_RECORD_SIZE + ZIP64_END_LOCATOR_SIZE);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(BigInt(ZIP64_END_RECORD_SIZE - 12), 4);
    z.writeUInt16LE(VERSION_ZIP64, 12);
    z.writeUInt16LE(VERSION_ZIP64, 14);
    // disk numbers (16, 20) stay 0
    z.writeBigUInt64LE(BigInt(count), 24);
    z.writeBigUInt64LE(BigInt(count), 32);
    z.writeBigUInt64LE(BigInt(layout.centralDirectorySize), 40);
    z.writeBigUInt64LE(BigInt(layout.centralDirectoryOffset), 48);
    const l = ZIP64_END_RECORD_SIZE;
    z.writeUInt32LE(0x07064b50, l);
    z.writeUInt32LE(0, l + 4);
    z.writeBigUInt64LE(BigInt(layout.centralDirectoryOffset + layout.centralDirectorySize), l + 8);
    z.writeUInt32LE(1, l + 16);
    parts.push(z);
  }
  // Like java.util.zip: only the fields that overflow get the 0xFFFF… marker (all of them when forced).
  const force = layout.forceZip64;
  const e = Buffer.alloc(END_RECORD_SIZE);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(force || count >= MAX16 ? MAX16 : count, 8);
  e.writeUInt16LE(force || count >= MAX16 ? MAX16 : count, 10);
  e.writeUInt32LE(force || layout.centralDirectorySize >= MAX32 ? MAX32 : layout.centralDirectorySize, 12);
  e.writeUInt32LE(force || layout.centralDirectoryOffset >= MAX32 ? MAX32 : layout.centralDirectoryOffset, 16);
  parts.push(e);
  return Buffer.concat(parts);
}

type Segment = { buffer: Buffer } | { source: ZipEntrySource };

export interface StoredZipStreamOptions {
  time: ZipTimestamp;
  /** Size of the data chunks pushed downstream; 1 MiB keeps loopback HTTP near its ceiling. */
  chunkSize?: number;
}

/** Streams the archive described by `layout`, pulling entry bytes from `sources` only as the consumer reads. */
export function createStoredZipStream(
  layout: ZipLayout,
  sources: readonly ZipEntrySource[],
  options: StoredZipStreamOptions,
): Readable {
  if (sources.length !== layout.entries.length) {
    throw new RangeError('one source per entry');
  }
  const chunkSize = options.chunkSize ?? 1024 * 1024;
  const segments: Segment[] = [];
  layout.entries.forEach((entry, i) => {
    const source = sources[i];
    if (source.size !== entry.size) {
      throw new RangeError(`entry ${entry.name.toString()} is ${entry.size} bytes, its source ${source.size}`);
    }
    segments.push({ buffer: localHeader(entry, source.crc32, options.time) });
    segments.push({ source });
  });
  let central: Buffer | undefined;
  let segment = 0;
  let position = 0;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      for (;;) {
        if (segment === segments.length) {
          if (central === undefined) {
            // Built last so nothing but the current chunk is held while the data streams.
            central = Buffer.concat([
              ...layout.entries.map((e, i) => centralHeader(e, sources[i].crc32, options.time)),
              endRecords(layout),
            ]);
            this.push(central);
          }
          this.push(null);
          return;
        }
        const current = segments[segment];
        let chunk: Buffer;
        if ('buffer' in current) {
          chunk = current.buffer;
          segment += 1;
        } else {
          const n = Math.min(chunkSize, current.source.size - position);
          if (n === 0) {
            segment += 1;
            position = 0;
            continue;
          }
          chunk = Buffer.allocUnsafe(n);
          current.source.fill(chunk, position);
          position += n;
        }
        if (!this.push(chunk)) {
          return;
        }
      }
    },
  });
}

/** An entry held in memory (the small XML). */
export function bufferSource(buffer: Buffer): ZipEntrySource {
  return {
    size: buffer.length,
    crc32: crc32(buffer),
    fill: (target, position) => {
      buffer.copy(target, 0, position, position + target.length);
    },
  };
}
