import { randomBytes } from 'node:crypto';
import type { Readiness } from '../src/ops/readiness.service';
import type { SimulatorSet } from '../src/simulator/start-simulators';
import { control, eventually, startTestSimulators, testKeys } from './support/bridge-harness';
import { BridgeProcess, BuiltBridge, bridgeProcessEnv } from './support/bridge-process';
import { startOwnPostgres, type OwnPostgres } from './support/own-postgres';
import { startOwnRedis, type OwnRedis } from './support/own-redis';

const REPLICAS = 3;
const POLL_INTERVAL_MS = 1_000;
/** Several poll intervals of steady sampling: with per-process freshness, a replica went unready within 4–7 s. */
const STEADY_MS = 8 * POLL_INTERVAL_MS;
const SAMPLE_EVERY_MS = 500;
/** How long an outage is sampled once every replica reports it. */
const OUTAGE_SAMPLE_MS = 3_000;
/** The promise: /metrics answers within this, whatever is down. */
const SCRAPE_BOUND_MS = 1_000;

interface Sample {
  replica: string;
  status: number;
  failing: string[];
  reasons: string[];
  ms: number;
}

async function sampleReadiness(bridge: BridgeProcess): Promise<Sample> {
  const started = Date.now();
  const response = await fetch(`${bridge.url}/health/ready`);
  const body = (await response.json()) as Readiness;
  const reasons = body.failing.map((name) => `${name}: ${body.checks[name].reason}`);
  return { replica: bridge.name, status: response.status, failing: body.failing, reasons, ms: Date.now() - started };
}

/** Every replica's readiness every 500 ms for `durationMs`. */
async function sampleAll(bridges: BridgeProcess[], durationMs: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const tick = Date.now();
    samples.push(...(await Promise.all(bridges.map(sampleReadiness))));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLE_EVERY_MS - (Date.now() - tick))));
  }
  return samples;
}

function tally(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) {
    const key = s.status === 200 ? '200' : `${s.status} ${s.reasons.join('; ')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

interface Scrape {
  ms: number;
  status: number;
  text: string;
}

async function scrape(bridge: BridgeProcess): Promise<Scrape> {
  const started = Date.now();
  const response = await fetch(`${bridge.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { ms: Date.now() - started, status: response.status, text };
}

function value(text: string, series: string): number | undefined {
  const escaped = series.replace(/[{}"=,]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Scrapes every replica every 500 ms for `durationMs`: each answer's time, and the collector's timestamp and a
 * database and a queue figure per scrape.
 */
async function scrapeAll(bridges: BridgeProcess[], durationMs: number) {
  const scrapes: (Scrape & { replica: string })[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const tick = Date.now();
    for (const bridge of bridges) {
      scrapes.push({ replica: bridge.name, ...(await scrape(bridge)) });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLE_EVERY_MS - (Date.now() - tick))));
  }
  return scrapes;
}

describe(`readiness and metrics of ${REPLICAS} replicas while Postgres or Redis is away`, () => {
  let built: BuiltBridge;
  let sims: SimulatorSet;
  let postgres: OwnPostgres;
  let redis: OwnRedis;
  const bridges: BridgeProcess[] = [];
  const report: string[] = [];

  beforeAll(async () => {
    built = BuiltBridge.prepare();
    [sims, postgres, redis] = await Promise.all([startTestSimulators(), startOwnPostgres(), startOwnRedis()]);
    const prefix = `health${randomBytes(4).toString('hex')}`;
    for (let i = 1; i <= REPLICAS; i++) {
      const env = await bridgeProcessEnv(sims, postgres.db, {
        QUEUE_PREFIX: prefix,
        REDIS_URL: redis.url,
        BRREG_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
        LOG_LEVEL: 'warn',
      });
      bridges.push(new BridgeProcess(built, env, `replica ${i}`));
    }
    // One first, so the migrations are done once; then the others together.
    await bridges[0].start();
    bridges.slice(1).forEach((b) => b.spawnChild());
    await Promise.all(bridges.slice(1).map((b) => b.waitUntilLive()));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.stop(5_000)));
    await Promise.all([sims?.close(), postgres?.cleanup(), redis?.cleanup()]);
    built?.remove();
    process.stdout.write(`${report.join('\n')}\n`);
  });

  it('is never unready while Postgres and Redis answer, whichever replica runs the polls', async () => {
    const { orgnr } = await testKeys();
    // Work to do while sampling: forwards, statuses and confirms spread over the replicas.
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 6, sizeBytes: 10_000 } });
    // Until every replica has answered ready once (the first poll needs a token).
    await eventually(
      async () => ((await Promise.all(bridges.map(sampleReadiness))).every((s) => s.status === 200) ? true : undefined),
      30_000,
      'every replica ready',
    );
    const samples = await sampleAll(bridges, STEADY_MS);
    report.push(`steady, ${STEADY_MS} ms at a ${POLL_INTERVAL_MS} ms poll interval: ${JSON.stringify(tally(samples))}`);
    expect(samples.length).toBeGreaterThanOrEqual(REPLICAS * 8);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);

    // The freshness is shared: every replica knows of a recent poll, though only one ran it.
    const bodies = await Promise.all(
      bridges.map(async (b) => (await (await fetch(`${b.url}/health/ready`)).json()) as Readiness),
    );
    for (const body of bodies) {
      expect(body.info.source).toBe('shared');
      expect(body.info.brregPoll.ageSeconds).toBeLessThanOrEqual(5);
      expect(body.info.maskinportenToken.expiresInSeconds).toBeGreaterThan(0);
      expect(body.info.peers.brreg.outcome).toBe('ok');
    }
  });

  for (const outage of ['postgres', 'redis'] as const) {
    it(`is unready naming ${outage} on every replica while it is stopped; /metrics answers within ${SCRAPE_BOUND_MS} ms with the last figures`, async () => {
      const before = await Promise.all(bridges.map(scrape));
      for (const s of before) {
        expect(value(s.text, 'bridge_collector_last_success_timestamp_seconds')).toBeGreaterThan(0);
      }
      const stoppedAt = Date.now();
      await (outage === 'postgres' ? postgres.stopImmediately() : redis.shutdownNoSave());
      // A tick that read everything before the server went may finish during the stop command, not after it.
      const stoppedBy = Date.now();
      const firstUnready = await eventually(
        async () => {
          const samples = await Promise.all(bridges.map(sampleReadiness));
          return samples.every((s) => s.status === 503 && s.failing.includes(outage))
            ? Date.now() - stoppedAt
            : undefined;
        },
        15_000,
        `every replica unready naming ${outage}`,
      );
      const [samples, scrapes] = await Promise.all([
        sampleAll(bridges, OUTAGE_SAMPLE_MS),
        // The collector reads every 5 s: scrape across more than one of its ticks.
        scrapeAll(bridges, 7_000),
      ]);
      const times = scrapes.map((s) => s.ms).sort((a, b) => a - b);
      report.push(
        `${outage} stopped: every replica unready ${firstUnready} ms in; readiness ${JSON.stringify(tally(samples))}; ` +
          `${scrapes.length} scrapes, ms min ${times[0]} median ${times[Math.floor(times.length / 2)]} ` +
          `max ${times[times.length - 1]}`,
      );
      expect(samples.filter((s) => s.status !== 503 || !s.failing.includes(outage))).toEqual([]);
      // Served, fast, and from the last reading: the timestamp holds still and the figures are still there.
      expect(scrapes.filter((s) => s.status !== 200 || s.ms >= SCRAPE_BOUND_MS)).toEqual([]);
      for (const bridge of bridges) {
        const mine = scrapes.filter((s) => s.replica === bridge.name);
        const stamps = new Set(mine.map((s) => value(s.text, 'bridge_collector_last_success_timestamp_seconds')));
        expect(stamps.size).toBe(1);
        expect([...stamps][0]).toBeLessThanOrEqual(stoppedBy / 1000 + 0.001);
        const last = mine[mine.length - 1].text;
        expect(value(last, 'bridge_forsendelser{state="CONFIRMED"}')).toEqual(expect.any(Number));
        expect(value(last, 'bridge_queue_jobs{queue="forward",state="waiting"}')).toEqual(expect.any(Number));
        expect(last).toMatch(
          /^bridge_build_info\{version="\d+\.\d+\.\d+",commit="unknown",node="v\d+\.\d+\.\d+"\} 1$/m,
        );
      }

      await (outage === 'postgres' ? postgres.start() : redis.start());
      const healedAt = Date.now();
      await eventually(
        async () =>
          (await Promise.all(bridges.map(sampleReadiness))).every((s) => s.status === 200) ? true : undefined,
        30_000,
        'every replica ready again',
      );
      const readyAfter = Date.now() - healedAt;
      const resumed = await eventually(
        async () => {
          const all = await Promise.all(bridges.map(scrape));
          const stamps = all.map((s) => value(s.text, 'bridge_collector_last_success_timestamp_seconds') ?? 0);
          return stamps.every((t) => t * 1000 > healedAt) ? Date.now() - healedAt : undefined;
        },
        30_000,
        'the collector to read again',
      );
      report.push(`${outage} back: every replica ready ${readyAfter} ms later, collector again ${resumed} ms later`);
    }, 120_000);
  }
});
