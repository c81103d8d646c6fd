import { BrregError } from '../brreg/brreg.errors';
import { IpError } from '../eformidling/integrasjonspunkt.errors';
import { BackoffType, backoffStrategy } from './job-options';
import { WaitBeforeRetry } from './wait-before-retry';

describe('backoffStrategy', () => {
  it('doubles from 2 s for work, capped at 5 min, and from 1 s for re-reads', () => {
    expect([1, 2, 3].map((n) => backoffStrategy(n, BackoffType.Work))).toEqual([2_000, 4_000, 8_000]);
    expect(backoffStrategy(20, BackoffType.Work)).toBe(300_000);
    expect([1, 2, 3].map((n) => backoffStrategy(n, BackoffType.Recheck))).toEqual([1_000, 2_000, 4_000]);
  });

  it('waits at least the Retry-After a peer gave, also when its error is the cause of another', () => {
    const ip = new IpError('retryable', 'upload answered 429', {
      operation: 'upload',
      status: 429,
      retryAfterSeconds: 90,
    });
    expect(backoffStrategy(1, BackoffType.Work, ip)).toBe(90_000);
    expect(backoffStrategy(1, BackoffType.Recheck, ip)).toBe(90_000);
    expect(backoffStrategy(1, BackoffType.Work, new Error('resuming on retry', { cause: ip }))).toBe(90_000);
    const brreg = new BrregError('retryable', 'available answered 503', {
      operation: 'available',
      status: 503,
      retryAfterSeconds: 1,
    });
    // A wait shorter than the backoff changes nothing.
    expect(backoffStrategy(3, BackoffType.Work, brreg)).toBe(8_000);
  });

  it('retries a job that only waits after exactly the time it asked for, however many tries came before', () => {
    const waiting = new WaitBeforeRetry('grace not over', 1_500);
    expect([1, 5, 40].map((n) => backoffStrategy(n, BackoffType.Work, waiting))).toEqual([1_500, 1_500, 1_500]);
  });
});
