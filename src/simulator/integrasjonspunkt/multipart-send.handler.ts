import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { addFile, validateFile } from './file-upload.handler';
import { readSmallBody, type IpContext } from './ip.context';
import { IpHttpError, ipErrors, springErrors } from './ip.errors';
import type { OutMessage } from './ip.store';
import { deserializeSbd, type DeserializedSbd } from './sbd.validation';

/** `NextMoveMessageOutController.MAX_SIZE`: each file of a one-step send, in bytes. */
export const MULTIPART_MAX_FILE_BYTES = 5 * 1024 * 1024;
/**
 * The simulator reads a multipart body whole, up to this much (the IP's `spring.servlet.multipart.max-request-size`
 * is 500MB, but every file over 5 MiB is refused anyway).
 */
const MULTIPART_MAX_REQUEST_BYTES = 64 * 1024 * 1024;
const SBD_CLASS = 'no.difi.meldingsutveksling.domain.sbdh.StandardBusinessDocument';

interface FilePart {
  /** The part's name: the IP takes it as the file's title. */
  name: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Whether the request is for the multipart route; if not, Spring falls through to `POST /{messageId}`. */
export function isMultipartRequest(req: Request): boolean {
  const contentType = req.headers['content-type'] ?? '';
  return contentType.split(';')[0].trim().toLowerCase() === 'multipart/form-data';
}

async function readForm(req: Request): Promise<FormData> {
  const body = await readSmallBody(req, MULTIPART_MAX_REQUEST_BYTES);
  try {
    return await new globalThis.Request('http://simulator/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body,
    }).formData();
  } catch (error) {
    throw springErrors.internal(
      'org.springframework.web.multipart.MultipartException',
      `Failed to parse multipart servlet request: ${(error as Error).message}`,
    );
  }
}

/**
 * `@RequestParam StandardBusinessDocument sbd`: the part named `sbd`, read by the IP's String (or MultipartFile)
 * converter. Whatever goes wrong inside a converter reaches the client as a type mismatch (400).
 */
async function readSbd(ctx: IpContext, form: FormData): Promise<DeserializedSbd> {
  const part = form.get('sbd');
  if (part === null) {
    throw new IpHttpError(
      400,
      'org.springframework.web.bind.MissingServletRequestParameterException',
      `Required request parameter 'sbd' for method parameter type StandardBusinessDocument is not present`,
    );
  }
  const text = typeof part === 'string' ? part : await part.text();
  try {
    return deserializeSbd(text, 400, ctx.settings.timeZone);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new IpHttpError(
      400,
      'org.springframework.web.method.annotation.MethodArgumentTypeMismatchException',
      `Failed to convert value of type 'java.lang.String' to required type '${SBD_CLASS}'; ${detail}`,
    );
  }
}

/** `multipartRequest.getMultiFileMap()`: every part with a filename, the `sbd` part too if it came as a file. */
async function fileParts(form: FormData): Promise<FilePart[]> {
  const parts: FilePart[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') {
      parts.push({
        name,
        filename: value.name,
        contentType: value.type === '' ? 'application/octet-stream' : value.type,
        content: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return parts;
}

/**
 * `POST /api/messages/out/multipart` (`createAndSendMessage`): the SBD and the files in one request, each file at
 * most 5 MiB, then the send. Creating the message and adding its files is one transaction at the IP: a refused
 * file leaves no message behind. The send comes after that commit, so a refused send leaves the message created.
 */
export async function createFromMultipart(
  ctx: IpContext,
  req: Request,
  createMessage: (sbd: DeserializedSbd) => OutMessage,
): Promise<OutMessage> {
  const form = await readForm(req);
  const sbd = await readSbd(ctx, form);
  const files = await fileParts(form);
  const tooLarge = files.find((f) => f.content.length > MULTIPART_MAX_FILE_BYTES);
  if (tooLarge !== undefined) {
    throw ipErrors.multipartFileTooLarge(tooLarge.filename, MULTIPART_MAX_FILE_BYTES);
  }
  const names = files.map((f) => f.filename);
  const duplicates = names.filter((name) => names.filter((other) => other === name).length > 1);
  if (duplicates.length > 0) {
    throw ipErrors.duplicateFilename(duplicates.join(', '));
  }
  const out = createMessage(sbd);
  const conversation = ctx.store.conversationByMessageId(out.messageId);
  if (conversation === undefined) {
    throw ipErrors.messageNotFound(out.messageId);
  }
  try {
    for (const file of files) {
      const header = { filename: file.filename, title: file.name, declaredSize: file.content.length };
      validateFile(ctx, out, header);
      addFile(ctx, out, conversation, {
        ...header,
        contentType: file.contentType,
        size: file.content.length,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        content: file.content,
      });
    }
  } catch (error) {
    // The transaction rolls back: neither the message nor its conversation was ever there.
    ctx.store.deleteConversation(out.messageId);
    throw error;
  }
  return out;
}
