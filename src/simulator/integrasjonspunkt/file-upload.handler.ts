import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ARKIVMELDING_FILE, readArkivmelding, type ArkivmeldingInfo } from './arkivmelding.reader';
import { queryString, type IpContext } from './ip.context';
import { ipErrors, springErrors } from './ip.errors';
import type { SimulatedService } from './integrasjonspunkt-sim.options';
import type { Conversation, FileRecord, OutMessage } from './ip.store';

/** Spring `DataSize` units are binary: the IP's `1GB` is 2^30 bytes, `250MB` is 250 · 2^20. */
const MIB = 1024 * 1024;
export const UPLOAD_LIMITS: Record<string, number> = { DPO: 1024 * MIB, DPF: 1024 * MIB, DPV: 250 * MIB };
/** Files up to this size stay readable through the control API. */
export const KEPT_FILE_BYTES = MIB;
/** The simulator parses an arkivmelding.xml up to this size (the IP has no limit). */
const ARKIVMELDING_PARSE_BYTES = 16 * MIB;
/** Tomcat reads on (and discards) this much of a refused upload before it closes the connection. */
const SWALLOW_BYTES = 2 * MIB;

interface Disposition {
  name?: string;
  filename?: string;
}

function decodeRfc5987(value: string): string {
  const first = value.indexOf("'");
  const second = value.indexOf("'", first + 1);
  if (first === -1 || second === -1) {
    return value;
  }
  const charset = value.slice(0, first).toLowerCase();
  if (charset !== 'utf-8' && charset !== 'iso-8859-1') {
    throw new Error('Charset should be UTF-8 or ISO-8859-1');
  }
  const bytes: number[] = [];
  const encoded = value.slice(second + 1);
  for (let i = 0; i < encoded.length;) {
    const c = encoded[i];
    if (/[0-9A-Za-z!#$&+\-.^_`|~]/.test(c)) {
      bytes.push(c.charCodeAt(0));
      i += 1;
    } else if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      throw new Error('Invalid header field parameter format (as defined in RFC 5987)');
    }
  }
  return Buffer.from(bytes).toString(charset === 'utf-8' ? 'utf8' : 'latin1');
}

/**
 * The IP's own `ContentDisposition.parse` (a copy of Spring's): a type, then `;`-separated `attr=value`
 * parts; a part without `=` or an empty header is an IllegalArgumentException (500 there).
 */
export function parseContentDisposition(header: string): Disposition {
  const semicolon = header.indexOf(';');
  const type = (semicolon >= 0 ? header.slice(0, semicolon) : header).trim();
  if (type === '') {
    throw new Error('Content-Disposition header must not be empty');
  }
  const parts: string[] = [];
  if (semicolon >= 0) {
    let index = semicolon;
    while (index < header.length) {
      let next = index + 1;
      let quoted = false;
      while (next < header.length && (header[next] !== ';' || quoted)) {
        if (header[next] === '"') {
          quoted = !quoted;
        }
        next += 1;
      }
      const part = header.slice(index + 1, next).trim();
      if (part !== '') {
        parts.push(part);
      }
      index = next;
    }
  }
  const result: Disposition = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq === -1) {
      throw new Error('Invalid content disposition format');
    }
    const attribute = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    const value = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
    if (attribute === 'name*') {
      result.name = decodeRfc5987(value);
    } else if (attribute === 'name' && result.name === undefined) {
      result.name = value;
    } else if (attribute === 'filename*') {
      result.filename = decodeRfc5987(value);
    } else if (attribute === 'filename' && result.filename === undefined) {
      result.filename = value;
    }
  }
  return result;
}

function sizeText(bytes: number, asBytes: boolean): string {
  return asBytes ? `${bytes}b` : `${Math.floor(bytes / MIB)}MB`;
}

/** `NextMoveFileSizeValidator`: the *combined* declared size of all files against the service's limit. */
function checkSize(ctx: IpContext, out: OutMessage, declaredSize: number): void {
  const service = out.serviceIdentifier as SimulatedService;
  const limit = ctx.settings.uploadLimits[service] ?? UPLOAD_LIMITS[service];
  if (limit === undefined) {
    return;
  }
  const total = out.files.reduce((sum, f) => sum + f.declaredSize, declaredSize);
  if (total > limit) {
    const small = total < MIB;
    throw ipErrors.maxFileSizeExceeded(sizeText(total, small), out.serviceIdentifier, sizeText(limit, small));
  }
}

/**
 * A refused upload is answered before its body is read. Close the connection afterwards (as Tomcat does
 * past its swallow limit) rather than letting Node drain a multi-GB body to keep the connection alive.
 */
function closeAfterRefusal(req: Request, res: Response): void {
  if (req.complete) {
    return;
  }
  res.setHeader('Connection', 'close');
  let swallowed = 0;
  req.on('data', (chunk: Buffer) => {
    swallowed += chunk.length;
    if (swallowed > SWALLOW_BYTES) {
      req.socket.destroy();
    }
  });
  req.on('error', () => undefined);
}

/** `PUT /api/messages/out/{messageId}`: one file, streamed through SHA-256, never held whole in memory. */
export async function handleUpload(ctx: IpContext, req: Request, res: Response): Promise<void> {
  try {
    await upload(ctx, req, res);
  } catch (error) {
    closeAfterRefusal(req, res);
    throw error;
  }
}

async function upload(ctx: IpContext, req: Request, res: Response): Promise<void> {
  // Spring resolves the @RequestHeader arguments in order before the method runs: Content-Type first.
  const contentType = req.headers['content-type'];
  if (contentType === undefined) {
    throw springErrors.missingRequestHeader('Content-Type');
  }
  const dispositionHeader = req.headers['content-disposition'];
  if (dispositionHeader === undefined) {
    throw springErrors.missingRequestHeader('Content-Disposition');
  }
  const messageId = req.params.messageId as string;
  const out = ctx.store.outMessage(messageId);
  const conversation = ctx.store.conversationByMessageId(messageId);
  if (out === undefined || conversation === undefined) {
    throw ipErrors.messageNotFound(messageId);
  }
  let disposition: Disposition;
  try {
    disposition = parseContentDisposition(dispositionHeader);
  } catch (error) {
    throw springErrors.internal('java.lang.IllegalArgumentException', (error as Error).message);
  }
  const filename = disposition.filename ?? null;
  const titleParam = queryString(req, 'title');
  const title = titleParam ?? disposition.name;
  const lengthHeader = req.headers['content-length'];
  const declaredSize = lengthHeader === undefined ? -1 : Number(lengthHeader);

  validateFile(ctx, out, { filename, title, declaredSize });

  const isArkivmelding = filename === ARKIVMELDING_FILE;
  const keepLimit = isArkivmelding ? ARKIVMELDING_PARSE_BYTES : KEPT_FILE_BYTES;
  const hangAfter = ctx.uploadHangs.take(messageId, filename);
  const hash = createHash('sha256');
  let size = 0;
  let kept: Buffer[] | undefined = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (hangAfter !== undefined && size + chunk.length > hangAfter) {
      // Inside the loop body nothing more is read: the client's writes back up until it gives up.
      await ctx.uploadHangs.hold(req, res);
      throw new Error(`upload of ${filename ?? '(no name)'} hung after ${size} bytes (fault); never stored`);
    }
    hash.update(chunk);
    size += chunk.length;
    if (kept !== undefined) {
      kept.push(chunk);
      if (size > keepLimit) {
        kept = undefined;
      }
    }
  }
  const content = kept === undefined ? undefined : Buffer.concat(kept);
  addFile(ctx, out, conversation, {
    filename,
    title,
    contentType,
    declaredSize,
    size,
    sha256: hash.digest('hex'),
    content,
  });
  res.status(200).end();
}

/** A file as the IP's `validateFile` sees it, before its content is read. */
export interface FileHeader {
  filename: string | null;
  title?: string;
  /** Content-Length, or −1 for a chunked upload. */
  declaredSize: number;
}

/** A received file; `content` is undefined when it was too large to keep. */
export interface ReceivedFile extends FileHeader {
  contentType: string;
  size: number;
  sha256: string;
  content?: Buffer;
}

/** `NextMoveValidator.validateFile`, in its order: duplicate name, the service's size limit, DPV's title. */
export function validateFile(ctx: IpContext, out: OutMessage, file: FileHeader): void {
  const { filename, title } = file;
  if (filename !== null && out.files.some((f) => f.filename === filename)) {
    throw ipErrors.duplicateFilename(filename);
  }
  checkSize(ctx, out, file.declaredSize);
  if (out.serviceIdentifier === 'DPV' && (title === undefined || title.trim() === '')) {
    throw ipErrors.missingFileTitle('DPV');
  }
}

/** `NextMoveMessageService.addFile` after the bytes are in: reads an arkivmelding.xml, then records the file. */
export function addFile(ctx: IpContext, out: OutMessage, conversation: Conversation, file: ReceivedFile): void {
  const { filename, title, content } = file;
  const messageId = out.messageId;
  let arkivmelding: ArkivmeldingInfo | undefined;
  if (filename === ARKIVMELDING_FILE) {
    if (content === undefined) {
      throw springErrors.internal(
        'no.difi.meldingsutveksling.nextmove.NextMoveRuntimeException',
        `Failed to get Arkivmelding (the simulator parses at most ${ARKIVMELDING_PARSE_BYTES} bytes)`,
      );
    }
    // Parsed after the file is stored but before the message is saved: on failure the file is not added.
    arkivmelding = readArkivmelding(content);
  }

  const record: FileRecord = {
    filename,
    contentType: file.contentType,
    declaredSize: file.declaredSize,
    size: file.size,
    sha256: file.sha256,
    uploadedAtMs: Date.now(),
    stored: false,
  };
  if (title !== undefined && title.trim() !== '') {
    record.title = title;
  }
  if (content !== undefined && content.length <= KEPT_FILE_BYTES && filename !== null) {
    record.stored = ctx.store.storeContent(messageId, filename, content);
  }
  if (ctx.store.outMessage(messageId) !== out) {
    // Sent or deleted while the body streamed in: the IP's save would find no message row.
    throw ipErrors.messageNotFound(messageId);
  }
  out.files.push(record);
  if (arkivmelding !== undefined) {
    out.arkivmelding = arkivmelding;
    out.arkivmeldingText =
      content !== undefined && content.length <= KEPT_FILE_BYTES ? content.toString('utf8') : undefined;
    conversation.trace.arkivmelding = arkivmelding.summary;
    conversation.trace.arkivmeldingText = out.arkivmeldingText;
    conversation.messageTitle = arkivmelding.offentligTittel ?? null;
    if (arkivmelding.messageReference !== undefined) {
      conversation.messageReference = arkivmelding.messageReference;
    }
    conversation.lastUpdateMs = Date.now();
  }
}
