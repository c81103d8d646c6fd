/**
 * Thrown by a job that is not failing but waiting for something outside (a grace period to pass): the queue's
 * backoff retries it after exactly `waitMs`, without the doubling meant for failures (job-options.ts).
 */
export class WaitBeforeRetry extends Error {
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message);
    this.name = 'WaitBeforeRetry';
  }
}
