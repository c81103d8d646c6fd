import { JtiReplayGuard } from './jti-replay.guard';

describe('JtiReplayGuard', () => {
  it('remembers a jti per client until a minute after its grant expired', () => {
    const guard = new JtiReplayGuard();
    guard.remember('client-a', 'jti-1', 1_000);
    expect(guard.hasSeen('client-a', 'jti-1', 1_000)).toBe(true);
    expect(guard.hasSeen('client-b', 'jti-1', 1_000)).toBe(false);
    expect(guard.hasSeen('client-a', 'jti-1', 1_060)).toBe(true);
    expect(guard.hasSeen('client-a', 'jti-1', 1_061)).toBe(false);
    expect(guard.size()).toBe(0);
  });

  it('never holds more than its capacity', () => {
    const guard = new JtiReplayGuard(100);
    for (let i = 0; i < 1_000; i++) {
      guard.remember('client', `jti-${i}`, 10_000);
    }
    expect(guard.size()).toBe(100);
    expect(guard.hasSeen('client', 'jti-999', 0)).toBe(true);
    expect(guard.hasSeen('client', 'jti-0', 0)).toBe(false);
  });
});
