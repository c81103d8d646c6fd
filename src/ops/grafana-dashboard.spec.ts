import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DASHBOARD = join(ROOT, 'docs', 'grafana', 'brreg-efm-bridge.json');
// Helm reads only files inside the chart, so the chart ships a copy.
const CHART_COPY = join(ROOT, 'helm', 'brreg-efm-bridge', 'dashboards', 'brreg-efm-bridge.json');
const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum'];

/** name → type of every series declared in metrics.ts (`new Gauge({ name: 'bridge_…'`). */
function declaredMetrics(): Map<string, string> {
  const source = readFileSync(join(__dirname, 'metrics.ts'), 'utf8');
  const found = [...source.matchAll(/new (Counter|Gauge|Histogram)\(\{\s*name: '(bridge_[a-z_]+)'/g)];
  return new Map(found.map(([, type, name]) => [name, type]));
}

interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
}

interface Panel {
  title?: string;
  type: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every PromQL text of the dashboard: panel targets and template-variable queries. */
function promqlOf(dashboard: Dashboard): string[] {
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
  const variables = dashboard.templating.list.map((v) => v.definition ?? '');
  return [...exprs, ...variables].filter((q) => q !== '');
}

/** The declared series a name in a query refers to, allowing a histogram's _bucket/_count/_sum. */
function seriesOf(name: string, declared: Map<string, string>): string | undefined {
  if (declared.has(name)) {
    return name;
  }
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  const base = suffix === undefined ? undefined : name.slice(0, -suffix.length);
  return base !== undefined && declared.get(base) === 'Histogram' ? base : undefined;
}

describe('the Grafana dashboard', () => {
  const text = readFileSync(DASHBOARD, 'utf8');
  const dashboard = JSON.parse(text) as Dashboard;
  const declared = declaredMetrics();
  const queries = promqlOf(dashboard);
  const referenced = [...new Set(queries.flatMap((q) => q.match(/bridge_[a-z_]+/g) ?? []))];

  it('ships in the Helm chart as an identical copy', () => {
    expect(readFileSync(CHART_COPY, 'utf8')).toBe(text);
  });

  it('finds the series of metrics.ts', () => {
    expect(declared.size).toBeGreaterThanOrEqual(10);
  });

  it('queries only series that metrics.ts declares', () => {
    expect(referenced.length).toBeGreaterThan(0);
    expect(referenced.filter((name) => seriesOf(name, declared) === undefined)).toEqual([]);
  });

  it('shows every series that metrics.ts declares', () => {
    const shown = new Set(referenced.map((name) => seriesOf(name, declared)));
    expect([...declared.keys()].filter((name) => !shown.has(name))).toEqual([]);
  });

  it('takes its Prometheus data source from the ${datasource} variable', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const datasources = datasourcesIn(dashboard).filter((d) => d.type !== 'grafana');
    expect(datasources.length).toBeGreaterThan(0);
    expect(datasources.filter((d) => d.type !== 'prometheus' || d.uid !== '${datasource}')).toEqual([]);
  });
});

/** Every `datasource` object anywhere in the dashboard. */
function datasourcesIn(node: unknown): { type?: string; uid?: string }[] {
  if (Array.isArray(node)) {
    return node.flatMap(datasourcesIn);
  }
  if (node === null || typeof node !== 'object') {
    return [];
  }
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'datasource' && value !== null && typeof value === 'object'
      ? [value as { type?: string; uid?: string }]
      : datasourcesIn(value),
  );
}
