/**
 * bench:scale — what one tick of poll, track and reconcile costs as the forsendelse table grows. Per size in
 * --rows, a fresh database (migrations applied) is bulk-filled: --in-flight rows in DISCOVERED, FORWARDING,
 * SENT and DELIVERED (the same mottakIds at every size, listed on the Brreg simulator's /available, the SENT
 * ones known to the IP simulator and held at MOTTATT) and the rest CONFIRMED with their attempts and events.
 * Each tick calls the service method its processor calls; the sizes are timed alternately, --reps times
 * after a warm-up, and the median is kept. The SQL each tick ran is captured from TypeORM and run again
 * under EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back.
 *
 * --prune (retention, RETENTION_DAYS): the CONFIRMED rows are confirmed before the retention cut-off instead,
 * 91–181 days ago. After the timed ticks the largest size is pruned by RetentionService in its batches, timed
 * per batch with the statements counted, and its ticks are timed again: right after the prune and after a
 * VACUUM. Results go to bench/results/retention.json (not scale.json) and no chart is drawn.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { BrregClient } from '../src/brreg/brreg.client';
import { PollHealth } from '../src/brreg/poll-health';
import { PollService } from '../src/brreg/poll.service';
import { SystemClock } from '../src/clock/clock';
import type { AppConfig } from '../src/config/app-config';
import { loadConfig } from '../src/config/config.loader';
import { ClockModule } from '../src/clock/clock.module';
import { ConfigModule } from '../src/config/config.module';
import { IntegrasjonspunktClient } from '../src/eformidling/integrasjonspunkt.client';
import { conversationIdFor, messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { ForsendelseModule } from '../src/forsendelse/forsendelse.module';
import { ForsendelseTransitions } from '../src/forsendelse/forsendelse-transitions';
import { ForsendelseQueries } from '../src/forsendelse/forsendelse-queries';
import { OutboundHttp } from '../src/http/outbound-http';
import { MaskinportenTokenProvider } from '../src/maskinporten/maskinporten-token.provider';
import { MaskinportenClient } from '../src/maskinporten/maskinporten.client';
import { loadSigningKey } from '../src/maskinporten/signing-key.loader';
import { Metrics } from '../src/ops/metrics';
import { QueuesModule } from '../src/queues/queues.module';
import { WorkQueues } from '../src/queues/work-queues';
import { ReconcileService } from '../src/reconcile/reconcile.service';
import { RETENTION_BATCH, RetentionService } from '../src/retention/retention.service';
import { StatusApplier } from '../src/tracking/status-applier';
import { StatusCursorRepository } from '../src/tracking/status-cursor.repository';
import { StatusTracker } from '../src/tracking/status-tracker';
import { WebhookSubscriptionService } from '../src/tracking/webhook-subscription.service';
import { control, createTestDatabase, startTestSimulators, testKeys } from '../test/support/bridge-harness';
import type { TestDatabase } from '../test/support/database';
import { writeChart } from './chart';
import { flags, printTable, writeResults } from './common';
import { bridgeEnv } from './env';
import { removeQueueKeys } from './queue-keys';
import { sendLikeAScript } from './script-send';

/** Issue 7: the 100k-row tick may cost at most 1.5 × the 1k-row tick. */
const RATIO_GOAL = 1.5;
const EXPLAIN_RUNS = 3;
const TICKS = ['poll', 'track (feed)', 'track (per-message)', 'reconcile'] as const;
type Tick = (typeof TICKS)[number];

interface InFlight {
  mottakId: string;
  state: 'DISCOVERED' | 'FORWARDING' | 'SENT' | 'DELIVERED';
}

interface CapturedQuery {
  sql: string;
  parameters: unknown[];
}

interface QueryPlan {
  sql: string;
  callsPerTick: number;
  executionMs: number;
  scans: string[];
  plan: string[];
}

/** One size's database, its Nest context and the tick functions bound to it. */
interface Fixture {
  rows: number;
  db: TestDatabase;
  prefix: string;
  moduleRef: TestingModule;
  dataSource: DataSource;
  ticks: Record<Tick, () => Promise<unknown>>;
  retention: RetentionService;
  captured: CapturedQuery[] | undefined;
  bulkSeconds: number;
}

/** What pruning the largest size cost, and its ticks before and after (--prune). */
interface PruneFigures {
  rows: number;
  indexBuildSeconds: number;
  deleted: { forsendelse: number; forsendelse_attempt: number; forsendelse_event: number };
  batches: number;
  statements: number;
  seconds: number;
  batchMs: { p50: number; p95: number; max: number };
  plan: string[];
  seqScans: string[];
  ticksAfterMs: Record<Tick, number[]>;
  ticksAfterVacuumMs: Record<Tick, number[]>;
}

Logger.overrideLogger(['error']);

async function main(): Promise<void> {
  const raw = flags(
    {
      rows: { default: '1000,100000' },
      'in-flight': { default: '300' },
      reps: { default: '11' },
    },
    ['prune'],
  );
  const prune = raw.prune === 'true';
  const sizes = raw.rows.split(',').map(Number);
  const inFlightCount = Number(raw['in-flight']);
  const reps = Number(raw.reps);
  if (sizes.some((n) => !(n >= inFlightCount))) {
    throw new Error('--rows: every size must hold at least --in-flight rows');
  }
  console.log(
    `bench:scale — forsendelse tables of ${sizes.join(' and ')} rows, ${inFlightCount} of them in flight; ` +
      `${reps} timed repetitions per tick and size (after one warm-up), sizes alternating; median kept`,
  );
  const keys = await testKeys();
  // HOLD: the SENT messages stop at MOTTATT, so every track tick finds the same statuses and changes nothing.
  const sims = await startTestSimulators(
    { integrasjonspunkt: { statusDelayMs: 0, sendDelayMs: 0, ttlCheckIntervalMs: 30_000 } },
    'plain',
  );
  const fixtures: Fixture[] = [];
  const http: OutboundHttp[] = [];
  try {
    await control(sims.integrasjonspunkt.url, '/scripts', {
      body: { match: { receiver: '310000001' }, preset: 'HOLD' },
    });
    const seededIds = (
      await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', {
        body: { orgnr: keys.orgnr, count: inFlightCount, kind: 'vedtak', sizeBytes: 4096 },
      })
    ).map((item) => item.mottakId);
    const inFlight = seededIds.map((mottakId, i) => ({ mottakId, state: inFlightState(i, inFlightCount) }));
    const baseEnv = bridgeEnv(sims, keys, 'postgres://postgres@127.0.0.1:5432/unused');
    const config = loadConfig(baseEnv);
    await sendToIp(
      config,
      inFlight.filter((r) => r.state === 'SENT'),
    );
    console.log(
      `  in flight: ${JSON.stringify(countBy(inFlight.map((r) => r.state)))}; the SENT ones created and sent at ` +
        'the IP simulator (held at MOTTATT); all listed on /available at Brreg',
    );
    for (const rows of sizes) {
      fixtures.push(await prepare(rows, inFlight, baseEnv, http, prune));
    }

    const times: Record<number, Record<Tick, number[]>> = {};
    for (const f of fixtures) {
      times[f.rows] = Object.fromEntries(TICKS.map((t) => [t, []])) as unknown as Record<Tick, number[]>;
    }
    for (let rep = -1; rep < reps; rep++) {
      for (const tick of TICKS) {
        for (const f of rep % 2 === 0 ? fixtures : [...fixtures].reverse()) {
          const t0 = performance.now();
          await f.ticks[tick]();
          const ms = performance.now() - t0;
          if (rep >= 0) {
            times[f.rows][tick].push(ms);
          }
        }
      }
    }

    const plans: Record<number, Record<Tick, QueryPlan[]>> = {};
    for (const f of fixtures) {
      plans[f.rows] = {} as Record<Tick, QueryPlan[]>;
      for (const tick of TICKS) {
        plans[f.rows][tick] = await explainTick(f, tick);
      }
    }
    const pruned = prune ? await pruneLargest(fixtures[fixtures.length - 1], inFlightCount, reps) : undefined;
    report(fixtures, times, plans, sizes, inFlightCount, reps, pruned);
  } finally {
    for (const f of fixtures) {
      await f.moduleRef.close().catch(() => undefined);
      await f.db.drop().catch(() => undefined);
      await removeQueueKeys(f.prefix).catch(() => undefined);
    }
    for (const h of http) {
      await h.close();
    }
    await sims.close();
  }
}

/** Spread over the four in-flight states: mostly SENT, as in steady operation. */
function inFlightState(i: number, n: number): InFlight['state'] {
  const share = i / n;
  if (share < 0.1) {
    return 'DISCOVERED';
  }
  if (share < 0.2) {
    return 'FORWARDING';
  }
  if (share < 0.85) {
    return 'SENT';
  }
  return 'DELIVERED';
}

/** Creates, uploads and sends attempt 1 of each at the IP simulator, as the forward job would have. */
async function sendToIp(config: AppConfig, rows: readonly InFlight[]): Promise<void> {
  for (const { mottakId } of rows) {
    await sendLikeAScript(config.efm, mottakId, Buffer.alloc(1024, 1));
  }
}

async function prepare(
  rows: number,
  inFlight: readonly InFlight[],
  baseEnv: Record<string, string>,
  https: OutboundHttp[],
  old: boolean,
): Promise<Fixture> {
  const db = await createTestDatabase();
  const prefix = `benchscale${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ ...baseEnv, DATABASE_URL: db.url, QUEUE_PREFIX: prefix });
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), ClockModule, ForsendelseModule, QueuesModule],
  }).compile();
  await moduleRef.init();
  const t0 = performance.now();
  await bulkInsert(db.url, rows, inFlight, old ? 91 : 0);
  const bulkSeconds = (performance.now() - t0) / 1000;
  console.log(`  ${rows} rows: bulk insert and VACUUM (ANALYZE) in ${bulkSeconds.toFixed(1)} s`);

  const dataSource = moduleRef.get<DataSource>(getDataSourceToken());
  const transitions = moduleRef.get(ForsendelseTransitions);
  const queries = moduleRef.get(ForsendelseQueries);
  const queues = moduleRef.get(WorkQueues);
  const clock = new SystemClock();
  const http = OutboundHttp.fromConfig(config);
  https.push(http);
  const tokens = new MaskinportenTokenProvider(
    new MaskinportenClient(http, config.maskinporten, loadSigningKey(config.maskinporten.key)),
    clock,
  );
  const ip = new IntegrasjonspunktClient(http, config.efm.baseUrl);
  const metrics = new Metrics();
  const applier = new StatusApplier(config, transitions, queries, queues, metrics, ip);
  const cursor = new StatusCursorRepository(dataSource);
  const tracker = (strategy: AppConfig['efm']['statusStrategy']) =>
    new StatusTracker(
      { ...config, efm: { ...config.efm, statusStrategy: strategy } },
      ip,
      applier,
      queries,
      cursor,
      clock,
    );
  const feed = tracker('feed');
  const perMessage = tracker('per-message');
  const poll = new PollService(
    config,
    new BrregClient(http, config.brreg.baseUrl, tokens),
    transitions,
    queues,
    new PollHealth(),
    clock,
  );
  const reconcile = new ReconcileService(config, queries, queues, clock, new WebhookSubscriptionService(config, ip));

  const fixture: Fixture = {
    rows,
    db,
    prefix,
    moduleRef,
    dataSource,
    retention: new RetentionService(config, transitions, metrics, clock),
    captured: undefined,
    bulkSeconds,
    ticks: {
      poll: () => poll.poll(),
      'track (feed)': () => feed.tick(),
      'track (per-message)': () => perMessage.tick(),
      reconcile: () => reconcile.reconcile(),
    },
  };
  // TypeORM hands every statement to its logger before running it; with logging off that call does nothing, so
  // it is the one place to see the SQL a tick runs without touching the product or the server's settings.
  const logger = dataSource.logger;
  logger.logQuery = (sql: string, parameters?: unknown[]) => {
    fixture.captured?.push({ sql, parameters: parameters ?? [] });
  };
  return fixture;
}

/**
 * CONFIRMED rows as the bridge leaves them (one attempt, five transitions and three IP statuses each),
 * then the in-flight ones with the rows and events their state implies. Times spread over 90 days, ending
 * `agoDays` days ago.
 */
async function bulkInsert(url: string, rows: number, inFlight: readonly InFlight[], agoDays: number): Promise<void> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    await pg.query('BEGIN');
    await pg.query(
      `INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, oppdatert, bytes, sha256,
                                delivered_message_id, delivered_at, confirmed_at, created_at, state_changed_at)
       SELECT m, 'CONFIRMED', 1, msg, gen_random_uuid(), to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.MS'), 8192,
              md5(m::text) || md5(msg::text), msg, t + interval '40 seconds', t + interval '41 seconds', t,
              t + interval '41 seconds'
         FROM (SELECT gen_random_uuid() AS m, gen_random_uuid() AS msg,
                      now() - $2::int * interval '1 day' - interval '1 hour' - random() * interval '90 days' AS t
                 FROM generate_series(1, $1::int)) s`,
      [rows - inFlight.length, agoDays],
    );
    await pg.query(
      `INSERT INTO forsendelse_attempt (message_id, mottak_id, attempt, created_at)
       SELECT message_id, mottak_id, 1, created_at FROM forsendelse`,
    );
    await pg.query(
      `INSERT INTO forsendelse_event (mottak_id, at, kind, from_state, to_state, attempt, message_id, status, ip_status_id)
       SELECT f.mottak_id, f.created_at + e.after, e.kind, e.from_state, e.to_state, 1, f.message_id, e.status,
              CASE WHEN e.kind = 'status' THEN (row_number() OVER ())::bigint END
         FROM forsendelse f
        CROSS JOIN (VALUES
          (interval '0 s',  'transition', NULL,         'DISCOVERED', NULL),
          (interval '1 s',  'transition', 'DISCOVERED', 'FORWARDING', NULL),
          (interval '2 s',  'transition', 'FORWARDING', 'SENT',       NULL),
          (interval '3 s',  'status',     NULL,         NULL,         'SENDT'),
          (interval '20 s', 'status',     NULL,         NULL,         'MOTTATT'),
          (interval '40 s', 'status',     NULL,         NULL,         'LEVERT'),
          (interval '40 s', 'transition', 'SENT',       'DELIVERED',  NULL),
          (interval '41 s', 'transition', 'DELIVERED',  'CONFIRMED',  NULL)
        ) AS e(after, kind, from_state, to_state, status)
        ORDER BY f.created_at, e.after`,
    );
    // In flight: DISCOVERED, FORWARDING and DELIVERED rows have sat ten minutes (reconcile re-enqueues them), SENT
    // ones five (waiting on the IP, not overdue).
    await pg.query(
      `INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, send_requested_at,
                                delivered_message_id, delivered_at, created_at, state_changed_at)
       SELECT r.mottak_id, r.state, 1, r.message_id, r.conversation_id,
              CASE WHEN r.state IN ('SENT', 'DELIVERED') THEN now() - interval '11 minutes' END,
              CASE WHEN r.state = 'DELIVERED' THEN r.message_id END,
              CASE WHEN r.state = 'DELIVERED' THEN now() - interval '10 minutes' END,
              now() - interval '12 minutes',
              now() - CASE WHEN r.state = 'SENT' THEN interval '5 minutes' ELSE interval '10 minutes' END
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[]) AS r(mottak_id, state, message_id, conversation_id)`,
      [
        inFlight.map((r) => r.mottakId),
        inFlight.map((r) => r.state),
        inFlight.map((r) => messageIdFor(r.mottakId, 1)),
        inFlight.map((r) => conversationIdFor(r.mottakId)),
      ],
    );
    await pg.query(
      `INSERT INTO forsendelse_attempt (message_id, mottak_id, attempt)
       SELECT message_id, mottak_id, 1 FROM forsendelse WHERE state IN ('FORWARDING', 'SENT', 'DELIVERED')`,
    );
    await pg.query(
      `INSERT INTO forsendelse_event (mottak_id, at, kind, from_state, to_state, attempt, message_id, status)
       SELECT f.mottak_id, f.created_at + e.after, e.kind, e.from_state, e.to_state, 1, f.message_id, e.status
         FROM forsendelse f
         JOIN (VALUES
           (0, interval '0 s',  'transition', NULL,         'DISCOVERED', NULL),
           (1, interval '1 s',  'transition', 'DISCOVERED', 'FORWARDING', NULL),
           (2, interval '2 s',  'transition', 'FORWARDING', 'SENT',       NULL),
           (3, interval '3 s',  'status',     NULL,         NULL,         'SENDT'),
           (3, interval '20 s', 'status',     NULL,         NULL,         'MOTTATT'),
           (3, interval '40 s', 'status',     NULL,         NULL,         'LEVERT'),
           (3, interval '40 s', 'transition', 'SENT',       'DELIVERED',  NULL)
         ) AS e(rank, after, kind, from_state, to_state, status)
           ON e.rank <= CASE f.state WHEN 'DISCOVERED' THEN 0 WHEN 'FORWARDING' THEN 1 WHEN 'SENT' THEN 2 ELSE 3 END
        WHERE f.state <> 'CONFIRMED'`,
    );
    await pg.query('COMMIT');
    // As autovacuum would after a load like this: the planner needs the row counts and the state histogram, and
    // index-only scans need the visibility map.
    await pg.query('VACUUM (ANALYZE)');
  } finally {
    await pg.end();
  }
}

/** Runs the tick once more with its SQL captured, then each distinct DML statement under EXPLAIN ANALYZE. */
async function explainTick(f: Fixture, tick: Tick): Promise<QueryPlan[]> {
  f.captured = [];
  await f.ticks[tick]();
  const captured = f.captured;
  f.captured = undefined;
  const distinct = new Map<string, { query: CapturedQuery; calls: number }>();
  for (const query of captured) {
    if (!/^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(query.sql)) {
      continue;
    }
    const entry = distinct.get(query.sql);
    if (entry) {
      entry.calls += 1;
    } else {
      distinct.set(query.sql, { query, calls: 1 });
    }
  }
  const pg = new Client({ connectionString: f.db.url });
  await pg.connect();
  const plans: QueryPlan[] = [];
  try {
    for (const { query, calls } of distinct.values()) {
      // The fastest of a few runs: one run on a busy machine says more about the machine than the query.
      let plan: string[] = [];
      let executionMs = Infinity;
      for (let run = 0; run < EXPLAIN_RUNS; run++) {
        await pg.query('BEGIN');
        try {
          const { rows } = await pg.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`,
            query.parameters,
          );
          plan = rows.map((r) => r['QUERY PLAN']);
          const execution = plan.find((line) => line.startsWith('Execution Time'));
          executionMs = Math.min(executionMs, execution ? Number(/([\d.]+) ms/.exec(execution)?.[1]) : NaN);
        } finally {
          await pg.query('ROLLBACK');
        }
      }
      plans.push({
        sql: query.sql.replace(/\s+/g, ' ').trim(),
        callsPerTick: calls,
        executionMs,
        scans: [
          ...new Set(
            plan
              .map(
                (line) =>
                  /((?:Seq|Index Only|Index|Bitmap Heap|Bitmap Index) Scan(?: using \S+)? on \S+)/.exec(line)?.[1],
              )
              .filter((s): s is string => s !== undefined),
          ),
        ],
        plan,
      });
    }
  } finally {
    await pg.end();
  }
  return plans;
}

/** Times each tick of `f` `reps` times after a warm-up. */
async function timeTicks(f: Fixture, reps: number): Promise<Record<Tick, number[]>> {
  const times = Object.fromEntries(TICKS.map((t) => [t, [] as number[]])) as unknown as Record<Tick, number[]>;
  for (let rep = -1; rep < reps; rep++) {
    for (const tick of TICKS) {
      const t0 = performance.now();
      await f.ticks[tick]();
      if (rep >= 0) {
        times[tick].push(performance.now() - t0);
      }
    }
  }
  return times;
}

/**
 * --prune: the retention job's work on the largest size, one batch per call (a zero time budget stops each
 * run after its first batch) so that every batch is timed; then the ticks again, before and after a VACUUM.
 */
async function pruneLargest(f: Fixture, inFlight: number, reps: number): Promise<PruneFigures> {
  const pg = new Client({ connectionString: f.db.url });
  await pg.connect();
  try {
    // What the migration costs on a table this size (it runs on an empty one here).
    let t0 = performance.now();
    await pg.query('DROP INDEX forsendelse_confirmed_idx');
    await pg.query(`CREATE INDEX forsendelse_confirmed_idx ON forsendelse (confirmed_at) WHERE state = 'CONFIRMED'`);
    const indexBuildSeconds = (performance.now() - t0) / 1000;

    f.captured = [];
    const batchMs: number[] = [];
    const deleted = { forsendelse: 0, forsendelse_attempt: 0, forsendelse_event: 0 };
    let plan: string[] = [];
    t0 = performance.now();
    for (let more = true; more;) {
      const b0 = performance.now();
      const result = await f.retention.prune({ batchSize: RETENTION_BATCH, budgetMs: 0 });
      batchMs.push(performance.now() - b0);
      deleted.forsendelse += result.forsendelse;
      deleted.forsendelse_attempt += result.forsendelse_attempt;
      deleted.forsendelse_event += result.forsendelse_event;
      more = result.more;
      if (batchMs.length === 1) {
        // The plan of the next batch (a full one at any real size), under EXPLAIN ANALYZE and rolled back.
        const query = f.captured.find((q) => /^\s*WITH\b/i.test(q.sql));
        if (query === undefined) {
          throw new Error('the prune statement was not captured');
        }
        await pg.query('BEGIN');
        try {
          await pg.query('SET LOCAL jit = off');
          const { rows } = await pg.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`,
            query.parameters,
          );
          plan = rows.map((r) => r['QUERY PLAN']);
        } finally {
          await pg.query('ROLLBACK');
        }
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    // The smoke's check: every old row went, with its children, and nothing in flight did.
    const { rows: left } = await pg.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM forsendelse GROUP BY state`,
    );
    const confirmedLeft = left.find((r) => r.state === 'CONFIRMED')?.n ?? 0;
    const inFlightLeft = left.reduce((sum, r) => sum + (r.state === 'CONFIRMED' ? 0 : r.n), 0);
    const expected = f.rows - inFlight;
    if (
      inFlightLeft !== inFlight ||
      confirmedLeft !== 0 ||
      deleted.forsendelse !== expected ||
      deleted.forsendelse_event !== 8 * expected
    ) {
      throw new Error(
        `prune left ${confirmedLeft} CONFIRMED and ${inFlightLeft} of ${inFlight} in-flight rows; deleted ${JSON.stringify(deleted)} of ${expected} old rows`,
      );
    }
    const statements = f.captured.filter((q) => /^\s*WITH\b/i.test(q.sql)).length;
    f.captured = undefined;
    const ticksAfterMs = await timeTicks(f, reps);
    await pg.query('VACUUM (ANALYZE)');
    const ticksAfterVacuumMs = await timeTicks(f, reps);
    const sorted = [...batchMs].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    return {
      rows: f.rows,
      indexBuildSeconds,
      deleted,
      batches: batchMs.length,
      statements,
      seconds,
      batchMs: { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] },
      plan,
      seqScans: [
        ...new Set(
          plan
            .map((line) => /(Seq Scan on forsendelse\w*)/.exec(line)?.[1])
            .filter((s): s is string => s !== undefined),
        ),
      ],
      ticksAfterMs,
      ticksAfterVacuumMs,
    };
  } finally {
    await pg.end();
  }
}

function report(
  fixtures: Fixture[],
  times: Record<number, Record<Tick, number[]>>,
  plans: Record<number, Record<Tick, QueryPlan[]>>,
  sizes: number[],
  inFlight: number,
  reps: number,
  pruned?: PruneFigures,
): void {
  const small = sizes[0];
  const large = sizes[sizes.length - 1];
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  /** What the tick's statements cost in the database: calls × EXPLAIN ANALYZE execution time, summed. */
  const dbMs = (rows: number, tick: Tick) =>
    plans[rows][tick].reduce(
      (sum, p) => sum + p.callsPerTick * (Number.isFinite(p.executionMs) ? p.executionMs : 0),
      0,
    );
  const summary = TICKS.map((tick) => {
    const medians = Object.fromEntries(sizes.map((rows) => [rows, median(times[rows][tick])]));
    const ratio = medians[large] / medians[small];
    // Load from elsewhere only ever adds time: the fastest run is the other estimate of what the tick costs.
    const fastest = Object.fromEntries(sizes.map((rows) => [rows, Math.min(...times[rows][tick])]));
    const fastestRatio = fastest[large] / fastest[small];
    const dbRatio = dbMs(large, tick) / dbMs(small, tick);
    const seqScans = plans[large][tick].flatMap((p) => p.scans.filter((s) => /^Seq Scan on forsendelse/.test(s)));
    return {
      tick,
      medians,
      ratio,
      fastest,
      fastestRatio,
      dbMs: Object.fromEntries(sizes.map((rows) => [rows, dbMs(rows, tick)])),
      dbRatio,
      statements: plans[large][tick].reduce((sum, p) => sum + p.callsPerTick, 0),
      seqScans: [...new Set(seqScans)],
      verdict: ratio <= RATIO_GOAL ? 'ok' : 'MISS',
    };
  });
  printTable(
    `tick cost: median of ${reps} (ms), ${inFlight} rows in flight at every size`,
    [
      'tick',
      ...sizes.map((n) => `${n} rows ms`),
      `${large}÷${small}`,
      'goal',
      'fastest ratio',
      ...sizes.map((n) => `DB ms @${n}`),
      'DB ratio',
      'statements',
      'seq scans of forsendelse*',
      'verdict',
    ],
    summary.map((s) => [
      s.tick,
      ...sizes.map((n) => s.medians[n].toFixed(1)),
      s.ratio.toFixed(2),
      `≤ ${RATIO_GOAL}`,
      s.fastestRatio.toFixed(2),
      ...sizes.map((n) => s.dbMs[n].toFixed(2)),
      s.dbRatio.toFixed(2),
      s.statements,
      s.seqScans.length === 0 ? 'none' : s.seqScans.join('; '),
      s.verdict,
    ]),
  );
  console.log(
    'ms = wall time of one call of the service method the processor calls (HTTP to the simulators included); ' +
      'fastest ratio = the same ratio of the fastest runs; ' +
      'DB ms = Σ over its distinct statements of (times run in the tick × EXPLAIN ANALYZE execution time); ' +
      `statements = SQL statements one tick ran at ${large} rows. Goal (issue 7): ${large}÷${small} ≤ ${RATIO_GOAL}.`,
  );
  for (const tick of TICKS) {
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS), ${tick}, ${large} rows (execution ms at ${sizes.join(' / ')} rows):`);
    for (const plan of plans[large][tick]) {
      const atSizes = sizes
        .map((n) => plans[n][tick].find((p) => p.sql === plan.sql)?.executionMs.toFixed(3) ?? '?')
        .join(' / ');
      console.log(
        `  × ${plan.callsPerTick}  ${atSizes} ms  ${plan.sql.slice(0, 150)}${plan.sql.length > 150 ? ' …' : ''}`,
      );
      for (const line of plan.plan) {
        console.log(`      ${line}`);
      }
    }
  }
  if (pruned) {
    reportPrune(pruned, summary, small, large, median, inFlight);
  }
  const path = writeResults(pruned ? 'retention' : 'scale', {
    sizes,
    inFlight,
    reps,
    ratioGoal: RATIO_GOAL,
    bulkSeconds: Object.fromEntries(fixtures.map((f) => [f.rows, f.bulkSeconds])),
    ticks: summary,
    timesMs: times,
    plans,
    pruned,
  });
  console.log(`\nwritten: ${path}`);
  if (pruned) {
    return;
  }
  console.log(
    `chart: ${writeChart('scale-ticks', {
      title: `bench:scale — one tick at ${small} and ${large} rows (median ms)`,
      unit: 'ms per tick',
      series: sizes.map((n) => `${n} rows`),
      groups: summary.map((s) => ({ label: s.tick, values: sizes.map((n) => s.medians[n]) })),
      scale: 'log',
      note: `${inFlight} rows in flight at every size; goal: ${large}÷${small} ≤ ${RATIO_GOAL} per tick`,
    })}`,
  );
}

function reportPrune(
  pruned: PruneFigures,
  summary: { tick: Tick; medians: Record<number, number> }[],
  small: number,
  large: number,
  median: (values: number[]) => number,
  inFlight: number,
): void {
  printTable(
    `retention: ${pruned.deleted.forsendelse} old CONFIRMED rows pruned in batches of ${RETENTION_BATCH}`,
    ['table', 'rows deleted'],
    Object.entries(pruned.deleted).map(([table, n]) => [table, n]),
  );
  printTable(
    'retention: cost',
    ['figure', 'value'],
    [
      ['batches (runs of one batch)', pruned.batches],
      ['DELETE statements (WITH … DELETE)', pruned.statements],
      ['total s', pruned.seconds.toFixed(1)],
      ['rows/s', Math.round(pruned.deleted.forsendelse / pruned.seconds)],
      ['batch ms p50', pruned.batchMs.p50.toFixed(1)],
      ['batch ms p95', pruned.batchMs.p95.toFixed(1)],
      ['batch ms max', pruned.batchMs.max.toFixed(1)],
      ['index build s (migration, on the full table)', pruned.indexBuildSeconds.toFixed(2)],
      ['seq scans of forsendelse* in a batch', pruned.seqScans.length === 0 ? 'none' : pruned.seqScans.join('; ')],
    ],
  );
  printTable(
    `tick cost with the old rows (median ms): ${inFlight} in flight only, with ${large - small} old CONFIRMED ` +
      'rows, and after pruning them',
    ['tick', `${small} rows`, `${large} rows`, `${large}÷${small}`, 'pruned', 'pruned + VACUUM'],
    summary.map((s) => [
      s.tick,
      s.medians[small].toFixed(1),
      s.medians[large].toFixed(1),
      (s.medians[large] / s.medians[small]).toFixed(2),
      median(pruned.ticksAfterMs[s.tick]).toFixed(1),
      median(pruned.ticksAfterVacuumMs[s.tick]).toFixed(1),
    ]),
  );
  console.log('\nEXPLAIN (ANALYZE, BUFFERS) of the second batch (rolled back):');
  for (const line of pruned.plan) {
    console.log(`      ${line}`);
  }
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) {
    counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
