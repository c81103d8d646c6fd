import { ManualClock } from '../../test/support/manual-clock';
import { messageKey, RepeatedLog, type RepeatedLogLevel } from './repeated-log';

describe('RepeatedLog', () => {
  let clock: ManualClock;
  let lines: { level: RepeatedLogLevel; fields: Record<string, unknown> }[];
  let log: RepeatedLog;

  beforeEach(() => {
    clock = new ManualClock();
    lines = [];
    log = new RepeatedLog((level, fields) => lines.push({ level, fields }), clock, 60_000);
  });

  it('logs the first occurrence at once and counts the rest into one summary per interval', () => {
    for (let i = 0; i < 1000; i++) {
      log.record('worker error|OOM', 'warn', { msg: 'worker error', queue: i % 2 ? 'forward' : 'track', n: i });
      clock.advance(50);
    }
    // 1000 occurrences over 50 s: only the first is written so far.
    expect(lines).toEqual([{ level: 'warn', fields: { msg: 'worker error', queue: 'track', n: 0 } }]);

    clock.advance(10_000);
    log.flushDue();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({
      level: 'warn',
      fields: {
        msg: 'worker error repeated 999 times in the last 60 s',
        queue: 'forward',
        n: 999,
        repeated: 999,
        intervalSeconds: 60,
      },
    });
  });

  it('keeps the kinds apart', () => {
    log.record('a', 'warn', { msg: 'queue error' });
    log.record('b', 'error', { msg: 'job failed' });
    log.record('a', 'warn', { msg: 'queue error' });
    log.record('b', 'error', { msg: 'job failed' });
    log.record('b', 'error', { msg: 'job failed' });
    clock.advance(60_000);
    log.flushDue();
    expect(lines.map((l) => [l.level, l.fields.msg])).toEqual([
      ['warn', 'queue error'],
      ['error', 'job failed'],
      ['warn', 'queue error repeated 1 times in the last 60 s'],
      ['error', 'job failed repeated 2 times in the last 60 s'],
    ]);
  });

  it('writes nothing for an interval without repeats, and logs a key in full again after a quiet interval', () => {
    log.record('a', 'warn', { msg: 'worker error' });
    clock.advance(61_000);
    log.flushDue();
    expect(lines).toHaveLength(1);
    log.record('a', 'warn', { msg: 'worker error', again: true });
    expect(lines.map((l) => l.fields)).toEqual([{ msg: 'worker error' }, { msg: 'worker error', again: true }]);
  });

  it('summarises an ended interval on the next occurrence even without the timer', () => {
    log.record('a', 'warn', { msg: 'worker error' });
    log.record('a', 'warn', { msg: 'worker error' });
    clock.advance(90_000);
    log.record('a', 'warn', { msg: 'worker error' });
    expect(lines.map((l) => l.fields.msg)).toEqual(['worker error', 'worker error repeated 1 times in the last 90 s']);
  });

  it('writes what is counted at shutdown', () => {
    log.record('a', 'warn', { msg: 'worker error' });
    log.record('a', 'warn', { msg: 'worker error' });
    clock.advance(5_000);
    log.flushAll();
    expect(lines.map((l) => l.fields.msg)).toEqual(['worker error', 'worker error repeated 1 times in the last 5 s']);
  });

  it('keys messages without what changes between occurrences', () => {
    expect(
      messageKey(
        "OOM command not allowed when used memory > 'maxmemory'. script: d96ca626f1ea141b44a856b312fc636d99aa9ea9, on @user_script:217.",
      ),
    ).toBe(
      messageKey(
        "OOM command not allowed when used memory > 'maxmemory'. script: 1e9bb7deb6219644a634d32c430ce15ed39a377e, on @user_script:119.",
      ),
    );
    expect(messageKey('Missing key for job 42')).not.toBe(messageKey('Missing lock for job 42'));
  });
});
