import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Names the file every fault case appends its verdict to (test/faults/verdict-log.ts). */
export default function setup(): void {
  process.env.FAULT_VERDICTS_FILE = join(mkdtempSync(join(tmpdir(), 'fault-verdicts-')), 'verdicts.jsonl');
}
