/**
 * bench:drain — a backlog of --count small forsendelser seeded at the Brreg simulator, drained by the bridge
 * (its own process, default concurrency) to CONFIRMED; side by side with a naive sequential client on
 * --naive-count items. The IP simulator progresses statuses with zero delay. Exits 1 unless every item of
 * both sides was confirmed, so a small run (`--smoke`: 100 and 10 items) is a smoke test for CI.
 *
 * `--cpu-prof DIR` writes a CPU profile of the bridge process and of this one (the simulators) over the
 * bridge's drain, and prints the top of each (profile-top.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { control, createTestDatabase, startTestSimulators, testKeys } from '../test/support/bridge-harness';
import { cpuMsOf, flags, parseSize, percentile, printTable, rssOf, sleep, Worker, writeResults } from './common';
import { startCpuProfile } from './cpu-profile';
import type { DrainSetup, NaiveDone } from './drain-worker';
import { bridgeEnv } from './env';
import { PgBackendCpu } from './pg-backend-cpu';
import { formatProfileTop, profileTop } from './profile-top';
import { removeQueueKeys } from './queue-keys';

const POLL_INTERVALS = { BRREG_POLL_INTERVAL_MS: '1000', EFM_STATUS_POLL_INTERVAL_MS: '1000' };

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

interface BridgeRun {
  count: number;
  timeoutMs: number;
  profileDir: string;
}

async function main(): Promise<void> {
  const options = flags(
    {
      count: { default: '' },
      'naive-count': { default: '' },
      'item-size': { default: '32k' },
      'timeout-s': { default: '' },
      'confirm-delay-ms': { default: '0' },
      'cpu-prof': { default: '' },
    },
    ['smoke'],
  );
  // --smoke: a run of seconds for CI, to keep the bench working; its figures mean nothing.
  const smoke = options.smoke === 'true';
  const count = Number(options.count || (smoke ? 100 : 10_000));
  const naiveCount = Number(options['naive-count'] || (smoke ? 10 : 200));
  const itemSize = parseSize(options['item-size']);
  const timeoutMs = Number(options['timeout-s'] || (smoke ? 300 : 1800)) * 1000;
  const confirmDelayMs = Number(options['confirm-delay-ms']);
  const profileDir = options['cpu-prof'] && resolve(options['cpu-prof']);
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
  }
  console.log(
    `bench:drain — ${count} forsendelser of ${itemSize} bytes for the bridge, ${naiveCount} for the naive client; ` +
      `IP statusDelayMs 0, sendDelayMs 0; Brreg confirmDelayMs ${confirmDelayMs} (the simulator's lock hold, ` +
      `default 50; the same for both sides); bridge with ${Object.entries(POLL_INTERVALS)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}, other settings default (FORWARD_CONCURRENCY 4, CONFIRM_CONCURRENCY 4)`,
  );
  const keys = await testKeys();
  const sims = await startTestSimulators({
    brreg: { confirmDelayMs },
    integrasjonspunkt: { statusDelayMs: 0, sendDelayMs: 0 },
  });
  const db = await createTestDatabase();
  const seed = async (n: number) => {
    for (let left = n; left > 0; left -= 10_000) {
      await control(sims.brreg.url, '/forsendelser', {
        body: { orgnr: keys.orgnr, count: Math.min(left, 10_000), kind: 'vedtak', sizeBytes: itemSize },
      });
    }
  };
  const sides: Side[] = [];
  try {
    // The naive client first, so that its items are confirmed (gone from /available) before the bridge starts.
    await seed(naiveCount);
    sides.push(await naive(bridgeEnv(sims, keys, db.url)));
    await seed(count);
    sides.push(await bridge(bridgeEnv(sims, keys, db.url, POLL_INTERVALS), db.url, { count, timeoutMs, profileDir }));
  } finally {
    await sims.close();
    await db.drop();
  }
  const [naiveSide, bridgeSide] = sides;
  const ratio = bridgeSide.itemsPerSecond / naiveSide.itemsPerSecond;
  printTable(
    'drain: discovered → CONFIRMED',
    [
      'side',
      'items',
      'failed',
      'seconds',
      'items/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'child CPU %',
      'sims CPU %',
    ],
    sides.map((s) => [
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
      s.simulatorsCpuPercent.toFixed(0),
    ]),
  );
  printTable(
    "CPU ms per item (over the measured window; Redis is the machine's, shared with anything else running)",
    ['side', 'child', 'simulators', 'postgres backends', 'redis', 'sum'],
    sides.map((s) => {
      const c = s.cpuMsPerItem;
      const sum = c.worker + c.simulators + (c.postgres ?? 0) + (c.redis ?? 0);
      return [s.side, c.worker, c.simulators, c.postgres ?? '-', c.redis ?? '-', sum].map((v) =>
        typeof v === 'number' ? v.toFixed(2) : v,
      );
    }),
  );
  console.log(
    `PostgreSQL transactions per item (bridge, its monitoring queries included): ` +
      `${bridgeSide.pgTransactionsPerItem?.toFixed(1)}`,
  );
  console.log(
    `ratio bridge ÷ naive: ${ratio.toFixed(1)}× (goals: ≥ 100 items/s and ≥ 10×). Bridge: per item from ` +
      `forsendelse.created_at (DISCOVERED) to confirmed_at; items/s = items ÷ (last confirmed_at − first ` +
      `created_at). Naive: per item from its download to its confirm; items/s over its whole loop.`,
  );
  const path = writeResults('drain', {
    count,
    naiveCount,
    itemSize,
    confirmDelayMs,
    pollIntervals: POLL_INTERVALS,
    ratio,
    sides,
  });
  console.log(`written: ${path}`);
  const incomplete = [
    naiveSide.items < naiveCount && `naive: ${naiveSide.items} of ${naiveCount}`,
    (bridgeSide.items < count || bridgeSide.failed > 0) &&
      `bridge: ${bridgeSide.items} of ${count} confirmed, ${bridgeSide.failed} failed`,
  ].filter(Boolean);
  if (incomplete.length > 0) {
    console.error(`not every item was confirmed: ${incomplete.join('; ')}`);
    process.exitCode = 1;
  }
}

async function naive(env: Record<string, string>): Promise<Side> {
  const worker = new Worker('drain-worker.js');
  try {
    const setup: DrainSetup = { type: 'setup', mode: 'naive', env, pollPauseMs: 5 };
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
    if (stopOwnProfile) {
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
