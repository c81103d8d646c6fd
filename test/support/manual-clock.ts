import { Clock } from '../../src/clock/clock';

/** Real time plus an offset the test moves, so grants stay valid for a simulator that shares the offset. */
export class ManualClock extends Clock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
