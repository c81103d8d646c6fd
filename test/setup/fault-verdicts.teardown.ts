import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { summaryLine, type Verdict } from '../faults/checker';

/** One summary line over the verdicts of every spec file of the run: the last line of `npm run test:faults`. */
export default function teardown(): void {
  const file = process.env.FAULT_VERDICTS_FILE;
  if (!file || !existsSync(file)) {
    return;
  }
  const verdicts = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Verdict);
  process.stdout.write(`\n${summaryLine(verdicts)}\n`);
  rmSync(dirname(file), { recursive: true, force: true });
}
