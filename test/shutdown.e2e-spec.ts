import type { ForsendelseEntity } from '../src/forsendelse/forsendelse.entity';
import { DRAIN_TIMEOUT_MS } from '../src/queues/worker-drain.service';
import type { SimulatorSet } from '../src/simulator/start-simulators';
import {
  control,
  createTestDatabase,
  eventually,
  startBridge,
  startTestSimulators,
  testKeys,
  type RunningBridge,
} from './support/bridge-harness';
import type { TestDatabase } from './support/database';

describe('shutting down mid-run', () => {
  let sims: SimulatorSet;
  let db: TestDatabase;
  let second: RunningBridge | undefined;

  beforeAll(async () => {
    // Slow downloads keep forwards running when the shutdown comes.
    sims = await startTestSimulators();
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await second?.close();
    await sims?.close();
    await db?.drop();
  });

  it('closes within the drain bound and loses nothing: the next start finishes the work', async () => {
    const { orgnr } = await testKeys();
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 12, sizeBytes: 50_000 } });
    await control(sims.brreg.url, '/faults', { body: { latencyMs: 150 } });
    const env = { QUEUE_PREFIX: `shut${Date.now().toString(36)}` };
    const first = await startBridge(sims, db, env);
    const rows = () => first.dataSource.getRepository<ForsendelseEntity>('ForsendelseEntity').find();
    await eventually(
      async () => ((await rows()).some((r) => r.state === 'FORWARDING') ? true : undefined),
      20_000,
      'a forward in progress',
    );
    const started = Date.now();
    await first.close();
    const tookMs = Date.now() - started;
    expect(tookMs).toBeLessThan(DRAIN_TIMEOUT_MS + 5_000);

    await control(sims.brreg.url, '/faults', { method: 'DELETE' });
    second = await startBridge(sims, db, env);
    const secondRows = () => second!.dataSource.getRepository<ForsendelseEntity>('ForsendelseEntity').find();
    const finished = await eventually(
      async () => {
        const current = await secondRows();
        return current.length === 12 && current.every((r) => r.state === 'CONFIRMED') ? current : undefined;
      },
      45_000,
      'all twelve confirmed after the restart',
    );
    expect(finished).toHaveLength(12);
    const messages = await control<{ doubleDelivery: boolean }[]>(sims.integrasjonspunkt.url, '/messages');
    expect(messages.filter((m) => m.doubleDelivery)).toEqual([]);
  });
});
