/** Statuses whose Retry-After asks a client to hold off (RFC 9110 §10.2.3; RFC 6585 §4): too many requests, unavailable. */
const WAIT_STATUSES = new Set([429, 503]);

/**
 * How long a peer asked us to wait, in whole seconds, from the Retry-After of a 429 or 503: delay-seconds, or an
 * HTTP-date. A date is measured against the answer's own Date header when it has one, so a peer whose clock is
 * off from ours still gets the wait it meant; else against `nowMs`. A past date is 0; anything unreadable, or
 * any other status, is undefined (the job's own backoff applies). Every client reads the header here, and the
 * queues' backoff (src/queues/job-options.ts) is the one place that acts on it.
 */
export function retryAfterSeconds(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  nowMs: number,
): number | undefined {
  if (!WAIT_STATUSES.has(status)) {
    return undefined;
  }
  const value = first(headers['retry-after'])?.trim();
  if (value === undefined || value === '') {
    return undefined;
  }
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at) || !/\bGMT$/.test(value)) {
    return undefined;
  }
  const date = first(headers.date);
  const dateHeader = date === undefined ? Number.NaN : Date.parse(date);
  const base = Number.isNaN(dateHeader) ? nowMs : dateHeader;
  return Math.max(0, Math.ceil((at - base) / 1000));
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
