import { BoundedLog, BoundedMap } from './bounded-log';

describe('BoundedLog', () => {
  it('keeps at most its capacity and counts what aged out', () => {
    const log = new BoundedLog<number>(100);
    for (let i = 0; i < 1000; i++) {
      log.push(i);
    }
    expect(log.all().length).toBeLessThanOrEqual(100);
    expect(log.all().at(-1)).toBe(999);
    expect(log.droppedCount() + log.all().length).toBe(1000);
  });
});

describe('BoundedMap', () => {
  it('forgets the oldest keys past its capacity', () => {
    const map = new BoundedMap<string, number>(3);
    ['a', 'b', 'c', 'd'].forEach((k, i) => map.set(k, i));
    expect([...map.keys()]).toEqual(['b', 'c', 'd']);
  });
});
