import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../../src/forsendelse/database.options';
import { messageIdFor } from '../../src/forsendelse/forsendelse-ids';
import { QueueName, jobIds } from '../../src/queues/queue-names';
import { bullmqConnection } from '../../src/queues/redis-options';
import type { CallRecord } from '../../src/simulator/common/call-log';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from '../support/bridge-harness';
import { BridgeProcess, BuiltBridge, bridgeProcessEnv, PROCESS_CREDENTIALS } from '../support/bridge-process';
import { secretsIn } from '../support/log-secrets';
import { isClean, judge } from './checker';
import { collectRecords } from './run-records';
import { reportVerdict } from './verdict-log';

/** FAULTS_SCALE=full for the long run; the bounded one runs in .ci/run. */
const FULL = process.env.FAULTS_SCALE === 'full';
const COUNT = FULL ? 60 : 30;
const REPLICAS = 3;
const REDIS_URL = 'redis://127.0.0.1:6379';
const SCHEDULED = [QueueName.BrregPoll, QueueName.Track, QueueName.Reconcile, QueueName.Retention];

interface IpMessage {
  messageId: string;
  sendAccepted: number;
  copiesDelivered: number;
}

/** Job schedulers per queue under this prefix, by id. */
async function schedulersByQueue(prefix: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const name of Object.values(QueueName)) {
    const queue = new Queue(name, { connection: bullmqConnection({ url: REDIS_URL }), prefix });
    try {
      found[name] = (await queue.getJobSchedulers()).map((s) => s.key).sort();
    } finally {
      await queue.close();
    }
  }
  return found;
}

/** How many times the IP answered 200 to each `method path` (query dropped). */
function answered(calls: readonly CallRecord[], method: string, pattern: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of calls) {
    const path = call.url.split('?')[0];
    if (call.method === method && call.status === 200 && pattern.test(path)) {
      counts.set(path, (counts.get(path) ?? 0) + 1);
    }
  }
  return counts;
}

describe(`scale-out: ${REPLICAS} bridges started at the same instant on one Redis and one Postgres`, () => {
  const env = useBridgeEnvironment();
  let built: BuiltBridge;
  const bridges: BridgeProcess[] = [];
  let dataSource: DataSource | undefined;

  beforeAll(() => {
    built = BuiltBridge.prepare();
  }, 300_000);

  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.stop()));
    await dataSource?.destroy();
    built?.remove();
  });

  it('migrates once, keeps one scheduler per queue, forwards and confirms each forsendelse once', async () => {
    const { sims, db } = env;
    const keys = await testKeys();
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr: keys.orgnr, count: COUNT, sizeBytes: 20_000 } });
    const prefix = `scale${randomBytes(4).toString('hex')}`;
    for (let i = 1; i <= REPLICAS; i++) {
      // Each its own HTTP port; the database (not yet migrated) and the queue prefix are shared.
      bridges.push(new BridgeProcess(built, await bridgeProcessEnv(sims, db, { QUEUE_PREFIX: prefix }), `bridge ${i}`));
    }
    const started = Date.now();
    bridges.forEach((b) => b.spawnChild());
    await Promise.all(bridges.map((b) => b.waitUntilLive()));

    const tables = await new DataSource(databaseOptions(db.url, false)).initialize();
    dataSource = tables;
    await eventually(
      async () => {
        const rows = await forsendelseRows({ dataSource: tables });
        return rows.length === COUNT && rows.every((r) => r.state === 'CONFIRMED' || r.state === 'FAILED')
          ? true
          : undefined;
      },
      FULL ? 600_000 : 240_000,
      `all ${COUNT} settled with ${REPLICAS} bridges`,
    );
    const codes = await Promise.all(bridges.map((b) => b.stop()));
    const sentBy = bridges.map((b) => `${b.name} ${b.output.split('"msg":"message sent"').length - 1}`);
    process.stdout.write(
      `scale-out: ${COUNT} items on ${REPLICAS} bridges in ${Date.now() - started} ms; sends: ${sentBy.join(', ')}\n`,
    );

    const verdict = judge(await collectRecords(`scale-out ×${REPLICAS}`, sims, { dataSource: tables }));
    reportVerdict(verdict);
    expect(verdict).toMatchObject({ lost: [], early: [], duplicate: [], double: [], unexpected: [] });
    expect(isClean(verdict)).toBe(true);
    expect((await forsendelseRows({ dataSource: tables })).filter((r) => r.state !== 'CONFIRMED')).toEqual([]);
    expect(codes).toEqual(bridges.map(() => 0));

    const schedulers = await schedulersByQueue(prefix);
    expect(schedulers).toEqual({
      ...Object.fromEntries(Object.values(QueueName).map((name) => [name, [] as string[]])),
      ...Object.fromEntries(SCHEDULED.map((name) => [name, [jobIds.scheduler(name)]])),
    });

    // Each forsendelse went to the IP once: as attempt 1, created once, sent once, delivered once.
    const offered = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser');
    const messages = await control<IpMessage[]>(sims.integrasjonspunkt.url, '/messages');
    expect(messages.map((m) => m.messageId).sort()).toEqual(offered.map((f) => messageIdFor(f.mottakId, 1)).sort());
    expect(messages.filter((m) => m.sendAccepted !== 1 || m.copiesDelivered !== 1)).toEqual([]);
    const ipCalls = await control<CallRecord[]>(sims.integrasjonspunkt.url, '/calls');
    expect([...answered(ipCalls, 'POST', /^\/api\/messages\/out$/).values()]).toEqual([COUNT]);
    const sends = answered(ipCalls, 'POST', /^\/api\/messages\/out\/[^/]+$/);
    expect(sends.size).toBe(COUNT);
    expect([...sends.values()].filter((n) => n !== 1)).toEqual([]);

    for (const bridge of bridges) {
      expect({ bridge: bridge.name, secrets: secretsIn(bridge.output, { keys, ...PROCESS_CREDENTIALS }) }).toEqual({
        bridge: bridge.name,
        secrets: [],
      });
    }
  }, 1_200_000);
});
