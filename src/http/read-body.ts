/**
 * Reads a small answer (JSON, an error body) whole, refusing one larger than `limit`: a peer that sends
 * megabytes where a few hundred bytes belong must not fill our memory.
 */
export async function readBodyLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      throw new Error(`body larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A body for a log line: one line, at most 200 characters. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** A network error as `CODE message` (ECONNRESET, UND_ERR_HEADERS_TIMEOUT, …). */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

/** An answer's Content-Type without parameters, in lower case; undefined when it has none. */
export function mediaType(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['content-type'];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(';')[0].trim().toLowerCase() || undefined;
}
