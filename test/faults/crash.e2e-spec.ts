import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../../src/forsendelse/database.options';
import type { ObservedRequest } from '../../src/simulator/common/request-observer';
import { SeededRandom } from '../../src/simulator/common/seeded-random';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from '../support/bridge-harness';
import { BridgeProcess, BuiltBridge, bridgeProcessEnv, PROCESS_CREDENTIALS } from '../support/bridge-process';
import { secretsIn } from '../support/log-secrets';
import { isClean, judge } from './checker';
import { collectRecords } from './run-records';
import { expireUnsentMessages } from './ttl-stand-in';
import { reportVerdict } from './verdict-log';

/** FAULTS_SCALE=full for the long run; the bounded one runs in .ci/run. */
const FULL = process.env.FAULTS_SCALE === 'full';
const COUNT = FULL ? 160 : 20;
const KILLS = FULL ? 40 : 7;
const SEED = process.env.FAULTS_SEED ? Number(process.env.FAULTS_SEED) : Math.floor(Math.random() * 2 ** 31);
/** How long one armed kill point may take to come round before the run is judged stuck. */
const HIT_TIMEOUT_MS = 180_000;
const SETTLE_TIMEOUT_MS = FULL ? 1_200_000 : 300_000;

/** The step boundaries of docs/architecture.md's flow where a kill -9 lands. */
const KILL_POINTS = [
  'download started',
  'after create',
  'after arkivmelding.xml upload',
  'after a document upload',
  'send accepted',
  'after LEVERT applied',
  'during confirm',
] as const;
type KillPoint = (typeof KILL_POINTS)[number];

/** Whether an observed simulator request is the moment to kill at, for the request-borne kill points. */
const AT_REQUEST: Record<Exclude<KillPoint, 'after LEVERT applied'>, (r: ObservedRequest) => boolean> = {
  // Brreg is sending the zip's first bytes.
  'download started': (r) => r.operation === 'download' && r.phase === 'responding' && r.status === 200,
  // The IP answered; the bridge has not read the answer.
  'after create': (r) => r.operation === 'create' && r.phase === 'answered' && r.status === 200,
  'after arkivmelding.xml upload': (r) =>
    r.operation === 'upload' && r.phase === 'answered' && r.status === 200 && r.filename === 'arkivmelding.xml',
  // A file of the forsendelse (documents mode: a PDF or the Melding; zip mode: the zip) is at the IP.
  'after a document upload': (r) =>
    r.operation === 'upload' &&
    r.phase === 'answered' &&
    r.status === 200 &&
    r.filename !== undefined &&
    r.filename !== 'arkivmelding.xml',
  // The IP took the send; its 200 has not left yet.
  'send accepted': (r) => r.operation === 'send' && r.phase === 'responding' && r.status === 200,
  // Brreg has the confirm and will apply it; the bridge never sees the answer.
  'during confirm': (r) => r.operation === 'confirm' && r.phase === 'received',
};

/** Every kill point once, in a seeded order, then seeded draws: a bounded run covers each kind. */
function killPlan(random: SeededRandom, kills: number): KillPoint[] {
  const plan = [...KILL_POINTS];
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  while (plan.length < kills) {
    plan.push(KILL_POINTS[Math.floor(random.next() * KILL_POINTS.length)]);
  }
  return plan.slice(0, kills);
}

/**
 * The LEVERT kill point is a database fact, not a request: a trigger NOTIFYs when a DELIVERED transition
 * commits, so the kill follows the commit by milliseconds, before the confirm goes out.
 */
async function listenForDelivered(url: string, onDelivered: (mottakId: string) => void): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`
    CREATE FUNCTION crash_test_notify_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('crash_test_delivered', NEW.mottak_id::text); RETURN NEW; END $$`);
  await client.query(`
    CREATE TRIGGER crash_test_delivered AFTER INSERT ON forsendelse_event
      FOR EACH ROW WHEN (NEW.kind = 'transition' AND NEW.to_state = 'DELIVERED')
      EXECUTE FUNCTION crash_test_notify_delivered()`);
  client.on('notification', (n) => onDelivered(n.payload ?? ''));
  // The database is dropped with FORCE after the file; that ends this connection, which is no failure.
  client.on('error', () => undefined);
  await client.query('LISTEN crash_test_delivered');
  return client;
}

function countBy<T extends string>(items: readonly T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    counts[item] = (counts[item] ?? 0) + 1;
  }
  return counts;
}

describe('kill -9 at every step boundary', () => {
  const env = useBridgeEnvironment({ brreg: { seed: SEED }, integrasjonspunkt: { seed: SEED } });
  let built: BuiltBridge;
  let bridge: BridgeProcess | undefined;
  let listener: Client | undefined;
  let dataSource: DataSource | undefined;

  beforeAll(() => {
    built = BuiltBridge.prepare();
  }, 300_000);

  afterAll(async () => {
    await bridge?.stop();
    await listener?.end();
    await dataSource?.destroy();
    built?.remove();
  });

  it('loses nothing, confirms nothing early, delivers nothing twice, whatever step a crash cuts', async () => {
    process.stdout.write(
      `crash: seed ${SEED} (FAULTS_SEED=${SEED} repeats the plan), ${COUNT} items, ${KILLS} kills\n`,
    );
    const { sims, db } = env;
    const { orgnr } = await testKeys();
    const random = new SeededRandom(SEED);
    const plan = killPlan(random, KILLS);
    const started = Date.now();

    bridge = new BridgeProcess(built, await bridgeProcessEnv(sims, db));
    const running = bridge;
    await running.start();
    const tables = await new DataSource(databaseOptions(db.url, false)).initialize();
    dataSource = tables;

    // One armed kill point at a time: the `skip` matching moments after arming pass, the next one kills.
    let armed: { point: KillPoint; skip: number; hit: (id: string) => void } | undefined;
    const fire = (point: KillPoint, id: string): void => {
      if (armed?.point !== point) {
        return;
      }
      if (armed.skip > 0) {
        armed.skip -= 1;
        return;
      }
      running.kill();
      const { hit } = armed;
      armed = undefined;
      hit(id);
    };
    const onRequest = (r: ObservedRequest): void => {
      for (const [point, matches] of Object.entries(AT_REQUEST)) {
        if (matches(r)) {
          fire(point as KillPoint, r.id ?? '');
        }
      }
    };
    const unsubscribe = [sims.brreg.onRequest(onRequest), sims.integrasjonspunkt.onRequest(onRequest)];
    listener = await listenForDelivered(db.url, (mottakId) => fire('after LEVERT applied', mottakId));

    const hits: { point: KillPoint; id: string }[] = [];
    let seeded = 0;
    try {
      for (const [i, point] of plan.entries()) {
        // Fresh work before every kill, so each kill point comes round however far the rest has got.
        const batch = Math.ceil((COUNT - seeded) / (KILLS - i));
        await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: batch, sizeBytes: 20_000 } });
        seeded += batch;
        const skip = Math.floor(random.next() * 2);
        const id = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`kill ${i + 1} (${point}) did not come round in ${HIT_TIMEOUT_MS} ms`)),
            HIT_TIMEOUT_MS,
          );
          armed = {
            point,
            skip,
            hit: (hitId) => {
              clearTimeout(timer);
              resolve(hitId);
            },
          };
        });
        hits.push({ point, id });
        await running.exited();
        const restarting = Date.now();
        await running.start();
        process.stdout.write(
          `crash: kill ${i + 1}/${KILLS} at ${point} (${id || 'no id'}), up again in ${Date.now() - restarting} ms\n`,
        );
      }
    } finally {
      armed = undefined;
      unsubscribe.forEach((off) => off());
    }

    await eventually(
      async () => {
        const now = await forsendelseRows({ dataSource: tables });
        if (now.length === COUNT && now.every((r) => r.state === 'CONFIRMED' || r.state === 'FAILED')) {
          return true;
        }
        // A kill between recording a send request and the send itself leaves an attempt the IP never got:
        // the bridge never sends it twice and waits for the IP's deadline, brought forward here.
        await expireUnsentMessages(sims, now);
        return undefined;
      },
      SETTLE_TIMEOUT_MS,
      `all ${COUNT} settled after ${KILLS} kills`,
    );
    expect(await running.stop()).toBe(0);

    const verdict = judge(await collectRecords(`kill -9 (seed ${SEED})`, sims, { dataSource: tables }));
    reportVerdict(verdict);
    const perPoint = countBy(hits.map((h) => h.point));
    process.stdout.write(
      `crash: ${hits.length} kills in ${Math.round((Date.now() - started) / 1000)} s: ` +
        `${KILL_POINTS.map((p) => `${p} ${perPoint[p] ?? 0}`).join(', ')}\n`,
    );
    expect(verdict).toMatchObject({ lost: [], early: [], duplicate: [], double: [], unexpected: [] });
    expect(isClean(verdict)).toBe(true);
    expect(hits).toHaveLength(KILLS);
    // A crash is not a reason to park: every one is confirmed.
    expect(
      (await forsendelseRows({ dataSource: tables })).filter((r) => r.state !== 'CONFIRMED').map((r) => r.mottakId),
    ).toEqual([]);
    expect(secretsIn(running.output, { keys: await testKeys(), ...PROCESS_CREDENTIALS })).toEqual([]);
  }, 3_600_000);
});
