import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  PassThrough,
  Transform,
  pipeline as pipelineCallback,
  type Readable,
  type TransformCallback,
} from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as yauzl from 'yauzl';
import type { Download } from '../brreg/brreg.client';
import { contentTypeFor, EntryMatcher, namedMeldingEntry, type Surprise } from '../melding/forsendelse-content';
import { mapForsendelse, mapWithoutMelding, type Journalpost } from '../melding/journalpost.mapper';
import {
  decodeEntryName,
  EntryIntegrityError,
  EntryVerifier,
  InflateBombError,
  LocalEntryReader,
  type LocalHeader,
} from '../melding/local-entries.reader';
import { isMeldingDocument, readMelding, type Melding } from '../melding/melding.reader';
import type { TitleTable } from '../melding/titles';
import { MAX_XML_BYTES } from '../melding/xml-document';
import { TruncatedDownloadError, UploadTooLargeError } from './forward.errors';
import type { UploadFile } from './integrasjonspunkt.client';
import type { Measured } from './payload-transfer';
import type { UploadBudget } from './service-limits';

export interface DocumentsContext {
  mottakId: string;
  /** The zip's upload name in the safe form (reserved: no entry gets it). */
  zipFilename: string;
  /**
   * What the IP's limit counts (service-limits.ts): every file uploaded here is counted, by its declared size,
   * before its upload starts. Its limit also bounds the spooled download (disk).
   */
  budget: UploadBudget;
  spoolDir: string;
  titles: TitleTable;
  download(): Promise<Download>;
  /** Uploads one file; resolves false when the IP already has it (an earlier try uploaded it). */
  upload(file: UploadFile): Promise<boolean>;
  /** The whole zip, as EFM_PAYLOAD=zip sends it (the safe form): its size and sha256. */
  uploadZip(): Promise<Measured | undefined>;
}

export interface DocumentsResult {
  /** The download's size and sha256; undefined only when a bomb stopped the pass and the IP had the zip already. */
  measured?: Measured;
  journalpost: Journalpost;
  surprises: Surprise[];
  /** Upload names of entries whose MD5 is not their DataRef sjekksum. */
  sjekksumMismatches: string[];
  /** 'one-pass' or 'spool': which path read the zip. */
  path: 'one-pass' | 'spool';
}

/** An entry as either path sees it: its header and a way to get its verified bytes. */
interface Entry {
  header: LocalHeader;
  open(): Promise<Readable>;
}

/**
 * EFM_PAYLOAD=documents: every file of the forsendelse uploaded to the IP as its own file, checked on the way
 * (CRC-32 and size per entry, the last chunk held back until both match), the journalpost mapped from the
 * Melding, the safe form (the whole zip as well) where the content surprises. One pass over the download when
 * the Melding is the first entry and every local header has its sizes; else the download is spooled and read
 * through its central directory. arkivmelding.xml is not uploaded here: the caller uploads it last, from the
 * returned journalpost.
 */
export async function transferDocuments(ctx: DocumentsContext): Promise<DocumentsResult> {
  const onePass = await tryOnePass(ctx);
  return onePass ?? (await viaSpool(ctx));
}

class Md5Tap extends Transform {
  private readonly hash = createHash('md5');
  override _transform(chunk: Buffer, _e: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }
  hex(): string {
    return this.hash.digest('hex');
  }
}

class Delivery {
  readonly mismatches: string[] = [];
  bombed = false;

  constructor(
    private readonly ctx: DocumentsContext,
    readonly matcher: EntryMatcher,
  ) {}

  /**
   * Uploads one entry under its planned name. The bytes pass through a PassThrough the upload reads: when the
   * IP refuses early (the file is already there), the entry is still read to its end, so its CRC-32 is checked
   * and the download's sha256 covers every byte. A failing entry destroys the upload's body: the IP never
   * completes that file.
   */
  async entry(entry: Entry): Promise<void> {
    const { header } = entry;
    if (header.name.endsWith('/') && header.size === 0) {
      await drain(await entry.open());
      return;
    }
    if (header.encrypted || (header.method !== 0 && header.method !== 8)) {
      // Neither stored nor deflated, or encrypted: nothing the bridge can check; it goes along inside the zip.
      this.matcher.accept({ name: header.name, utf8: header.utf8 });
      this.matcher.withdraw(header.name);
      this.matcher.surprise(
        'unreadable-entry',
        `entry ${header.name} is encrypted or compressed with method ${header.method}`,
      );
      return;
    }
    const { uploadName, part } = this.matcher.accept({ name: header.name, utf8: header.utf8 });
    // Counted from the header, before the entry is opened: an entry over the limit is never read.
    this.ctx.budget.reserve(uploadName, header.size);
    const opened = await entry.open();
    // MD5 only where Brreg gave a sjekksum: it costs CPU on the hot path. pipeline, not pipe: an entry's
    // failure (CRC-32, bomb) must reach the loop that feeds the upload.
    const tap = part?.sjekksum !== undefined ? new Md5Tap() : undefined;
    const source = tap ? pipelineCallback(opened, tap, () => undefined) : opened;
    const verified = await this.send(uploadName, header.size, source);
    if (!verified) {
      this.matcher.withdraw(header.name);
    }
    if (verified && tap && part?.sjekksum?.toLowerCase() !== tap.hex()) {
      this.mismatches.push(uploadName);
    }
  }

  /** Returns false when the entry turned out to be a bomb (a surprise: it goes along inside the zip). */
  private async send(filename: string, size: number, source: Readable): Promise<boolean> {
    const sink = new PassThrough();
    let uploadSettled = false;
    // Wakes a feed waiting for 'drain' when the upload ends first. One waiter at a time, its listeners removed
    // when it wakes: a multi-GiB entry waits for 'drain' tens of thousands of times, and a listener (or a
    // reaction on the upload's promise) left behind by each wait would pile up until the entry's end.
    let wake: (() => void) | undefined;
    const uploading = this.ctx
      .upload({ filename, title: filename, contentType: contentTypeFor(filename), body: sink, contentLength: size })
      .finally(() => {
        uploadSettled = true;
        wake?.();
      });
    uploading.catch(() => undefined);
    let feedError: Error | undefined;
    try {
      for await (const chunk of source) {
        if (uploadSettled || sink.destroyed) {
          continue;
        }
        if (!sink.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              sink.off('drain', done);
              sink.off('close', done);
              wake = undefined;
              resolve();
            };
            wake = done;
            sink.once('drain', done);
            sink.once('close', done);
          });
        }
      }
      sink.end();
    } catch (error) {
      feedError = error as Error;
      sink.destroy(feedError);
    }
    const uploaded = await uploading.then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (feedError instanceof InflateBombError) {
      this.bombed = true;
      this.matcher.surprise('inflate-bomb', feedError.message);
      return false;
    }
    if (feedError !== undefined) {
      throw feedError;
    }
    if (!uploaded.ok) {
      throw uploaded.error instanceof Error ? uploaded.error : new Error(String(uploaded.error));
    }
    return true;
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const chunk of stream) {
    void chunk;
  }
}

/** A file held in memory (the Melding, a generated file): counted in the budget, then uploaded. */
function plainUpload(
  ctx: DocumentsContext,
  filename: string,
  body: Buffer,
  contentType = contentTypeFor(filename),
): Promise<boolean> {
  ctx.budget.reserve(filename, body.length);
  return ctx.upload({ filename, title: filename, contentType, body, contentLength: body.length });
}

async function tryOnePass(ctx: DocumentsContext): Promise<DocumentsResult | undefined> {
  // The download's own size is not what the IP counts here (the zip is no upload unless the safe form sends
  // it, and then it is counted there): each entry is counted from its local header before it is read.
  const download = await ctx.download();
  try {
    const reader = new LocalEntryReader(download.body);
    const first = await reader.next();
    if (!first || !onePassReadable(first) || !namedMeldingEntry([first.name]) || first.size > MAX_XML_BYTES) {
      return undefined;
    }
    const meldingBytes = (await reader.buffer(first, MAX_XML_BYTES)) as Buffer;
    const read = readMelding(meldingBytes);
    const delivery = new Delivery(
      ctx,
      new EntryMatcher(read.ok ? read.melding : undefined, first.name, [ctx.zipFilename]),
    );
    if (!read.ok) {
      delivery.matcher.surprise('melding-unparsable', `${first.name} ${read.problem}`);
    }
    const meldingName = delivery.matcher.accept({ name: first.name, utf8: first.utf8 }).uploadName;
    await plainUpload(ctx, meldingName, meldingBytes, 'application/xml');
    for (let header = await reader.next(); header; header = await reader.next()) {
      if (!onePassReadable(header)) {
        // A streaming writer's entry further on: the spool path starts over (files already up are skipped).
        return undefined;
      }
      const current = header;
      await delivery.entry({ header: current, open: () => Promise.resolve(reader.body(current)) });
      if (delivery.bombed) {
        break;
      }
    }
    let measured: Measured | undefined;
    if (!delivery.bombed) {
      measured = await reader.finish();
      if (download.contentLength !== null && measured.bytes !== download.contentLength) {
        throw new TruncatedDownloadError(download.contentLength, measured.bytes);
      }
    }
    return await finish(ctx, delivery, read.ok ? read.melding : undefined, first.name, measured, 'one-pass');
  } finally {
    download.body.destroy();
  }
}

function onePassReadable(header: LocalHeader): boolean {
  return !header.dataDescriptor && !header.encrypted && (header.method === 0 || header.method === 8);
}

async function finish(
  ctx: DocumentsContext,
  delivery: Delivery,
  melding: Melding | undefined,
  meldingEntry: string | undefined,
  measured: Measured | undefined,
  path: DocumentsResult['path'],
): Promise<DocumentsResult> {
  const plan = delivery.matcher.finish();
  if (!melding && meldingEntry === undefined) {
    plan.surprises.unshift({ kind: 'no-melding', detail: 'the zip holds no hendvendelse.xml and no Melding' });
  }
  const safe = plan.surprises.length > 0;
  let zipMeasured: Measured | undefined;
  if (safe) {
    zipMeasured = await ctx.uploadZip();
  }
  const sum = measured ?? zipMeasured;
  let journalpost: Journalpost;
  if (melding && meldingEntry !== undefined) {
    const mapped = mapForsendelse({
      mottakId: ctx.mottakId,
      melding,
      plan,
      meldingEntry,
      titles: ctx.titles,
      zipUploadName: safe ? ctx.zipFilename : undefined,
    });
    for (const file of mapped.generated) {
      await plainUpload(ctx, file.uploadName, file.body, file.contentType);
    }
    journalpost = mapped.journalpost;
  } else {
    journalpost = mapWithoutMelding({
      mottakId: ctx.mottakId,
      uploadNames: plan.uploadNames,
      zipUploadName: ctx.zipFilename,
    });
  }
  return { measured: sum, journalpost, surprises: plan.surprises, sjekksumMismatches: delivery.mismatches, path };
}

/** The fallback for zips the one pass cannot read: spooled, then read through the central directory. */
async function viaSpool(ctx: DocumentsContext): Promise<DocumentsResult> {
  const path = join(ctx.spoolDir, `${ctx.mottakId}.${process.pid}.${Date.now()}.documents.spool`);
  try {
    const measured = await spool(ctx, path);
    const zip = await openZip(path);
    try {
      const entries = await listEntries(zip);
      const names = entries.map((e) => e.header.name);
      let meldingEntry = namedMeldingEntry(names);
      if (meldingEntry === undefined) {
        for (const e of entries) {
          if (e.header.name.toLowerCase().endsWith('.xml') && e.header.size <= MAX_XML_BYTES) {
            if (isMeldingDocument(await bufferOf(e))) {
              meldingEntry = e.header.name;
              break;
            }
          }
        }
      }
      const meldingItem = entries.find((e) => e.header.name === meldingEntry);
      let melding: Melding | undefined;
      let problem: string | undefined;
      let meldingBytes: Buffer | undefined;
      if (meldingItem) {
        if (meldingItem.header.size > MAX_XML_BYTES) {
          problem = `is larger than ${MAX_XML_BYTES} bytes`;
        } else {
          meldingBytes = await bufferOf(meldingItem);
          const read = readMelding(meldingBytes);
          melding = read.ok ? read.melding : undefined;
          problem = read.ok ? undefined : read.problem;
        }
      }
      const delivery = new Delivery(ctx, new EntryMatcher(melding, meldingEntry, [ctx.zipFilename]));
      if (problem !== undefined) {
        delivery.matcher.surprise('melding-unparsable', `${meldingEntry} ${problem}`);
      }
      if (meldingItem && meldingBytes) {
        const name = delivery.matcher.accept({ name: meldingItem.header.name, utf8: meldingItem.header.utf8 });
        await plainUpload(ctx, name.uploadName, meldingBytes, 'application/xml');
      }
      for (const entry of entries) {
        if (entry === meldingItem && meldingBytes) {
          continue;
        }
        await delivery.entry(entry);
      }
      return await finish(ctx, delivery, melding, meldingEntry, measured, 'spool');
    } finally {
      zip.close();
    }
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

async function spool(ctx: DocumentsContext, path: string): Promise<Measured> {
  const download = await ctx.download();
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _e, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      // A disk bound, not the IP's count: a zip larger than the limit cannot hold files that fit it (bar the
      // few bytes of zip headers around stored entries).
      const { limit, service } = ctx.budget;
      if (limit !== undefined && bytes > limit) {
        callback(
          new UploadTooLargeError(service, limit, { filename: `${ctx.mottakId} (download)`, bytes: -1, total: -1 }),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  await pipeline(download.body, meter, createWriteStream(path, { mode: 0o600 }));
  if (download.contentLength !== null && bytes !== download.contentLength) {
    throw new TruncatedDownloadError(download.contentLength, bytes);
  }
  return { bytes, sha256: hash.digest('hex') };
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false },
      (error, zip) =>
        error ? reject(new EntryIntegrityError('(directory)', `unreadable: ${error.message}`)) : resolve(zip),
    );
  });
}

function listEntries(zip: yauzl.ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      const raw = e.fileName as unknown as Buffer;
      const header: LocalHeader = {
        ...decodeEntryName(raw, e.generalPurposeBitFlag),
        method: e.compressionMethod,
        crc32: e.crc32,
        compressedSize: e.compressedSize,
        size: e.uncompressedSize,
        dataDescriptor: (e.generalPurposeBitFlag & 0x8) !== 0,
        encrypted: (e.generalPurposeBitFlag & 0x1) !== 0,
      };
      entries.push({
        header,
        open: () =>
          new Promise((res, rej) => {
            zip.openReadStream(e, (error, stream) => {
              if (error) {
                rej(new EntryIntegrityError(header.name, `unreadable: ${error.message}`));
                return;
              }
              const verifier = new EntryVerifier(header);
              stream.on('error', (err) => verifier.destroy(err));
              res(stream.pipe(verifier));
            });
          }),
      });
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: Error) => reject(new EntryIntegrityError('(directory)', error.message)));
    zip.readEntry();
  });
}

async function bufferOf(entry: Entry): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await entry.open()) {
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
