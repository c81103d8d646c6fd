#!/usr/bin/env node
// Pulls the Prometheus rule groups out of rendered manifests (`helm template … | node scripts/extract-rules.mjs`),
// as a rule file promtool reads: `{ groups: spec.groups }` of every PrometheusRule, in order.
//
//   node scripts/extract-rules.mjs [file]   (stdin without a file)
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';

const text = readFileSync(process.argv[2] ?? 0, 'utf8');
const groups = parseAllDocuments(text)
  .map((d) => d.toJS())
  .filter((doc) => doc?.kind === 'PrometheusRule')
  .flatMap((doc) => doc.spec?.groups ?? []);
if (groups.length === 0) {
  console.error('no PrometheusRule with spec.groups in the input (is metrics.prometheusRule.enabled set?)');
  process.exit(1);
}
process.stdout.write(stringify({ groups }, { lineWidth: 0 }));
