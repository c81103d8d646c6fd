import type { z } from 'zod';
import { ALIASES, envSchema, FILE_VARIABLES, SECRET_VARIABLES } from './config.schema';

/** The README's configuration table sits between these two lines; `npm run docs:config` prints it. */
export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

/**
 * Defaults the loader computes from other variables (config.loader.ts). Their descriptions in the schema do
 * not state the rule, so it is written here; a variable whose description says "(default: …)" needs no entry.
 */
export const COMPUTED_DEFAULTS: Readonly<Record<string, string>> = {
  MASKINPORTEN_ISSUER: 'by `MASKINPORTEN_ENV`; none with `MASKINPORTEN_WELL_KNOWN_URL`',
  MASKINPORTEN_TOKEN_URL: 'by `MASKINPORTEN_ENV`; none with `MASKINPORTEN_WELL_KNOWN_URL`',
  BRREG_BASE_URL: 'by `BRREG_ENV`',
};

const DESCRIBED_DEFAULT = /\s*\(default:?\s+([^)]+)\)/;
const NO_DEFAULT = '—';

type Row = [variable: string, defaultValue: string, meaning: string, marker: string];

/** The Markdown table of every variable of `envSchema`, aligned the way Prettier formats it. */
export function renderConfigTable(): string {
  const header: Row = ['variable', 'default', 'meaning', 'secret / `_FILE`'];
  const rows = Object.entries(envSchema.shape).map(([name, schema]) => rowOf(name, schema));
  return formatTable([header, ...rows]);
}

/** The table between the markers of `readme`; undefined when the markers are missing. */
export function extractConfigTable(readme: string): string | undefined {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    return undefined;
  }
  return readme.slice(start + TABLE_START.length, end).trim();
}

/** `readme` with the table between the markers replaced by `table`. */
export function replaceConfigTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README has no ${TABLE_START} … ${TABLE_END} section`);
  }
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

function rowOf(name: string, schema: z.ZodType): Row {
  const description = schema.description ?? '';
  const described = DESCRIBED_DEFAULT.exec(description);
  let meaning = description
    .replace(DESCRIBED_DEFAULT, '')
    .replace(/;\s*secret$/, '')
    .trim();
  if (isRequired(schema)) {
    meaning = `**required**: ${meaning}`;
  }
  const aliases = Object.entries(ALIASES)
    .filter(([, target]) => target === name)
    .map(([alias]) => `\`${alias}\``);
  if (aliases.length > 0) {
    meaning = `${meaning} (also read from ${aliases.join(', ')})`;
  }
  return [`\`${name}\``, defaultCell(name, schema, described?.[1]), escapeCell(meaning), markerOf(name)];
}

function defaultCell(name: string, schema: z.ZodType, describedRule: string | undefined): string {
  const found = findDefault(schema);
  if (found.present) {
    return `\`${String(found.value)}\``;
  }
  const rule = describedRule ?? COMPUTED_DEFAULTS[name];
  return rule === undefined ? NO_DEFAULT : `_${escapeCell(rule)}_`;
}

/**
 * zod 4 keeps a default on a `default` (or `prefault`) node; transforms, pipes, preprocess and optional wrap
 * it, so the walk goes through `innerType` and both sides of a pipe.
 */
function findDefault(schema: z.core.$ZodType): { present: true; value: unknown } | { present: false } {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    defaultValue?: unknown;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    out?: z.core.$ZodType;
  };
  if (def.type === 'default' || def.type === 'prefault') {
    return { present: true, value: def.defaultValue };
  }
  for (const inner of [def.innerType, def.in, def.out]) {
    if (inner !== undefined) {
      const found = findDefault(inner);
      if (found.present) {
        return found;
      }
    }
  }
  return { present: false };
}

/** A variable the application cannot start without: the schema rejects it absent. */
function isRequired(schema: z.ZodType): boolean {
  return !schema.safeParse(undefined).success;
}

function markerOf(name: string): string {
  if ((SECRET_VARIABLES as readonly string[]).includes(name)) {
    return 'secret, `_FILE`';
  }
  if ((FILE_VARIABLES as readonly string[]).includes(name)) {
    return '`_FILE`';
  }
  return '';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function formatTable(rows: readonly Row[]): string {
  const widths = rows[0].map((_, column) => Math.max(3, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
