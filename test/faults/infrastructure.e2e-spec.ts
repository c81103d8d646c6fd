import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { jobIds, QueueName } from '../../src/queues/queue-names';
import { bullmqConnection } from '../../src/queues/redis-options';
import type { SimulatorSet } from '../../src/simulator/start-simulators';
import {
  control,
  createTestDatabase,
  eventually,
  forsendelseRows,
  startBridge,
  startTestSimulators,
  testKeys,
  type RunningBridge,
} from '../support/bridge-harness';
import type { TestDatabase } from '../support/database';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres';
import { startOwnRedis, type OwnRedis } from '../support/own-redis';
import { isClean, judge } from './checker';
import { collectRecords } from './run-records';
import { reportVerdict } from './verdict-log';

/** FAULTS_SCALE=full for the long run; the bounded one runs in .ci/run. */
const FULL = process.env.FAULTS_SCALE === 'full';
/** Per case: half seeded before the fault, half while it lasts (only a working poll scheduler finds those). */
const COUNT = FULL ? 80 : 24;
/** A readiness probe waits up to 2 s for a server that is away: long enough for several answers meanwhile. */
const OUTAGE_MS = 6_000;
const SETTLE_TIMEOUT_MS = FULL ? 600_000 : 150_000;

type ReadinessCheck = 'postgres' | 'redis';

interface ReadinessAnswer {
  status: number;
  checks: Record<string, { ok: boolean; reason?: string }>;
}

/** What one fault does to the bridge's infrastructure, and how it ends. */
interface InfrastructureFault {
  name: string;
  /** The readiness check that must fail while the fault lasts; none when the server stays up (FLUSHALL). */
  failingCheck?: ReadinessCheck;
  inject(): Promise<void>;
  /** Ends the fault, OUTAGE_MS after it began; nothing for a fault that is over at once. */
  heal?(): Promise<void>;
}

async function readiness(bridge: RunningBridge): Promise<ReadinessAnswer> {
  const response = await fetch(`${bridge.url}/health/ready`);
  const body = (await response.json()) as { checks: ReadinessAnswer['checks'] };
  return { status: response.status, checks: body.checks };
}

function tally(values: readonly (string | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) {
    counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
}

/** The three schedulers BullMQ must hold for the periodic work to run at all. */
async function missingSchedulers(redisUrl: string, prefix: string): Promise<QueueName[]> {
  const missing: QueueName[] = [];
  for (const name of [QueueName.BrregPoll, QueueName.Track, QueueName.Reconcile]) {
    const queue = new Queue(name, { connection: bullmqConnection({ url: redisUrl }), prefix });
    try {
      if (!(await queue.getJobScheduler(jobIds.scheduler(name)))) {
        missing.push(name);
      }
    } finally {
      await queue.close();
    }
  }
  return missing;
}

/**
 * Seeds half the forsendelser, starts the bridge, injects the fault once the first is confirmed, seeds the
 * other half while it lasts, heals it, and judges the run from the simulators' records.
 */
async function runThroughFault(
  sims: SimulatorSet,
  bridge: RunningBridge,
  fault: InfrastructureFault,
  redis: { url: string; prefix: string },
): Promise<void> {
  const { orgnr } = await testKeys();
  const firstHalf = COUNT / 2;
  const rows = () => forsendelseRows(bridge);
  await eventually(
    async () => ((await rows()).some((r) => r.state === 'CONFIRMED') ? true : undefined),
    60_000,
    'a first confirm',
  );
  const before = await rows();
  // The fault must come mid-run, or the case proves nothing.
  expect(before.filter((r) => r.state !== 'CONFIRMED').length).toBeGreaterThan(0);

  const injectedAt = Date.now();
  await fault.inject();
  await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: COUNT - firstHalf, sizeBytes: 20_000 } });
  let notReady: { afterMs: number; reason?: string } | undefined;
  if (fault.failingCheck) {
    const check = fault.failingCheck;
    notReady = await eventually(
      async () => {
        const answer = await readiness(bridge);
        return answer.status === 503 && !answer.checks[check].ok
          ? { afterMs: Date.now() - injectedAt, reason: answer.checks[check].reason }
          : undefined;
      },
      OUTAGE_MS + 5_000,
      `readiness to name ${check} while it is down`,
    );
  }
  const samplesWhileDown: number[] = [];
  while (Date.now() - injectedAt < OUTAGE_MS) {
    samplesWhileDown.push((await readiness(bridge)).status);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (fault.failingCheck) {
    // Not ready for the whole outage, not just at its start.
    expect(samplesWhileDown.filter((status) => status !== 503)).toEqual([]);
  }
  await fault.heal?.();
  const healedAt = Date.now();

  const readyAfterMs = await eventually(
    async () => ((await readiness(bridge)).status === 200 ? Date.now() - healedAt : undefined),
    60_000,
    'ready again after the fault',
  );
  await eventually(
    async () => {
      const current = await rows();
      return current.length === COUNT && current.every((r) => r.state === 'CONFIRMED' || r.state === 'FAILED')
        ? true
        : undefined;
    },
    SETTLE_TIMEOUT_MS,
    `all ${COUNT} settled after ${fault.name}`,
  );
  const settledAfterMs = Date.now() - injectedAt;

  process.stdout.write(
    `${fault.name}: at the fault ${JSON.stringify(tally(before.map((r) => r.state)))} of ${firstHalf} seeded; ` +
      (notReady ? `not ready ${notReady.afterMs} ms in (${fault.failingCheck}: ${notReady.reason}); ` : '') +
      `readiness during the fault ${JSON.stringify(tally(samplesWhileDown))}; ` +
      `healed ${healedAt - injectedAt} ms in, ready ${readyAfterMs} ms later; ` +
      `all ${COUNT} settled ${settledAfterMs} ms after the fault began\n`,
  );

  const verdict = judge(await collectRecords(fault.name, sims, bridge));
  reportVerdict(verdict);
  expect(verdict).toMatchObject({ lost: [], early: [], duplicate: [], double: [], unexpected: [] });
  expect(isClean(verdict)).toBe(true);
  expect((await rows()).filter((r) => r.state !== 'CONFIRMED')).toEqual([]);
  expect(await missingSchedulers(redis.url, redis.prefix)).toEqual([]);
  expect((await readiness(bridge)).status).toBe(200);
}

const BRIDGE_ENV = { RECONCILE_INTERVAL_MS: '2000', RECONCILE_STALE_MS: '5000' };

/** How long after SENDT the held half of the first forsendelser reach LEVERT: past the whole outage. */
const HELD_LEVERT_MS = OUTAGE_MS + 4_000;

async function seedFirstHalf(sims: SimulatorSet): Promise<void> {
  const { orgnr } = await testKeys();
  const seeded = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', {
    body: { orgnr, count: COUNT / 2, sizeBytes: 20_000 },
  });
  // Every other one reaches LEVERT only after the fault has healed, so work is in flight when it comes however fast
  // the rest are confirmed (a CI run once saw all twelve confirmed within one 100 ms look).
  for (const held of seeded.filter((_, index) => index % 2 === 1)) {
    await control(sims.integrasjonspunkt.url, '/scripts', {
      body: { match: { arkivmeldingContains: held.mottakId }, steps: [{ status: 'LEVERT', delayMs: HELD_LEVERT_MS }] },
    });
  }
  // Slower peers keep work in flight when the fault comes.
  await control(sims.integrasjonspunkt.url, '/faults', { body: { latencyMs: 30, seed: 3 } });
}

describe.each([
  ['Redis SHUTDOWN NOSAVE, restarted empty', 'shutdown' as const, 21],
  ['Redis FLUSHALL', 'flushall' as const, 22],
])('infrastructure faults: %s', (name, kind, seed) => {
  let sims: SimulatorSet;
  let db: TestDatabase;
  let redis: OwnRedis;
  let bridge: RunningBridge | undefined;

  beforeAll(async () => {
    redis = await startOwnRedis();
    sims = await startTestSimulators({ brreg: { seed } });
    db = await createTestDatabase();
  });
  afterAll(async () => {
    // The bridge first: closing it needs its Redis.
    await bridge?.close().catch(() => undefined);
    await sims?.close();
    await db?.drop();
    await redis?.cleanup();
  });

  it('loses nothing: the work is rebuilt from Postgres and the schedulers come back', async () => {
    await seedFirstHalf(sims);
    const prefix = `f${randomBytes(4).toString('hex')}`;
    bridge = await startBridge(sims, db, { ...BRIDGE_ENV, REDIS_URL: redis.url, QUEUE_PREFIX: prefix });
    const fault: InfrastructureFault =
      kind === 'shutdown'
        ? { name, failingCheck: 'redis', inject: () => redis.shutdownNoSave(), heal: () => redis.start() }
        : { name, inject: () => redis.flushAll() };
    await runThroughFault(sims, bridge, fault, { url: redis.url, prefix });
  }, 1_000_000);
});

describe('infrastructure faults: Postgres stopped (immediate) and started again', () => {
  const name = 'Postgres stopped (immediate) and started again';
  const redisUrl = 'redis://127.0.0.1:6379';
  let sims: SimulatorSet;
  let postgres: OwnPostgres;
  let bridge: RunningBridge | undefined;

  beforeAll(async () => {
    postgres = await startOwnPostgres();
    sims = await startTestSimulators({ brreg: { seed: 23 } });
  });
  afterAll(async () => {
    await bridge?.close().catch(() => undefined);
    await sims?.close();
    await postgres?.cleanup();
  });

  it('loses nothing: jobs that failed while the database was away are retried', async () => {
    await seedFirstHalf(sims);
    const prefix = `f${randomBytes(4).toString('hex')}`;
    bridge = await startBridge(sims, postgres.db, { ...BRIDGE_ENV, QUEUE_PREFIX: prefix });
    const fault: InfrastructureFault = {
      name,
      failingCheck: 'postgres',
      inject: () => postgres.stopImmediately(),
      heal: () => postgres.start(),
    };
    await runThroughFault(sims, bridge, fault, { url: redisUrl, prefix });
  }, 1_000_000);
});
