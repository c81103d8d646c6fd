import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import { IntegrasjonspunktClient } from '../src/eformidling/integrasjonspunkt.client';
import type { MessageStatus } from '../src/eformidling/integrasjonspunkt.schemas';
import { messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { ForsendelseModule } from '../src/forsendelse/forsendelse.module';
import { ForsendelseQueries } from '../src/forsendelse/forsendelse-queries';
import { ForsendelseTransitions } from '../src/forsendelse/forsendelse-transitions';
import { OutboundHttp } from '../src/http/outbound-http';
import { Metrics } from '../src/ops/metrics';
import { jobIds, QueueName } from '../src/queues/queue-names';
import { QueuesModule } from '../src/queues/queues.module';
import { bullmqConnection } from '../src/queues/redis-options';
import { WorkQueues } from '../src/queues/work-queues';
import { StatusApplier } from '../src/tracking/status-applier';
import { createTestDatabase, type TestDatabase } from './support/database';
import { aConfig } from './support/test-config';

/**
 * The applier takes a feed tick's statuses in one transaction per chunk of forsendelser. One row that cannot be
 * applied must not hold back the rest of its chunk (real Postgres; the failure is a trigger on one messageId).
 */
describe('StatusApplier (real Postgres and Redis)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let config: AppConfig;
  let transitions: ForsendelseTransitions;
  let queries: ForsendelseQueries;
  let dataSource: DataSource;
  let http: OutboundHttp;
  let applier: StatusApplier;
  let confirmQueue: Queue;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = aConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: `sa${Date.now().toString(36)}` });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), ForsendelseModule, QueuesModule],
    }).compile();
    await moduleRef.init();
    transitions = moduleRef.get(ForsendelseTransitions);
    queries = moduleRef.get(ForsendelseQueries);
    dataSource = moduleRef.get(getDataSourceToken());
    http = OutboundHttp.fromConfig(config);
    // The IP is only called to cancel an ended attempt, which a LEVERT never is: its address is a closed port.
    const ip = new IntegrasjonspunktClient(http, config.efm.baseUrl);
    applier = new StatusApplier(config, transitions, queries, moduleRef.get(WorkQueues), new Metrics(), ip);
    confirmQueue = new Queue(QueueName.Confirm, {
      connection: bullmqConnection(config.redis),
      prefix: config.redis.queuePrefix,
    });
  });

  afterAll(async () => {
    await confirmQueue?.obliterate({ force: true }).catch(() => undefined);
    await confirmQueue?.close();
    await http?.close();
    await moduleRef?.close();
    await db?.drop();
  });

  async function sentRows(count: number): Promise<string[]> {
    const ids = Array.from(
      { length: count },
      (_, i) => `00000000-0000-4000-8000-${String(Date.now() % 1e9).padStart(9, '0')}${String(i).padStart(3, '0')}`,
    );
    await transitions.insertDiscovered(ids.map((mottakId) => ({ mottakId, oppdatert: null, tjeneste: null })));
    for (const mottakId of ids) {
      await transitions.claimDiscovered(mottakId, 1);
      await transitions.markSendRequested(mottakId, 1);
      expect(await transitions.markSendAccepted(mottakId, 1)).toBe(true);
    }
    return ids;
  }

  function levert(mottakId: string, id: number): MessageStatus {
    return { id, messageId: messageIdFor(mottakId, 1), status: 'LEVERT', lastUpdate: '2026-03-02T10:00:00.000+01:00' };
  }

  it('applies the rest of a chunk when one row fails, fails the tick, and applies that row once it can', async () => {
    const [first, poisoned, last] = await sentRows(3);
    await dataSource.query(`
      CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.message_id = '${messageIdFor(poisoned, 1)}' AND NEW.status = 'LEVERT' THEN
          RAISE EXCEPTION 'refused by the test';
        END IF;
        RETURN NEW;
      END $$`);
    await dataSource.query(
      `CREATE TRIGGER refuse_one BEFORE INSERT ON forsendelse_event FOR EACH ROW EXECUTE FUNCTION refuse_one()`,
    );
    const statuses = [levert(first, 1), levert(poisoned, 2), levert(last, 3)];
    try {
      await expect(applier.applyAll(statuses)).rejects.toThrow('refused by the test');
      expect(await Promise.all([first, poisoned, last].map((id) => queries.stateOf(id)))).toEqual([
        'DELIVERED',
        'SENT',
        'DELIVERED',
      ]);
      // The confirms follow the rows that moved, and only those.
      const jobs = await Promise.all([first, poisoned, last].map((id) => confirmQueue.getJob(jobIds.confirm(id))));
      expect(jobs.map((job) => job !== undefined)).toEqual([true, false, true]);
    } finally {
      await dataSource.query(`DROP TRIGGER refuse_one ON forsendelse_event`);
      await dataSource.query(`DROP FUNCTION refuse_one()`);
    }
    // The next tick reads the same statuses again.
    await applier.applyAll(statuses);
    expect(await queries.stateOf(poisoned)).toBe('DELIVERED');
    expect(await confirmQueue.getJob(jobIds.confirm(poisoned))).toBeDefined();
  });
});
