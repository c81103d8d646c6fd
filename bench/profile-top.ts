/**
 * The top of a V8 CPU profile (`node --cpu-prof`): self time by function and by area (package, Node internals,
 * our modules), as Markdown tables. `node dist-bench/bench/profile-top.js FILE.cpuprofile [--top 15]`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  label: string;
  ms: number;
}

export interface ProfileTop {
  totalMs: number;
  idleMs: number;
  byFunction: SelfTime[];
  byArea: SelfTime[];
}

/** Where a frame's code lives, short: `pg-protocol/dist/parser.js`, `src/forsendelse/…`, `node:internal/…`. */
function location(url: string): string {
  if (url === '') {
    return '';
  }
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    return path.slice(inModules + '/node_modules/'.length);
  }
  const inRepo = /\/(?:dist-bench|dist)\/((?:src|bench|test|migrations)\/.*)$/.exec(path);
  return inRepo ? inRepo[1] : relative(process.cwd(), path);
}

/** The area a frame is charged to: an npm package, a Node internal module, one of our folders, or V8 itself. */
function area(frame: CallFrame): string {
  if (frame.url === '') {
    return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  }
  const where = location(frame.url);
  if (where.startsWith('node:')) {
    return where.replace(/^(node:(?:internal\/)?[^/]+).*$/, '$1');
  }
  const inModules = frame.url.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const [first, second] = where.split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const ours = /^((?:src|bench|test)\/[^/]+)/.exec(where);
  return ours ? ours[1] : where;
}

function sorted(map: Map<string, number>): SelfTime[] {
  return [...map.entries()].map(([label, ms]) => ({ label, ms })).sort((a, b) => b.ms - a.ms);
}

/** The profiler's own start and stop (cpu-profile.ts and below): not the profiled program's work. */
function profilerNodes(nodes: readonly ProfileNode[]): Set<number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const found = new Set<number>();
  const mark = (id: number): void => {
    found.add(id);
    for (const child of byId.get(id)?.children ?? []) {
      mark(child);
    }
  };
  for (const node of nodes) {
    if (node.callFrame.url.endsWith('/bench/cpu-profile.js') && !found.has(node.id)) {
      mark(node.id);
    }
  }
  return found;
}

export function profileTop(file: string): ProfileTop {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const profiler = profilerNodes(profile.nodes);
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idleMs = 0;
  // timeDeltas[i] is the time from sample i-1 to sample i; V8's own tools charge it to sample i.
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!frame || profiler.has(profile.samples[i])) {
      continue;
    }
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const where = location(frame.url);
    const label = `${frame.functionName || '(anonymous)'}${where ? ` ${where}:${frame.lineNumber + 1}` : ''}`;
    functions.set(label, (functions.get(label) ?? 0) + ms);
    areas.set(area(frame), (areas.get(area(frame)) ?? 0) + ms);
  }
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    idleMs,
    byFunction: sorted(functions),
    byArea: sorted(areas),
  };
}

/** Two Markdown tables (by area, by function), percentages of the busy (non-idle) time. */
export function formatProfileTop(title: string, top: ProfileTop, rows = 15): string {
  const busy = top.totalMs - top.idleMs;
  const table = (heading: string, items: SelfTime[]) => [
    `| ${heading} | self ms | % of busy |`,
    '|---|---:|---:|',
    ...items
      .slice(0, rows)
      .map(
        (t) => `| \`${t.label.replace(/\|/g, '\\|')}\` | ${t.ms.toFixed(0)} | ${((100 * t.ms) / busy).toFixed(1)} |`,
      ),
  ];
  return [
    `### ${title}`,
    '',
    `profile ${(top.totalMs / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s ` +
      `(${((100 * busy) / top.totalMs).toFixed(0)} %), idle ${(top.idleMs / 1000).toFixed(1)} s. V8 samples ` +
      'the wall clock: on a loaded machine "busy" includes time the thread waited for a CPU, and a system ' +
      'call (writev: a socket write) is charged with the work the kernel does for it.',
    '',
    ...table('area (self time)', top.byArea),
    '',
    ...table('function (self time)', top.byFunction),
    '',
  ].join('\n');
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '15' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error('usage: profile-top FILE.cpuprofile [FILE…] [--top 15]');
    process.exit(2);
  }
  for (const file of positionals) {
    console.log(formatProfileTop(file, profileTop(file), Number(values.top)));
  }
}
