import { retryAfterSeconds } from './retry-after';

const NOW = Date.parse('2026-03-02T09:15:30Z');

describe('retryAfterSeconds', () => {
  it('reads delay-seconds on a 429 and a 503', () => {
    expect(retryAfterSeconds(429, { 'retry-after': '120' }, NOW)).toBe(120);
    expect(retryAfterSeconds(503, { 'retry-after': ' 0 ' }, NOW)).toBe(0);
  });

  it('reads an HTTP-date against the answer’s Date header, else against now', () => {
    const headers = { 'retry-after': 'Mon, 02 Mar 2026 09:17:30 GMT' };
    expect(retryAfterSeconds(503, headers, NOW)).toBe(120);
    // The peer's clock is a minute behind ours: its Date header says so, and the wait it meant is kept.
    expect(retryAfterSeconds(503, { ...headers, date: 'Mon, 02 Mar 2026 09:14:30 GMT' }, NOW)).toBe(180);
    expect(retryAfterSeconds(429, { 'retry-after': 'Mon, 02 Mar 2026 09:00:00 GMT' }, NOW)).toBe(0);
  });

  it('ignores other statuses, a missing or unreadable value', () => {
    expect(retryAfterSeconds(500, { 'retry-after': '120' }, NOW)).toBeUndefined();
    expect(retryAfterSeconds(429, {}, NOW)).toBeUndefined();
    expect(retryAfterSeconds(429, { 'retry-after': '-5' }, NOW)).toBeUndefined();
    expect(retryAfterSeconds(429, { 'retry-after': '1.5' }, NOW)).toBeUndefined();
    expect(retryAfterSeconds(429, { 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(retryAfterSeconds(429, { 'retry-after': '2026-03-02T09:17:30Z' }, NOW)).toBeUndefined();
  });
});
