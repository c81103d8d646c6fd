import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One cluster of bars (a strategy, a tick) with one value per series and, optionally, its own goal. */
export interface BarGroup {
  label: string;
  values: number[];
  /** Drawn as a dashed line across the group: the group's goal, in the chart's unit. */
  goal?: number;
}

export interface BarChart {
  title: string;
  /** Axis label, e.g. "IP calls per delivered message". */
  unit: string;
  series: string[];
  groups: BarGroup[];
  /** `log` for values spanning decades (calls per message from 0.01 to 10). */
  scale?: 'linear' | 'log';
  /** A note under the chart (what was run, where the figures come from). */
  note?: string;
}

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'];
const WIDTH = 760;
const HEIGHT = 400;
const PLOT = { left: 70, right: 20, top: 60, bottom: 90 };

/** A grouped bar chart as a self-contained SVG (no fonts or scripts from elsewhere). */
export function barChartSvg(chart: BarChart): string {
  const all = chart.groups.flatMap((g) => [...g.values, ...(g.goal === undefined ? [] : [g.goal])]);
  const positive = all.filter((v) => Number.isFinite(v) && v > 0);
  const log = chart.scale === 'log' && positive.length > 0;
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  let y: (v: number) => number;
  let ticks: number[];
  if (log) {
    const lo = Math.floor(Math.log10(Math.min(...positive)));
    const hi = Math.ceil(Math.log10(Math.max(...positive)));
    const span = Math.max(1, hi - lo);
    y = (v) => round(PLOT.top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / span) * plotH);
    ticks = Array.from({ length: span + 1 }, (_, i) => 10 ** (lo + i));
  } else {
    const max = niceCeiling(Math.max(0, ...all.filter(Number.isFinite)));
    y = (v) => round(PLOT.top + plotH - (Math.max(0, v) / max) * plotH);
    ticks = Array.from({ length: 6 }, (_, i) => (max * i) / 5);
  }
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(chart.title)}</text>`,
  );
  for (const tick of ticks) {
    const ty = y(tick);
    parts.push(
      `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${ty}" y2="${ty}" stroke="#e0e0e0"/>`,
      `<text x="${PLOT.left - 6}" y="${ty + 4}" text-anchor="end" fill="#555">${format(tick)}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(16 ${PLOT.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">` +
      `${escape(chart.unit)}${log ? ' (log scale)' : ''}</text>`,
  );
  const groupW = plotW / chart.groups.length;
  const barW = round(Math.min(56, (groupW * 0.7) / chart.series.length));
  chart.groups.forEach((group, gi) => {
    const x0 = round(PLOT.left + gi * groupW + (groupW - barW * chart.series.length) / 2);
    group.values.forEach((value, si) => {
      const x = round(x0 + si * barW);
      if (!Number.isFinite(value)) {
        parts.push(`<text x="${x + barW / 2}" y="${y(0) - 4}" text-anchor="middle" fill="#999">n/a</text>`);
        return;
      }
      const top = y(value);
      parts.push(
        `<rect x="${round(x + 2)}" y="${top}" width="${round(barW - 4)}" height="${round(Math.max(0, y(0) - top))}" ` +
          `fill="${COLOURS[si % COLOURS.length]}"/>`,
        `<text x="${x + barW / 2}" y="${top - 4}" text-anchor="middle" font-size="11">${format(value)}</text>`,
      );
    });
    if (group.goal !== undefined) {
      const gy = y(group.goal);
      const x1 = x0 - 6;
      const x2 = x0 + barW * chart.series.length + 6;
      parts.push(
        `<line x1="${x1}" x2="${x2}" y1="${gy}" y2="${gy}" stroke="#c00" stroke-width="2" stroke-dasharray="6 4"/>`,
        `<text x="${x2}" y="${gy - 4}" text-anchor="end" font-size="10" fill="#c00">goal ${format(group.goal)}</text>`,
      );
    }
    parts.push(
      `<text x="${round(PLOT.left + gi * groupW + groupW / 2)}" y="${PLOT.top + plotH + 18}" text-anchor="middle">` +
        `${escape(group.label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(log ? ticks[0] : 0)}" y2="${y(log ? ticks[0] : 0)}" stroke="#333"/>`,
  );
  const legendY = HEIGHT - PLOT.bottom + 42;
  chart.series.forEach((name, si) => {
    const lx = PLOT.left + si * 170;
    parts.push(
      `<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${COLOURS[si % COLOURS.length]}"/>`,
      `<text x="${lx + 18}" y="${legendY}">${escape(name)}</text>`,
    );
  });
  if (chart.note) {
    parts.push(`<text x="${PLOT.left}" y="${HEIGHT - 14}" font-size="10" fill="#666">${escape(chart.note)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes `docs/benchmarks/<name>.svg` in the repository; returns its path. */
export function writeChart(name: string, chart: BarChart): string {
  const dir = join(__dirname, '..', '..', 'docs', 'benchmarks');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.svg`);
  writeFileSync(path, barChartSvg(chart));
  return path;
}

/** One decimal is finer than a pixel; more only makes the file noisy. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function niceCeiling(value: number): number {
  if (value <= 0) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= value) ?? 10;
  return step * power;
}

function format(value: number): string {
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  if (abs >= 100) {
    return value.toFixed(0);
  }
  if (abs >= 10) {
    return value.toFixed(1).replace(/\.0$/, '');
  }
  if (abs >= 1) {
    return value.toFixed(2).replace(/\.?0+$/, '');
  }
  return value.toPrecision(2);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One line of a line chart: points in the chart's x and y units, drawn in order. */
export interface LineSeries {
  name: string;
  points: [x: number, y: number][];
}

export interface LineChart {
  title: string;
  xUnit: string;
  yUnit: string;
  series: LineSeries[];
  /** A dashed horizontal line: the goal, in the y unit. */
  goal?: { value: number; label: string };
  note?: string;
}

/** A line chart as a self-contained SVG, linear axes from 0. */
export function lineChartSvg(chart: LineChart): string {
  const xs = chart.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = [...chart.series.flatMap((s) => s.points.map(([, y]) => y)), chart.goal?.value ?? 0];
  const xMax = niceCeiling(Math.max(0, ...xs.filter(Number.isFinite)));
  const yMax = niceCeiling(Math.max(0, ...ys.filter(Number.isFinite)));
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const x = (v: number) => PLOT.left + (Math.max(0, v) / xMax) * plotW;
  const y = (v: number) => PLOT.top + plotH - (Math.max(0, v) / yMax) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const ty = y((yMax * i) / 5);
    const tx = x((xMax * i) / 5);
    parts.push(
      `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${ty}" y2="${ty}" stroke="#e0e0e0"/>`,
      `<text x="${PLOT.left - 6}" y="${ty + 4}" text-anchor="end" fill="#555">${format((yMax * i) / 5)}</text>`,
      `<text x="${tx}" y="${PLOT.top + plotH + 16}" text-anchor="middle" fill="#555">${format((xMax * i) / 5)}</text>`,
    );
  }
  parts.push(
    `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`,
    `<text transform="translate(16 ${PLOT.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">` +
      `${escape(chart.yUnit)}</text>`,
    `<text x="${PLOT.left + plotW / 2}" y="${PLOT.top + plotH + 34}" text-anchor="middle" fill="#333">` +
      `${escape(chart.xUnit)}</text>`,
  );
  if (chart.goal) {
    const gy = y(chart.goal.value);
    parts.push(
      `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${gy}" y2="${gy}" stroke="#c00" stroke-width="2" ` +
        `stroke-dasharray="6 4"/>`,
      `<text x="${WIDTH - PLOT.right}" y="${gy - 4}" text-anchor="end" font-size="10" fill="#c00">` +
        `${escape(chart.goal.label)}</text>`,
    );
  }
  chart.series.forEach((series, si) => {
    const path = series.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${COLOURS[si % COLOURS.length]}" stroke-width="1.5"/>`);
  });
  const legendY = HEIGHT - PLOT.bottom + 58;
  chart.series.forEach((series, si) => {
    const lx = PLOT.left + si * 170;
    parts.push(
      `<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${COLOURS[si % COLOURS.length]}"/>`,
      `<text x="${lx + 18}" y="${legendY}">${escape(series.name)}</text>`,
    );
  });
  if (chart.note) {
    parts.push(`<text x="${PLOT.left}" y="${HEIGHT - 10}" font-size="10" fill="#666">${escape(chart.note)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes `docs/benchmarks/<name>.svg` from a line chart; returns its path. */
export function writeLineChart(name: string, chart: LineChart): string {
  const dir = join(__dirname, '..', '..', 'docs', 'benchmarks');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.svg`);
  writeFileSync(path, lineChartSvg(chart));
  return path;
}
