import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigTable, replaceConfigTable } from './config-table';

// npm run docs:config             prints the README's configuration table
// npm run docs:config -- --write  replaces it in README.md (between the config-table markers)
const table = renderConfigTable();
if (process.argv.includes('--write')) {
  // dist/src/config/ → the repository root
  const readmePath = join(__dirname, '..', '..', '..', 'README.md');
  writeFileSync(readmePath, replaceConfigTable(readFileSync(readmePath, 'utf8'), table));
  process.stdout.write(`updated ${readmePath}\n`);
} else {
  process.stdout.write(`${table}\n`);
}
