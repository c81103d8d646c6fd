import type { JobsOptions } from 'bullmq';
import { retryAfterOf } from '../http/peer-error';
import { WaitBeforeRetry } from './wait-before-retry';

/** At most five minutes between tries: a peer back after an outage is noticed soon. */
const MAX_BACKOFF_MS = 5 * 60_000;

/** The custom backoff types this strategy serves (BullMQ hands every non-builtin type to it). */
export const BackoffType = { Work: 'work', Recheck: 'recheck' } as const;

/**
 * Work: 2 s, 4 s, 8 s … capped at 5 min. With WORK_JOB_OPTIONS.attempts that is about a day of retries: a peer
 * that is down for hours must not turn into a FAILED forsendelse, and a permanent error is thrown as
 * UnrecoverableError (no retries) after the reason is recorded on the row. Recheck: 1 s, 2 s, 4 s. Either way a
 * 429/503 with Retry-After (from any peer, also as the cause of another error) is waited out before the next
 * try: this is where a job honours it (a status read also pauses the whole track queue: track.processor.ts). A job
 * that only waits (WaitBeforeRetry) is retried after exactly the time it asked for.
 */
export function backoffStrategy(attemptsMade: number, type?: string, error?: Error): number {
  if (error instanceof WaitBeforeRetry) {
    return error.waitMs;
  }
  const doubling = 2 ** Math.max(attemptsMade - 1, 0);
  const backoff = type === BackoffType.Recheck ? 1_000 * doubling : Math.min(2_000 * doubling, MAX_BACKOFF_MS);
  const retryAfter = retryAfterOf(error);
  return retryAfter === undefined ? backoff : Math.max(backoff, retryAfter * 1000);
}

/**
 * Completed jobs are removed so the same deterministic id can be enqueued again later (a new attempt, a
 * reconcile); failed ones are kept a while for the dashboard.
 */
export const WORK_JOB_OPTIONS: JobsOptions = {
  attempts: 300,
  backoff: { type: BackoffType.Work },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Scheduled ticks: one try each; the next tick is the retry. */
export const TICK_JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};

/** Re-reads of statuses: a few quick tries, and never an unbounded pile in Redis while the IP is down. */
export const RECHECK_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: BackoffType.Recheck },
  removeOnComplete: true,
  removeOnFail: { count: 100 },
};

/** Worker settings every processor uses, so the custom backoff applies. */
export const WORKER_SETTINGS = { backoffStrategy };
