import { appendFileSync } from 'node:fs';
import { verdictLine, type Verdict } from './checker';

/**
 * Every fault case reports its verdict here: the line is printed at once, and the verdict is appended to the
 * file the global set-up named, so that one summary line closes the whole `npm run test:faults` run whatever
 * number of spec files it spans (test/setup/fault-summary.js).
 */
export function reportVerdict(verdict: Verdict): void {
  process.stdout.write(`${verdictLine(verdict)}\n`);
  const file = process.env.FAULT_VERDICTS_FILE;
  if (file) {
    appendFileSync(file, `${JSON.stringify(verdict)}\n`);
  }
}
