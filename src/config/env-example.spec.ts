import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractConfigTable } from './config-table';
import { ALIASES, FILE_VARIABLES } from './config.schema';

const ROOT = join(__dirname, '..', '..');

/** The variables a `.env` line sets or shows commented out (`NAME=…` or `# NAME=…`). */
function variablesOf(envFile: string): string[] {
  return [...envFile.matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
}

/** The first column of the README's configuration table. */
function tableVariables(readme: string): string[] {
  const table = extractConfigTable(readme) ?? '';
  return [...table.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1]);
}

describe('.env.example', () => {
  const listed = variablesOf(readFileSync(join(ROOT, '.env.example'), 'utf8'));
  const documented = tableVariables(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  it('lists every variable of the README table (itself or its _FILE form)', () => {
    expect(documented.length).toBeGreaterThan(40);
    const missing = documented.filter((name) => !listed.includes(name) && !listed.includes(`${name}_FILE`));
    expect(missing).toEqual([]);
  });

  it('lists nothing the bridge does not read', () => {
    const known = new Set([...documented, ...FILE_VARIABLES.map((name) => `${name}_FILE`), ...Object.keys(ALIASES)]);
    expect(listed.filter((name) => !known.has(name))).toEqual([]);
  });

  it('names each variable once', () => {
    expect(listed.filter((name, i) => listed.indexOf(name) !== i)).toEqual([]);
  });
});
