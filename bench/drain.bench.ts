/**
 * bench:drain — a backlog of --count small forsendelser seeded at the Brreg simulator, drained by the bridge
 * (its own process, default concurrency) to CONFIRMED; side by side with a naive sequential client. Two rows,
 * each with fresh simulators and a fresh database:
 * - `zero`: the simulators answer at once and the IP's statuses progress with zero delay, so each item costs
 *   only CPU: the row for CPU and PostgreSQL transactions per item;
 * - `latency`: the simulators answer with the latency of real peers (REALISTIC below), so a sequential client
 *   waits most of the time: the row for what concurrency buys.
 * `--sweep 1,2,4,…` also drains the latency row's backlog once per value with FORWARD_CONCURRENCY and
 * CONFIRM_CONCURRENCY both set to it, and draws docs/benchmarks/drain-concurrency.svg.
 * Exits 1 unless every item of every run was confirmed, so a small run (`--smoke`) is a smoke test for CI.
 *
 * `--cpu-prof DIR` writes a CPU profile of the bridge process and of this one (the simulators) over the
 * zero row's drain, and prints the top of each (profile-top.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { SimulatorSet } from '../src/simulator/start-simulators';
import type { IntegrasjonspunktSimulatorOptions } from '../src/simulator/integrasjonspunkt/integrasjonspunkt-sim.options';
import { control, createTestDatabase, startTestSimulators, testKeys } from '../test/support/bridge-harness';
import { writeChart } from './chart';
import { cpuMsOf, flags, parseSize, percentile, printTable, rssOf, sleep, Worker, writeResults } from './common';
import { startCpuProfile } from './cpu-profile';
import type { DrainSetup, NaiveDone } from './drain-worker';
import { bridgeEnv } from './env';
import { PgBackendCpu } from './pg-backend-cpu';
import { formatProfileTop, profileTop } from './profile-top';
import { removeQueueKeys } from './queue-keys';

/**
 * Both polls every second instead of every 60 s and 10 s: in a backlog they add only latency per item (the whole
 * backlog is listed at once, and a feed tick reads every new status), but at the defaults that latency would
 * stretch a run of a minute by a fifth.
 */
const POLL_INTERVALS = { BRREG_POLL_INTERVAL_MS: '1000', EFM_STATUS_POLL_INTERVAL_MS: '1000' };

/** The config schema's defaults, for the labels (the bridge itself runs with whatever it defaults to). */
const DEFAULT_CONCURRENCY = { FORWARD_CONCURRENCY: 48, CONFIRM_CONCURRENCY: 32 };

/**
 * Real peers' latency, per call, added before each simulator handles a request (its shared `latencyMs` fault);
 * LEVERT 2 s after the send (DPO: SENDT at once, MOTTATT after 1 s, LEVERT after another).
 */
const REALISTIC = {
  brregMs: 40,
  ipMs: 15,
  maskinportenMs: 100,
  sendDelayMs: 0,
  statusDelayMs: 1000,
};

const GOALS = {
  latencyItemsPerSecond: 100,
  latencyRatio: 10,
  zeroCpuMsPerItem: 8,
  zeroTransactionsPerItem: 3,
};

type RowName = 'zero' | 'latency';

/** The naive client keeps nothing; its configuration only needs a well-formed URL. */
const NO_DATABASE = 'postgres://postgres@127.0.0.1:5432/unused';

interface Side {
  side: string;
  items: number;
  failed: number;
  seconds: number;
  itemsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  workerCpuPercent: number;
  simulatorsCpuPercent: number;
  /** CPU ms per item of each process involved, over the measured window. */
  cpuMsPerItem: { worker: number; simulators: number; postgres?: number; redis?: number };
  peakRssMiB?: number;
  /** Transactions committed in the bridge's database per item (a single statement counts as one). */
  pgTransactionsPerItem?: number;
}

interface Row {
  row: RowName;
  naive: Side;
  bridge: Side;
  ratio: number;
}

interface SweepPoint {
  concurrency: number;
  count: number;
  bridge: Side;
}

interface BridgeRun {
  count: number;
  timeoutMs: number;
  profileDir?: string;
}

async function main(): Promise<void> {
  const options = flags(
    {
      rows: { default: 'zero,latency' },
      count: { default: '' },
      'naive-count': { default: '' },
      'latency-naive-count': { default: '' },
      'item-size': { default: '32k' },
      'timeout-s': { default: '' },
      'confirm-delay-ms': { default: '0' },
      'bridge-env': { default: '' },
      sweep: { default: '' },
      'sweep-per-slot': { default: '150' },
      'cpu-prof': { default: '' },
    },
    ['smoke'],
  );
  // --smoke: a run of seconds for CI, to keep the bench working; its figures mean nothing.
  const smoke = options.smoke === 'true';
  const rows = options.rows.split(',').map((r) => r.trim()) as RowName[];
  if (rows.length === 0 || rows.some((r) => r !== 'zero' && r !== 'latency')) {
    throw new Error(`--rows: expected zero, latency or both (comma-separated), got "${options.rows}"`);
  }
  const count = Number(options.count || (smoke ? 100 : 10_000));
  const naiveCount = {
    zero: Number(options['naive-count'] || (smoke ? 10 : 200)),
    // About 2.2 s an item: 20 items are 45 s of the naive client.
    latency: Number(options['latency-naive-count'] || (smoke ? 2 : 20)),
  };
  const itemSize = parseSize(options['item-size']);
  const timeoutMs = Number(options['timeout-s'] || (smoke ? 300 : 1800)) * 1000;
  const confirmDelayMs = Number(options['confirm-delay-ms']);
  const extraEnv = parseEnvList(options['bridge-env']);
  const sweep = options.sweep ? options.sweep.split(',').map((v) => positive(v, '--sweep')) : [];
  const perSlot = positive(options['sweep-per-slot'], '--sweep-per-slot');
  const profileDir = options['cpu-prof'] && resolve(options['cpu-prof']);
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
  }
  console.log(
    `bench:drain — rows ${rows.join(', ')}; ${count} forsendelser of ${itemSize} bytes for the bridge, ` +
      `${rows.map((r) => `${naiveCount[r]} (${r})`).join(' and ')} for the naive client; Brreg confirmDelayMs ` +
      `${confirmDelayMs} (the simulator's lock hold, default 50; the same for both sides); bridge with ` +
      `${Object.entries({ ...POLL_INTERVALS, ...extraEnv })
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}, other settings default`,
  );
  console.log(
    `latency row: Brreg ${REALISTIC.brregMs} ms, IP ${REALISTIC.ipMs} ms, Maskinporten ${REALISTIC.maskinportenMs} ` +
      `ms a call; LEVERT ${REALISTIC.sendDelayMs + 2 * REALISTIC.statusDelayMs} ms after the send; both rows without the ` +
      `harness's status commit delay, LEST or ANNET`,
  );
  const results: Row[] = [];
  const sweepPoints: SweepPoint[] = [];
  let failures: string[] = [];
  for (const row of rows) {
    const run = await runRow(row, {
      count,
      naiveCount: naiveCount[row],
      itemSize,
      timeoutMs,
      confirmDelayMs,
      extraEnv,
      profileDir: row === 'zero' ? profileDir : undefined,
      sweep: row === 'latency' ? sweep : [],
      perSlot,
    });
    results.push(run.row);
    sweepPoints.push(...run.sweep);
    failures = [...failures, ...run.failures];
  }

  printSides(results);
  printGoals(results);
  if (sweepPoints.length > 0) {
    printSweep(sweepPoints, extraEnv);
    if (!smoke) {
      console.log(`chart: ${writeSweepChart(sweepPoints, itemSize, perSlot)}`);
    }
  }
  const path = writeResults(smoke ? 'drain-smoke' : 'drain', {
    count,
    naiveCount,
    itemSize,
    confirmDelayMs,
    pollIntervals: POLL_INTERVALS,
    bridgeEnv: extraEnv,
    realistic: REALISTIC,
    goals: GOALS,
    rows: results,
    sweep: sweepPoints,
  });
  console.log(`written: ${path}`);
  if (failures.length > 0) {
    console.error(`not every item was confirmed: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

interface RowOptions {
  count: number;
  naiveCount: number;
  itemSize: number;
  timeoutMs: number;
  confirmDelayMs: number;
  extraEnv: Record<string, string>;
  profileDir?: string;
  sweep: number[];
  perSlot: number;
}

/** One row: its own simulators, the naive client, then the bridge (and the sweep) on fresh databases. */
async function runRow(row: RowName, o: RowOptions): Promise<{ row: Row; sweep: SweepPoint[]; failures: string[] }> {
  console.log(`\n— ${row} row`);
  const keys = await testKeys();
  const ip: Partial<IntegrasjonspunktSimulatorOptions> =
    row === 'zero'
      ? { statusDelayMs: 0, sendDelayMs: 0 }
      : { statusDelayMs: REALISTIC.statusDelayMs, sendDelayMs: REALISTIC.sendDelayMs };
  // Without the tests' unkind IP habits: the zero row must cost only CPU (with them the naive client waited 300 ms
  // an item), and in the latency row REALISTIC already places LEVERT.
  const sims = await startTestSimulators(
    { brreg: { confirmDelayMs: o.confirmDelayMs }, integrasjonspunkt: ip },
    'plain',
  );
  if (row === 'latency') {
    await addLatency(sims);
  }
  const seed = async (n: number) => {
    for (let left = n; left > 0; left -= 10_000) {
      await control(sims.brreg.url, '/forsendelser', {
        body: { orgnr: keys.orgnr, count: Math.min(left, 10_000), kind: 'vedtak', sizeBytes: o.itemSize },
      });
    }
  };
  const failures: string[] = [];
  const check = (label: string, side: Side, expected: number) => {
    if (side.items < expected || side.failed > 0) {
      failures.push(`${label}: ${side.items} of ${expected} confirmed, ${side.failed} failed`);
    }
  };
  // Each drain on its own database and queue prefix, after the previous one emptied /available.
  const drain = async (count: number, env: Record<string, string>, profileDir?: string): Promise<Side> => {
    const db = await createTestDatabase();
    try {
      await seed(count);
      return await bridge(bridgeEnv(sims, keys, db.url, { ...POLL_INTERVALS, ...env }), db.url, {
        count,
        timeoutMs: o.timeoutMs,
        profileDir,
      });
    } finally {
      await db.drop();
    }
  };
  try {
    // The naive client first, so that its items are confirmed (gone from /available) before the bridge starts.
    // It polls a status every 5 ms (zero row) or 100 ms (latency row): at most a poll late, kinder than a script.
    await seed(o.naiveCount);
    const naiveSide = await naive(bridgeEnv(sims, keys, NO_DATABASE), row === 'zero' ? 5 : 100);
    check(`${row} naive`, naiveSide, o.naiveCount);
    const bridgeSide = await drain(o.count, o.extraEnv, o.profileDir);
    check(`${row} bridge`, bridgeSide, o.count);
    const sweep: SweepPoint[] = [];
    for (const concurrency of o.sweep) {
      const count = Math.min(o.count, o.perSlot * concurrency);
      const env = { ...o.extraEnv, FORWARD_CONCURRENCY: String(concurrency), CONFIRM_CONCURRENCY: String(concurrency) };
      console.log(`  sweep: concurrency ${concurrency}, ${count} items`);
      const side = await drain(count, env);
      check(`${row} sweep ${concurrency}`, side, count);
      sweep.push({ concurrency, count, bridge: side });
    }
    return {
      row: { row, naive: naiveSide, bridge: bridgeSide, ratio: bridgeSide.itemsPerSecond / naiveSide.itemsPerSecond },
      sweep,
      failures,
    };
  } finally {
    await sims.close();
  }
}

/** Each simulator's shared `latencyMs` fault: added to every call it answers, before handling it. */
async function addLatency(sims: SimulatorSet): Promise<void> {
  await control(sims.brreg.url, '/faults', { body: { latencyMs: REALISTIC.brregMs } });
  await control(sims.integrasjonspunkt.url, '/faults', { body: { latencyMs: REALISTIC.ipMs } });
  await control(sims.maskinporten.url, '/faults', { body: { latencyMs: REALISTIC.maskinportenMs } });
}

function printSides(rows: Row[]): void {
  const sides = rows.flatMap((r) => [
    { row: r.row, s: r.bridge },
    { row: r.row, s: r.naive },
  ]);
  printTable(
    'drain: discovered → CONFIRMED',
    ['row', 'side', 'items', 'failed', 'seconds', 'items/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'child CPU %'],
    sides.map(({ row, s }) => [
      row,
      s.side,
      s.items,
      s.failed,
      s.seconds.toFixed(1),
      s.itemsPerSecond.toFixed(1),
      s.p50Ms.toFixed(0),
      s.p95Ms.toFixed(0),
      s.p99Ms.toFixed(0),
      s.maxMs.toFixed(0),
      s.workerCpuPercent.toFixed(0),
    ]),
  );
  printTable(
    "CPU ms per item (over the measured window; Redis is the machine's, shared with anything else running) " +
      'and PostgreSQL transactions per item (the bridge, its monitoring queries included)',
    ['row', 'side', 'child', 'postgres', 'redis', 'pipeline', 'simulators', 'pg tx'],
    sides.map(({ row, s }) => {
      const c = s.cpuMsPerItem;
      return [
        row,
        s.side,
        c.worker.toFixed(2),
        c.postgres?.toFixed(2) ?? '-',
        c.redis?.toFixed(2) ?? '-',
        pipelineCpu(s).toFixed(2),
        c.simulators.toFixed(2),
        s.pgTransactionsPerItem?.toFixed(2) ?? '-',
      ];
    }),
  );
  console.log(
    'Bridge: per item from forsendelse.created_at (DISCOVERED) to confirmed_at; items/s = items ÷ (last ' +
      'confirmed_at − first created_at). Naive: per item from its download to its confirm; items/s over its ' +
      'whole loop. pipeline = child + postgres + redis (the naive client has neither).',
  );
}

function printGoals(rows: Row[]): void {
  const lines: (string | number)[][] = [];
  for (const r of rows) {
    if (r.row === 'zero') {
      const cpu = pipelineCpu(r.bridge);
      const tx = r.bridge.pgTransactionsPerItem ?? NaN;
      lines.push(['zero', 'CPU ms per item (bridge + PG + Redis)', `≤ ${GOALS.zeroCpuMsPerItem}`, cpu.toFixed(2)]);
      lines[lines.length - 1].push(met(cpu <= GOALS.zeroCpuMsPerItem), `naive ${pipelineCpu(r.naive).toFixed(2)}`);
      lines.push(['zero', 'PG transactions per item', `≤ ${GOALS.zeroTransactionsPerItem}`, tx.toFixed(2)]);
      lines[lines.length - 1].push(met(tx <= GOALS.zeroTransactionsPerItem), 'naive 0');
    } else {
      const ips = r.bridge.itemsPerSecond;
      lines.push(['latency', 'items/s at default settings', `≥ ${GOALS.latencyItemsPerSecond}`, ips.toFixed(1)]);
      lines[lines.length - 1].push(
        met(ips >= GOALS.latencyItemsPerSecond),
        `naive ${r.naive.itemsPerSecond.toFixed(2)}`,
      );
      lines.push(['latency', 'bridge ÷ naive items/s', `≥ ${GOALS.latencyRatio}×`, `${r.ratio.toFixed(1)}×`]);
      lines[lines.length - 1].push(met(r.ratio >= GOALS.latencyRatio), '');
    }
  }
  printTable('goals (issue 15)', ['row', 'figure', 'goal', 'bridge', 'met', 'beside it'], lines);
}

function printSweep(points: SweepPoint[], extraEnv: Record<string, string>): void {
  printTable(
    `latency row, FORWARD_CONCURRENCY = CONFIRM_CONCURRENCY = n${Object.keys(extraEnv).length > 0 ? ` (and ${JSON.stringify(extraEnv)})` : ''}`,
    ['n', 'items', 'seconds', 'items/s', 'p50 ms', 'p95 ms', 'child CPU %', 'pipeline CPU ms/item', 'pg tx/item'],
    points.map((p) => [
      p.concurrency,
      p.count,
      p.bridge.seconds.toFixed(1),
      p.bridge.itemsPerSecond.toFixed(1),
      p.bridge.p50Ms.toFixed(0),
      p.bridge.p95Ms.toFixed(0),
      p.bridge.workerCpuPercent.toFixed(0),
      pipelineCpu(p.bridge).toFixed(2),
      p.bridge.pgTransactionsPerItem?.toFixed(2) ?? '-',
    ]),
  );
}

function writeSweepChart(points: SweepPoint[], itemSize: number, perSlot: number): string {
  return writeChart('drain-concurrency', {
    title: 'bench:drain, latency row — items/s against concurrency',
    unit: 'forsendelser confirmed per second',
    series: ['bridge items/s'],
    groups: points.map((p) => ({
      label: `${p.concurrency}${p.concurrency === DEFAULT_CONCURRENCY.FORWARD_CONCURRENCY ? ' (forward default)' : ''}`,
      values: [p.bridge.itemsPerSecond],
      goal: GOALS.latencyItemsPerSecond,
    })),
    note:
      `FORWARD_CONCURRENCY = CONFIRM_CONCURRENCY = n; ${perSlot} × n items of ${itemSize / 1024} KiB a run ` +
      `(at most ${Math.max(...points.map((p) => p.count))}); ` +
      `Brreg 40 ms, IP 15 ms, Maskinporten 100 ms a call, LEVERT 2 s after the send. 2 cores.`,
  });
}

function pipelineCpu(s: Side): number {
  const c = s.cpuMsPerItem;
  return c.worker + (c.postgres ?? 0) + (c.redis ?? 0);
}

function met(yes: boolean): string {
  return yes ? 'yes' : 'NO';
}

function positive(text: string, flag: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${flag}: expected positive integers, got "${text}"`);
  }
  return n;
}

/** `A=1,B=2` → `{ A: '1', B: '2' }`. */
function parseEnvList(text: string): Record<string, string> {
  const entries = text
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) {
        throw new Error(`--bridge-env: expected NAME=value pairs, got "${pair}"`);
      }
      return [pair.slice(0, at), pair.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

async function naive(env: Record<string, string>, pollPauseMs: number): Promise<Side> {
  const worker = new Worker('drain-worker.js');
  try {
    const setup: DrainSetup = { type: 'setup', mode: 'naive', env, pollPauseMs };
    worker.send(setup);
    await worker.expect<{ type: 'ready' }>();
    const ownCpu = process.cpuUsage();
    const childCpu = cpuMsOf(worker.pid);
    worker.send({ type: 'go' });
    const done = await worker.expect<NaiveDone>();
    const simsCpu = process.cpuUsage(ownCpu);
    const sorted = [...done.latenciesMs].sort((a, b) => a - b);
    return {
      side: 'naive (sequential)',
      items: done.items,
      failed: 0,
      seconds: done.ms / 1000,
      itemsPerSecond: done.items / (done.ms / 1000),
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? NaN,
      workerCpuPercent: (100 * (cpuMsOf(worker.pid) - childCpu)) / done.ms,
      simulatorsCpuPercent: (100 * (simsCpu.user + simsCpu.system)) / 1000 / done.ms,
      cpuMsPerItem: {
        worker: (cpuMsOf(worker.pid) - childCpu) / done.items,
        simulators: (simsCpu.user + simsCpu.system) / 1000 / done.items,
      },
    };
  } finally {
    await worker.stop();
  }
}

async function bridge(env: Record<string, string>, databaseUrl: string, run: BridgeRun): Promise<Side> {
  const worker = new Worker('drain-worker.js');
  const pg = new Client({ connectionString: databaseUrl });
  const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  try {
    const t0 = performance.now();
    const setup: DrainSetup = { type: 'setup', mode: 'bridge', env };
    worker.send(setup);
    await worker.expect<{ type: 'ready' }>();
    console.log(`  bridge up after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await pg.connect();
    // The measured window starts here: start-up (Nest, migrations) is not per-item work.
    const postgres = new PgBackendCpu(pg);
    await postgres.start();
    const redisAtStart = await redisCpuMs(redis);
    const transactionsAtStart = await committedTransactions(pg);
    const ownCpu = process.cpuUsage();
    const workerCpuAtStart = cpuMsOf(worker.pid);
    const tReady = performance.now();
    let stopOwnProfile: ((file: string) => Promise<void>) | undefined;
    if (run.profileDir) {
      worker.send({ type: 'profile-start' });
      await worker.expect<{ type: 'profiling' }>();
      stopOwnProfile = await startCpuProfile();
    }
    let peakRss = 0;
    let lastPrint = 0;
    for (;;) {
      peakRss = Math.max(peakRss, rssOf(worker.pid));
      await postgres.sample();
      const { rows } = await pg.query<{ state: string; n: string }>(
        'SELECT state, count(*) AS n FROM forsendelse GROUP BY state',
      );
      const byState = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      const finished = (byState.CONFIRMED ?? 0) + (byState.FAILED ?? 0);
      const elapsed = performance.now() - t0;
      if (elapsed - lastPrint >= 5000 || finished >= run.count) {
        lastPrint = elapsed;
        console.log(`  ${(elapsed / 1000).toFixed(0).padStart(4)} s  ${JSON.stringify(byState)}`);
      }
      if (finished >= run.count) {
        break;
      }
      if (elapsed > run.timeoutMs) {
        console.log('  timed out: figures below cover the items confirmed so far');
        break;
      }
      await sleep(500);
    }
    const windowMs = performance.now() - tReady;
    const simsCpu = process.cpuUsage(ownCpu);
    const workerCpuMs = cpuMsOf(worker.pid) - workerCpuAtStart;
    const redisMs = (await redisCpuMs(redis)) - redisAtStart;
    await postgres.sample();
    const transactions = (await committedTransactions(pg)) - transactionsAtStart;
    if (stopOwnProfile && run.profileDir) {
      await printProfiles(worker, stopOwnProfile, run.profileDir);
    }
    const { rows } = await pg.query<{ created: number; confirmed: number }>(
      `SELECT extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM confirmed_at) * 1000 AS confirmed
         FROM forsendelse WHERE state = 'CONFIRMED'`,
    );
    const failed = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM forsendelse WHERE state = 'FAILED'`);
    const latencies = rows.map((r) => Number(r.confirmed) - Number(r.created)).sort((a, b) => a - b);
    const first = Math.min(...rows.map((r) => Number(r.created)));
    const last = Math.max(...rows.map((r) => Number(r.confirmed)));
    const seconds = (last - first) / 1000;
    const items = Math.max(rows.length, 1);
    const simsMs = (simsCpu.user + simsCpu.system) / 1000;
    return {
      side: 'bridge',
      items: rows.length,
      failed: Number(failed.rows[0].n),
      seconds,
      itemsPerSecond: rows.length / seconds,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? NaN,
      workerCpuPercent: (100 * workerCpuMs) / windowMs,
      simulatorsCpuPercent: (100 * simsMs) / windowMs,
      cpuMsPerItem: {
        worker: workerCpuMs / items,
        simulators: simsMs / items,
        postgres: postgres.ms / items,
        redis: redisMs / items,
      },
      peakRssMiB: peakRss / 1024 / 1024,
      pgTransactionsPerItem: transactions / items,
    };
  } finally {
    await pg.end().catch(() => undefined);
    await worker.stop();
    await removeQueueKeys(env.QUEUE_PREFIX).catch(() => undefined);
    redis.disconnect();
  }
}

/** Stops both profiles, writes them into `dir` and prints the top of each. */
async function printProfiles(
  worker: Worker,
  stopOwnProfile: (file: string) => Promise<void>,
  dir: string,
): Promise<void> {
  const bridgeFile = join(dir, 'drain-bridge.cpuprofile');
  const simsFile = join(dir, 'drain-simulators.cpuprofile');
  worker.send({ type: 'profile-stop', file: bridgeFile });
  await worker.expect<{ type: 'profiled' }>();
  await stopOwnProfile(simsFile);
  const tables = [
    formatProfileTop('bridge process', profileTop(bridgeFile)),
    formatProfileTop("simulators' process", profileTop(simsFile)),
  ].join('\n');
  const tablesFile = join(dir, 'drain-profile-top.md');
  writeFileSync(tablesFile, tables);
  console.log(`\n${tables}\nprofiles: ${bridgeFile}, ${simsFile}; these tables: ${tablesFile}`);
}

/** Transactions committed in this database so far (statistics lag by up to a second). */
async function committedTransactions(pg: Client): Promise<number> {
  const { rows } = await pg.query<{ n: string }>(
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0].n);
}

/** CPU ms the Redis server has used so far (all its clients, not only ours). */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_sys') + seconds('used_cpu_user')) * 1000;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
