import type { Clock } from '../clock/clock';

export type RepeatedLogLevel = 'warn' | 'error';
export type LogSink = (level: RepeatedLogLevel, fields: Record<string, unknown>) => void;

interface Seen {
  level: RepeatedLogLevel;
  windowStart: number;
  /** Occurrences since the window started that were counted, not logged. */
  suppressed: number;
  last: Record<string, unknown>;
}

export const SUMMARY_INTERVAL_MS = 60_000;

/**
 * The first occurrence of an error is logged in full; the same error again (same key) within the interval is only
 * counted, and at the end of the interval one line says how often it came back, with its last occurrence's fields.
 * A key that stayed quiet for a whole interval is forgotten, so when it returns it is logged in full again. Under
 * Redis memory pressure every worker logs the same error many times a second: 25,000 lines in 9 minutes that hid
 * everything else.
 */
export class RepeatedLog {
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: LogSink,
    private readonly clock: Clock,
    private readonly intervalMs = SUMMARY_INTERVAL_MS,
  ) {}

  record(key: string, level: RepeatedLogLevel, fields: Record<string, unknown>): void {
    this.flushDue();
    const seen = this.seen.get(key);
    if (seen === undefined) {
      this.seen.set(key, { level, windowStart: this.clock.now(), suppressed: 0, last: fields });
      this.sink(level, fields);
      return;
    }
    seen.suppressed += 1;
    seen.last = fields;
  }

  /** Writes the summary of every interval that has ended; called on a timer and before each record. */
  flushDue(): void {
    const now = this.clock.now();
    for (const [key, seen] of this.seen) {
      if (now - seen.windowStart < this.intervalMs) {
        continue;
      }
      if (seen.suppressed === 0) {
        this.seen.delete(key);
        continue;
      }
      this.sink(seen.level, summaryOf(seen, now));
      seen.windowStart = now;
      seen.suppressed = 0;
    }
  }

  /** Looks for ended intervals on a timer, so a summary comes even when the error does not return. */
  start(checkEveryMs = 5_000): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.flushDue(), checkEveryMs);
    this.timer.unref();
  }

  /** At shutdown: no more timer, and what was counted so far is written, so no count is lost. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flushAll();
  }

  /** Summaries of what was counted so far, so no count is lost. */
  flushAll(): void {
    const now = this.clock.now();
    for (const seen of this.seen.values()) {
      if (seen.suppressed > 0) {
        this.sink(seen.level, summaryOf(seen, now));
      }
    }
    this.seen.clear();
  }
}

function summaryOf(seen: Seen, now: number): Record<string, unknown> {
  const seconds = Math.round((now - seen.windowStart) / 1000);
  return {
    ...seen.last,
    msg: `${String(seen.last.msg)} repeated ${seen.suppressed} times in the last ${seconds} s`,
    repeated: seen.suppressed,
    intervalSeconds: seconds,
  };
}

/** An error message without what changes between occurrences of the same error (ids, hashes, counters). */
export function messageKey(message: string): string {
  return message
    .replace(/[0-9a-f]{8,}(-[0-9a-f]{4,})*/gi, '#')
    .replace(/\d+/g, '#')
    .slice(0, 200);
}
