/**
 * bench:drain — a backlog of --count small forsendelser seeded at the Brreg simulator, drained by the bridge
 * (its own process, default concurrency) to CONFIRMED; side by side with a naive sequential client on
 * --naive-count items. The IP simulator progresses statuses with zero delay.
 */
import { Client } from 'pg';
import { control, createTestDatabase, startTestSimulators, testKeys } from '../test/support/bridge-harness';
import { cpuMsOf, flags, parseSize, percentile, printTable, rssOf, sleep, Worker, writeResults } from './common';
import type { DrainSetup, NaiveDone } from './drain-worker';
import { bridgeEnv } from './env';

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
  peakRssMiB?: number;
}

async function main(): Promise<void> {
  const options = flags({
    count: { default: '10000' },
    'naive-count': { default: '200' },
    'item-size': { default: '32k' },
    'timeout-s': { default: '1800' },
  });
  const count = Number(options.count);
  const naiveCount = Number(options['naive-count']);
  const itemSize = parseSize(options['item-size']);
  const timeoutMs = Number(options['timeout-s']) * 1000;
  console.log(
    `bench:drain — ${count} forsendelser of ${itemSize} bytes for the bridge, ${naiveCount} for the naive client; ` +
      `IP statusDelayMs 0, sendDelayMs 0; bridge with ${Object.entries(POLL_INTERVALS)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')} (default 60 s), other settings default`,
  );
  const keys = await testKeys();
  const sims = await startTestSimulators({ integrasjonspunkt: { statusDelayMs: 0, sendDelayMs: 0 } });
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
    sides.push(await bridge(bridgeEnv(sims, keys, db.url, POLL_INTERVALS), db.url, count, timeoutMs));
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
  console.log(
    `ratio bridge ÷ naive: ${ratio.toFixed(1)}× (goals: ≥ 100 items/s and ≥ 10×). Bridge: per item from ` +
      `forsendelse.created_at (DISCOVERED) to confirmed_at; items/s = items ÷ (last confirmed_at − first ` +
      `created_at). Naive: per item from its download to its confirm; items/s over its whole loop.`,
  );
  const path = writeResults('drain', { count, naiveCount, itemSize, pollIntervals: POLL_INTERVALS, ratio, sides });
  console.log(`written: ${path}`);
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
    };
  } finally {
    await worker.stop();
  }
}

async function bridge(
  env: Record<string, string>,
  databaseUrl: string,
  count: number,
  timeoutMs: number,
): Promise<Side> {
  const worker = new Worker('drain-worker.js');
  const pg = new Client({ connectionString: databaseUrl });
  try {
    const ownCpu = process.cpuUsage();
    const t0 = performance.now();
    const setup: DrainSetup = { type: 'setup', mode: 'bridge', env };
    worker.send(setup);
    await worker.expect<{ type: 'ready' }>();
    console.log(`  bridge up after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await pg.connect();
    let peakRss = 0;
    let lastPrint = 0;
    for (;;) {
      peakRss = Math.max(peakRss, rssOf(worker.pid));
      const { rows } = await pg.query<{ state: string; n: string }>(
        'SELECT state, count(*) AS n FROM forsendelse GROUP BY state',
      );
      const byState = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      const finished = (byState.CONFIRMED ?? 0) + (byState.FAILED ?? 0);
      const elapsed = performance.now() - t0;
      if (elapsed - lastPrint >= 5000 || finished >= count) {
        lastPrint = elapsed;
        console.log(`  ${(elapsed / 1000).toFixed(0).padStart(4)} s  ${JSON.stringify(byState)}`);
      }
      if (finished >= count) {
        break;
      }
      if (elapsed > timeoutMs) {
        console.log('  timed out: figures below cover the items confirmed so far');
        break;
      }
      await sleep(500);
    }
    const wallMs = performance.now() - t0;
    const simsCpu = process.cpuUsage(ownCpu);
    const workerCpuMs = cpuMsOf(worker.pid);
    const { rows } = await pg.query<{ created: number; confirmed: number }>(
      `SELECT extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM confirmed_at) * 1000 AS confirmed
         FROM forsendelse WHERE state = 'CONFIRMED'`,
    );
    const failed = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM forsendelse WHERE state = 'FAILED'`);
    const latencies = rows.map((r) => Number(r.confirmed) - Number(r.created)).sort((a, b) => a - b);
    const first = Math.min(...rows.map((r) => Number(r.created)));
    const last = Math.max(...rows.map((r) => Number(r.confirmed)));
    const seconds = (last - first) / 1000;
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
      // Over the whole life of the process, start-up included.
      workerCpuPercent: (100 * workerCpuMs) / wallMs,
      simulatorsCpuPercent: (100 * (simsCpu.user + simsCpu.system)) / 1000 / wallMs,
      peakRssMiB: peakRss / 1024 / 1024,
    };
  } finally {
    await pg.end().catch(() => undefined);
    await worker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
