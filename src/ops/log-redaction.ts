/**
 * Keys whose values never reach a log line, at any depth: tokens, grants, keys, certificates, passwords,
 * Basic credentials. Matched on the key name, case-insensitively.
 */
const SENSITIVE_KEY =
  /^(authorization|cookie|set-cookie|access_?token|token|assertion|grant|password|passwd|secret|client_?secret|private_?key|privateKeyPem|key|jwk|pkcs12|certificate|certificateChainPem|x5c|d|p|q|dp|dq|qi)$|password|secret|token|assertion|private|pkcs12/i;

export const REDACTED = '[redacted]';
const MAX_DEPTH = 12;

/** A copy of `value` with every sensitive key's value replaced, and key material cut out of strings. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) {
    return '[depth]';
  }
  if (typeof value === 'string') {
    return redactString(value);
  }
  if (Array.isArray(value)) {
    return value.map((item) => redactDeep(item, depth + 1));
  }
  if (value instanceof Error) {
    return { type: value.name, message: redactString(value.message), stack: value.stack && redactString(value.stack) };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactDeep(child, depth + 1);
    }
    return out;
  }
  return value;
}

/** PEM blocks, JWTs and Basic/Bearer credentials inside free text. */
export function redactString(text: string): string {
  return text
    .replace(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, REDACTED)
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, REDACTED)
    .replace(/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, `$1 ${REDACTED}`);
}
