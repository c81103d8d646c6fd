import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { SystemClock } from '../src/clock/clock';
import { ClockModule } from '../src/clock/clock.module';
import type { AppConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import type { ForsendelseState } from '../src/forsendelse/forsendelse-state';
import { ForsendelseModule } from '../src/forsendelse/forsendelse.module';
import { ForsendelseTransitions } from '../src/forsendelse/forsendelse-transitions';
import { Metrics } from '../src/ops/metrics';
import { MetricsModule } from '../src/ops/metrics.module';
import { jobIds, QueueName } from '../src/queues/queue-names';
import { QueuesModule } from '../src/queues/queues.module';
import { bullmqConnection } from '../src/queues/redis-options';
import { SchedulerModule } from '../src/queues/scheduler.module';
import { RETENTION_INTERVAL_MS } from '../src/queues/scheduler.service';
import { RetentionModule } from '../src/retention/retention.module';
import { RetentionService } from '../src/retention/retention.service';
import { eventually } from './support/bridge-harness';
import { createTestDatabase, type TestDatabase } from './support/database';
import { LogCapture } from './support/log-capture';
import { aConfig } from './support/test-config';

const REDIS_URL = 'redis://127.0.0.1:6379';
const EVENTS_PER_ROW = 3;

interface Seed {
  state: ForsendelseState;
  /** How long ago it was confirmed (CONFIRMED) or last changed state (the others). */
  daysAgo: number;
}

/**
 * Every DELETE statement on forsendelse and the rows it removed, recorded by Postgres itself (a statement-level
 * trigger with a transition table): the batch bound is observed in the database, not taken from the service.
 */
async function recordDeleteStatements(dataSource: DataSource): Promise<void> {
  await dataSource.query(`CREATE TABLE delete_statement (id serial PRIMARY KEY, table_name text, deleted int)`);
  await dataSource.query(`
    CREATE FUNCTION record_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO delete_statement (table_name, deleted) SELECT TG_TABLE_NAME, count(*) FROM old_rows;
      RETURN NULL;
    END $$`);
  for (const table of ['forsendelse', 'forsendelse_event', 'forsendelse_attempt']) {
    await dataSource.query(`
      CREATE TRIGGER ${table}_deletes AFTER DELETE ON ${table}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_delete()`);
  }
}

async function deleteStatements(dataSource: DataSource, table: string): Promise<number[]> {
  const rows = await dataSource.query<{ deleted: number }[]>(
    `SELECT deleted FROM delete_statement WHERE table_name = $1 ORDER BY id`,
    [table],
  );
  return rows.map((r) => r.deleted);
}

/** Rows as the bridge leaves them: an attempt and three events each; a CONFIRMED one with its confirm time. */
async function seed(dataSource: DataSource, seeds: readonly Seed[]): Promise<string[]> {
  const ids = seeds.map(() => randomUUID());
  await dataSource.query(
    `WITH rows AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS s(mottak_id, state, days_ago)
     ), inserted AS (
       INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, delivered_message_id,
                                confirmed_at, created_at, state_changed_at)
       SELECT mottak_id, state, 1, mottak_id, gen_random_uuid(),
              CASE WHEN state IN ('DELIVERED', 'CONFIRMED') THEN mottak_id END,
              CASE WHEN state = 'CONFIRMED' THEN now() - days_ago * interval '1 day' END,
              now() - days_ago * interval '1 day' - interval '1 hour', now() - days_ago * interval '1 day'
         FROM rows
       RETURNING mottak_id, message_id
     ), attempts AS (
       INSERT INTO forsendelse_attempt (message_id, mottak_id, attempt) SELECT message_id, mottak_id, 1 FROM inserted
     )
     INSERT INTO forsendelse_event (mottak_id, kind, to_state, attempt, message_id)
     SELECT mottak_id, 'transition', 'SENT', 1, message_id FROM inserted, generate_series(1, ${EVENTS_PER_ROW})`,
    [ids, seeds.map((s) => s.state), seeds.map((s) => s.daysAgo)],
  );
  return ids;
}

async function remaining(dataSource: DataSource): Promise<Record<string, { attempts: number; events: number }>> {
  const rows = await dataSource.query<{ mottak_id: string; attempts: number; events: number }[]>(
    `SELECT f.mottak_id,
            (SELECT count(*) FROM forsendelse_attempt a WHERE a.mottak_id = f.mottak_id)::int AS attempts,
            (SELECT count(*) FROM forsendelse_event e WHERE e.mottak_id = f.mottak_id)::int AS events
       FROM forsendelse f`,
  );
  return Object.fromEntries(rows.map((r) => [r.mottak_id, { attempts: r.attempts, events: r.events }]));
}

async function orphans(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query<{ n: number }[]>(
    `SELECT ((SELECT count(*) FROM forsendelse_event e WHERE NOT EXISTS
                (SELECT 1 FROM forsendelse f WHERE f.mottak_id = e.mottak_id))
           + (SELECT count(*) FROM forsendelse_attempt a WHERE NOT EXISTS
                (SELECT 1 FROM forsendelse f WHERE f.mottak_id = a.mottak_id)))::int AS n`,
  );
  return row.n;
}

async function prunedTotal(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.retentionPruned.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.table), v.value]));
}

describe('retention (real Postgres)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let transitions: ForsendelseTransitions;
  let config: AppConfig;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = aConfig({ DATABASE_URL: db.url, RETENTION_DAYS: '30', EFM_TTL_HOURS: '24' });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), MetricsModule, ClockModule, ForsendelseModule],
    }).compile();
    await moduleRef.init();
    dataSource = moduleRef.get(getDataSourceToken());
    transitions = moduleRef.get(ForsendelseTransitions);
    await recordDeleteStatements(dataSource);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE forsendelse, forsendelse_event, forsendelse_attempt, delete_statement`);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  const service = (overrides: Record<string, string>, metrics = new Metrics()) =>
    new RetentionService(aConfig({ DATABASE_URL: db.url, ...overrides }), transitions, metrics, new SystemClock());

  it('deletes CONFIRMED rows past the cut-off with their attempts and events, a bounded batch per statement', async () => {
    const old = await seed(
      dataSource,
      Array.from({ length: 10 }, (_, i) => ({ state: 'CONFIRMED' as const, daysAgo: 31 + i })),
    );
    const kept = await seed(dataSource, [
      { state: 'CONFIRMED', daysAgo: 29 },
      { state: 'CONFIRMED', daysAgo: 1 },
      // Not final: work or an operator's business, whatever their age.
      { state: 'FAILED', daysAgo: 400 },
      { state: 'SENT', daysAgo: 400 },
      { state: 'DELIVERED', daysAgo: 400 },
      { state: 'DISCOVERED', daysAgo: 400 },
      { state: 'FORWARDING', daysAgo: 400 },
    ]);
    const metrics = new Metrics();
    const logs = new LogCapture();
    Logger.overrideLogger(logs);

    const result = await service({ RETENTION_DAYS: '30', EFM_TTL_HOURS: '24' }, metrics)
      .prune({ batchSize: 3, budgetMs: 60_000 })
      .finally(() => {
        // Back to what test/setup/quiet-logs.ts set.
        Logger.overrideLogger(process.env.TEST_LOGS ? ['log', 'error', 'warn', 'debug'] : false);
      });

    expect(result).toMatchObject({
      forsendelse: 10,
      forsendelse_attempt: 10,
      forsendelse_event: 10 * EVENTS_PER_ROW,
      batches: 4,
      more: false,
    });
    // Four statements of at most three rows each (the last finds one and ends the run), children with them.
    expect(await deleteStatements(dataSource, 'forsendelse')).toEqual([3, 3, 3, 1]);
    expect(await deleteStatements(dataSource, 'forsendelse_attempt')).toEqual([3, 3, 3, 1]);
    expect(await deleteStatements(dataSource, 'forsendelse_event')).toEqual([9, 9, 9, 3]);
    const left = await remaining(dataSource);
    expect(Object.keys(left).sort()).toEqual([...kept].sort());
    for (const id of kept) {
      expect(left[id]).toEqual({ attempts: 1, events: EVENTS_PER_ROW });
    }
    expect(old.some((id) => id in left)).toBe(false);
    expect(await orphans(dataSource)).toBe(0);
    expect(await prunedTotal(metrics)).toEqual({
      forsendelse: 10,
      forsendelse_attempt: 10,
      forsendelse_event: 10 * EVENTS_PER_ROW,
    });
    // One line per run, with the counts.
    expect(logs.entries.filter((e) => e.context === 'Retention')).toEqual([
      {
        level: 'log',
        context: 'Retention',
        fields: expect.objectContaining({
          msg: 'confirmed forsendelser pruned',
          retentionDays: 30,
          forsendelse: 10,
          forsendelse_attempt: 10,
          forsendelse_event: 10 * EVENTS_PER_ROW,
          batches: 4,
          more: false,
        }) as unknown,
      },
    ]);
  });

  it('deletes the oldest confirms first and stops at its time budget, leaving the rest for the next run', async () => {
    await seed(
      dataSource,
      Array.from({ length: 5 }, (_, i) => ({ state: 'CONFIRMED' as const, daysAgo: 40 + i })),
    );
    const retention = service({ RETENTION_DAYS: '30' });

    const first = await retention.prune({ batchSize: 2, budgetMs: 0 });
    expect(first).toMatchObject({ forsendelse: 2, batches: 1, more: true });
    const [youngest] = await dataSource.query<{ days: number }[]>(
      `SELECT min(extract(epoch FROM now() - confirmed_at) / 86400)::float8 AS days FROM forsendelse`,
    );
    const [oldest] = await dataSource.query<{ days: number }[]>(
      `SELECT max(extract(epoch FROM now() - confirmed_at) / 86400)::float8 AS days FROM forsendelse`,
    );
    expect(youngest.days).toBeCloseTo(40, 1);
    expect(oldest.days).toBeCloseTo(42, 1);

    const second = await retention.prune({ batchSize: 2, budgetMs: 60_000 });
    expect(second).toMatchObject({ forsendelse: 3, batches: 2, more: false });
    expect(await remaining(dataSource)).toEqual({});
  });

  it('keeps a confirmed row while the IP may still report on it: EFM_TTL_HOURS + 24 h after its confirm', async () => {
    // RETENTION_DAYS=1 with a delivery deadline of 72 h: a row confirmed 3.5 days ago may still get its FEIL.
    const [watched] = await seed(dataSource, [{ state: 'CONFIRMED', daysAgo: 3.5 }]);
    const [settled] = await seed(dataSource, [{ state: 'CONFIRMED', daysAgo: 4.5 }]);

    const result = await service({ RETENTION_DAYS: '1', EFM_TTL_HOURS: '72' }).prune();

    expect(result.forsendelse).toBe(1);
    const left = await remaining(dataSource);
    expect(Object.keys(left)).toEqual([watched]);
    expect(settled in left).toBe(false);
  });

  it('keeps everything with RETENTION_DAYS=0', async () => {
    const ids = await seed(dataSource, [
      { state: 'CONFIRMED', daysAgo: 3650 },
      { state: 'CONFIRMED', daysAgo: 91 },
    ]);

    const result = await service({ RETENTION_DAYS: '0' }).prune({ batchSize: 1, budgetMs: 60_000 });

    expect(result).toMatchObject({ forsendelse: 0, batches: 0 });
    expect(Object.keys(await remaining(dataSource)).sort()).toEqual([...ids].sort());
    expect(await deleteStatements(dataSource, 'forsendelse')).toEqual([]);
  });

  it('uses the partial index for a batch, not a scan of the table', async () => {
    await seed(
      dataSource,
      Array.from({ length: 200 }, (_, i) => ({
        state: i % 2 ? ('SENT' as const) : ('CONFIRMED' as const),
        daysAgo: i,
      })),
    );
    await dataSource.query('ANALYZE forsendelse');
    await dataSource.query('SET enable_seqscan = off');
    try {
      const plan = (
        await dataSource.query<{ 'QUERY PLAN': string }[]>(
          `EXPLAIN SELECT mottak_id FROM forsendelse WHERE state = 'CONFIRMED' AND confirmed_at < now()
            ORDER BY confirmed_at LIMIT 1000`,
        )
      )
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).toContain('forsendelse_confirmed_idx');
    } finally {
      await dataSource.query('RESET enable_seqscan');
    }
  });
});

describe('the retention job', () => {
  let db: TestDatabase;
  const apps: TestingModule[] = [];
  const prefix = `ret${randomBytes(4).toString('hex')}`;
  const queue = new Queue(QueueName.Retention, { connection: bullmqConnection({ url: REDIS_URL }), prefix });

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db?.drop();
  });

  async function start(retentionDays: string): Promise<TestingModule> {
    const config = aConfig({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, RETENTION_DAYS: retentionDays });
    const app = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        ClockModule,
        QueuesModule,
        SchedulerModule,
        ForsendelseModule,
        RetentionModule,
      ],
    }).compile();
    apps.push(app);
    await app.init();
    return app;
  }

  it('is scheduled hourly, runs, prunes, and is unscheduled by RETENTION_DAYS=0', async () => {
    // Seeded before the bridge starts: a new scheduler's first run is due at once.
    const migrated = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(aConfig({ DATABASE_URL: db.url })), ForsendelseModule],
    }).compile();
    await migrated.init();
    const [old] = await seed(migrated.get(getDataSourceToken()), [{ state: 'CONFIRMED', daysAgo: 91 }]);
    const [young] = await seed(migrated.get(getDataSourceToken()), [{ state: 'CONFIRMED', daysAgo: 89 }]);
    await migrated.close();

    const app = await start('90');
    const dataSource = app.get<DataSource>(getDataSourceToken());

    const scheduler = await queue.getJobScheduler(jobIds.scheduler(QueueName.Retention));
    expect(scheduler).toMatchObject({ every: RETENTION_INTERVAL_MS });
    expect(RETENTION_INTERVAL_MS).toBe(3_600_000);

    // The scheduler's first run is due now: the worker of this app takes it and prunes.
    const completed = await eventually(
      async () => (await queue.getJobs(['completed']))[0],
      30_000,
      'the first retention run',
    );
    expect(completed.returnvalue).toMatchObject({ forsendelse: 1, forsendelse_event: EVENTS_PER_ROW, batches: 1 });
    const left = await remaining(dataSource);
    expect(Object.keys(left)).toEqual([young]);
    expect(old in left).toBe(false);
    await app.close();
    apps.pop();

    await start('0');
    expect(await queue.getJobScheduler(jobIds.scheduler(QueueName.Retention))).toBeUndefined();
  });
});
