import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The domain's folders under src/: the metrics registry must stay a leaf that any of them can import. */
const DOMAIN = [
  'admin',
  'brreg',
  'eformidling',
  'forsendelse',
  'maskinporten',
  'melding',
  'reconcile',
  'retention',
  'tracking',
];

function importsOf(file: string): string[] {
  const source = readFileSync(join(__dirname, file), 'utf8');
  return [...source.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
}

describe('the metrics module', () => {
  it.each(['metrics.ts', 'metrics.module.ts', 'shared-health.ts'])('%s imports nothing of the domain', (file) => {
    const imports = importsOf(file);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((path) => DOMAIN.some((folder) => path.startsWith(`../${folder}/`)))).toEqual([]);
  });
});
