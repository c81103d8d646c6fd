import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPUTED_DEFAULTS, extractConfigTable, renderConfigTable, replaceConfigTable } from './config-table';
import { envSchema, FILE_VARIABLES, SECRET_VARIABLES } from './config.schema';

const README = join(__dirname, '..', '..', 'README.md');

/** One row per table line, each cell trimmed: Prettier may re-pad the columns without changing the table. */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/^-+$/, '---')),
    );
}

function rowOf(table: string, variable: string): string[] | undefined {
  return cells(table).find((row) => row[0] === `\`${variable}\``);
}

describe('the configuration table', () => {
  const table = renderConfigTable();

  it('in README.md is the one generated from the schema (npm run docs:config -- --write)', () => {
    const inReadme = extractConfigTable(readFileSync(README, 'utf8'));
    expect(inReadme).toBeDefined();
    expect(cells(inReadme ?? '')).toEqual(cells(table));
  });

  it('has a row for every variable of the schema, in its order', () => {
    const variables = cells(table)
      .slice(2)
      .map((row) => row[0]);
    expect(variables).toEqual(Object.keys(envSchema.shape).map((name) => `\`${name}\``));
  });

  it("shows the schema's defaults, the described or computed ones, and — where there is none", () => {
    expect(rowOf(table, 'PORT')?.[1]).toBe('`3000`');
    expect(rowOf(table, 'DATABASE_MIGRATE')?.[1]).toBe('`true`');
    expect(rowOf(table, 'MASKINPORTEN_SCOPE')?.[1]).toBe('`brreg:mottak`');
    expect(rowOf(table, 'EFM_RECEIVER_ORGNR')?.[1]).toBe('_the sender_');
    expect(rowOf(table, 'EFM_PROCESS')?.[1]).toBe('_by message type_');
    expect(rowOf(table, 'MASKINPORTEN_ISSUER')?.[1]).toContain('MASKINPORTEN_ENV');
    expect(rowOf(table, 'BRREG_TJENESTE')?.[1]).toBe('—');
    expect(rowOf(table, 'MASKINPORTEN_CLIENT_ID')?.[2]).toMatch(/^\*\*required\*\*/);
  });

  it('marks every secret and every variable that accepts <NAME>_FILE', () => {
    for (const name of Object.keys(envSchema.shape)) {
      const marker = rowOf(table, name)?.[3] ?? '';
      expect([name, marker.includes('secret')]).toEqual([name, (SECRET_VARIABLES as readonly string[]).includes(name)]);
      expect([name, marker.includes('`_FILE`')]).toEqual([name, (FILE_VARIABLES as readonly string[]).includes(name)]);
    }
  });

  it('names only schema variables among the computed defaults', () => {
    expect(Object.keys(COMPUTED_DEFAULTS).filter((name) => !(name in envSchema.shape))).toEqual([]);
  });

  it('is put between the markers without touching the rest of the README', () => {
    const readme = 'before\n<!-- config-table:start -->\nold\n<!-- config-table:end -->\nafter\n';
    const updated = replaceConfigTable(readme, '| a |');
    expect(updated).toBe('before\n<!-- config-table:start -->\n\n| a |\n\n<!-- config-table:end -->\nafter\n');
    expect(extractConfigTable(updated)).toBe('| a |');
  });
});
