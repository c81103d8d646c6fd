/**
 * bench:status — status economy. --count forsendelser forwarded by the bridge (its own process) into the IP
 * simulator, whose scripts make each message's MOTTATT and LEVERT arrive at a seeded, uniformly spread time
 * within --spread-s after its SENDT. One run per strategy, each on fresh simulators, database and queue
 * prefix. Counted from what the simulators recorded: the IP status calls per delivered message (its call
 * log), and the delay from the IP storing LEVERT (the status's lastUpdate) to our confirm arriving at Brreg.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { SeededRandom } from '../src/simulator/common/seeded-random';
import { control, createTestDatabase, freePort, startTestSimulators, testKeys } from '../test/support/bridge-harness';
import { writeChart } from './chart';
import { cpuMsOf, flags, parseSize, percentile, printTable, sleep, Worker, writeResults } from './common';
import { bridgeEnv } from './env';
import { removeQueueKeys } from './queue-keys';
import type { StatusWorkerSetup } from './status-worker';

const STRATEGIES = ['feed', 'per-message', 'queue', 'feed+webhook'] as const;
type Strategy = (typeof STRATEGIES)[number];

/** The feed goal of issue 7: at most one status call per twenty delivered messages. */
const FEED_CALLS_GOAL = 0.05;
const WEBHOOK_P99_GOAL_MS = 1_000;

interface Options {
  count: number;
  intervalMs: number;
  spreadMs: number;
  minDelayMs: number;
  itemSize: number;
  timeoutMs: number;
  seed: number;
}

interface CallRecord {
  time: string;
  method: string;
  url: string;
  status: number;
}

interface CaseResult {
  strategy: Strategy;
  delivered: number;
  failed: number;
  seconds: number;
  statusCalls: number;
  callsByKind: Record<string, number>;
  statusCallsPerMessage: number;
  allIpCallsPerMessage: number;
  webhookPushes: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  learnP50Ms: number;
  learnP99Ms: number;
  bridgeCpuSeconds: number;
  callsGoal: number | null;
  p99GoalMs: number;
  verdict: string;
}

async function main(): Promise<void> {
  const raw = flags({
    count: { default: '1000' },
    strategies: { default: STRATEGIES.join(',') },
    'interval-ms': { default: '10000' },
    'spread-s': { default: '120' },
    'min-delay-s': { default: '5' },
    'item-size': { default: '8k' },
    'timeout-s': { default: '900' },
    seed: { default: '7' },
  });
  const strategies = raw.strategies.split(',').map((s) => s.trim());
  for (const s of strategies) {
    if (!(STRATEGIES as readonly string[]).includes(s)) {
      throw new Error(`--strategies: unknown ${s} (one of ${STRATEGIES.join(', ')})`);
    }
  }
  const options: Options = {
    count: Number(raw.count),
    intervalMs: Number(raw['interval-ms']),
    spreadMs: Number(raw['spread-s']) * 1000,
    minDelayMs: Number(raw['min-delay-s']) * 1000,
    itemSize: parseSize(raw['item-size']),
    timeoutMs: Number(raw['timeout-s']) * 1000,
    seed: Number(raw.seed),
  };
  console.log(
    `bench:status — ${options.count} forsendelser of ${options.itemSize} bytes per strategy; LEVERT at a seeded ` +
      `uniform ${options.minDelayMs / 1000}–${(options.minDelayMs + options.spreadMs) / 1000} s after SENDT ` +
      `(MOTTATT halfway); EFM_STATUS_POLL_INTERVAL_MS=${options.intervalMs}, BRREG_POLL_INTERVAL_MS=1000, ` +
      `other settings default`,
  );
  const results: CaseResult[] = [];
  for (const strategy of strategies as Strategy[]) {
    results.push(await runCase(strategy, options));
  }

  printTable(
    `status economy: ${options.count} messages per strategy, poll interval ${options.intervalMs / 1000} s`,
    [
      'strategy',
      'delivered',
      'failed',
      'status calls',
      'calls/msg',
      'goal',
      'all IP calls/msg',
      'p50 s',
      'p99 s',
      'p99 goal s',
      'max s',
      'learn p99 s',
      'bridge CPU s',
      'verdict',
    ],
    results.map((r) => [
      r.strategy,
      r.delivered,
      r.failed,
      r.statusCalls,
      r.statusCallsPerMessage.toFixed(3),
      r.callsGoal === null ? '—' : `≤ ${r.callsGoal}`,
      r.allIpCallsPerMessage.toFixed(2),
      (r.delayP50Ms / 1000).toFixed(2),
      (r.delayP99Ms / 1000).toFixed(2),
      `≤ ${(r.p99GoalMs / 1000).toFixed(1)}`,
      (r.delayMaxMs / 1000).toFixed(2),
      (r.learnP99Ms / 1000).toFixed(2),
      r.bridgeCpuSeconds.toFixed(1),
      r.verdict,
    ]),
  );
  printTable(
    'IP status calls by kind',
    ['strategy', ...CALL_KINDS],
    results.map((r) => [r.strategy, ...CALL_KINDS.map((k) => r.callsByKind[k] ?? 0)]),
  );
  console.log(
    'status calls = every IP call of the status API (feed pages, per-message reads, peek + DELETE) and the ' +
      'subscription checks; calls/msg = status calls ÷ delivered. Delay = Brreg confirm arrival − the IP ' +
      "status LEVERT's lastUpdate (p50/p99/max over delivered messages); learn = LEVERT's lastUpdate → our " +
      'DELIVERED transition. Goals (issue 7): feed ≤ 0.05 calls/msg; p99 ≤ poll interval + 1 s; webhook p99 ≤ 1 s.',
  );
  const path = writeResults('status', { options, results });
  console.log(`written: ${path}`);
  const note = `${options.count} messages, LEVERT spread over ${options.spreadMs / 1000} s, poll every ${options.intervalMs / 1000} s`;
  console.log(
    `chart: ${writeChart('status-calls', {
      title: 'bench:status — IP status calls per delivered message',
      unit: 'calls per message',
      series: ['status calls per message'],
      groups: results.map((r) => ({
        label: r.strategy,
        values: [r.statusCallsPerMessage],
        goal: r.callsGoal ?? undefined,
      })),
      scale: 'log',
      note,
    })}`,
  );
  console.log(
    `chart: ${writeChart('status-delay', {
      title: 'bench:status — IP stores LEVERT → our confirm at Brreg',
      unit: 'seconds',
      series: ['p50', 'p99'],
      groups: results.map((r) => ({
        label: r.strategy,
        values: [r.delayP50Ms / 1000, r.delayP99Ms / 1000],
        goal: r.p99GoalMs / 1000,
      })),
      note,
    })}`,
  );
}

const CALL_KINDS = ['feed', 'per-message', 'peek', 'delete', 'subscriptions', 'forward'] as const;

function kindOf(call: CallRecord): (typeof CALL_KINDS)[number] {
  const path = call.url.split('?')[0];
  if (path.startsWith('/api/subscriptions')) {
    return 'subscriptions';
  }
  if (path === '/api/statuses/peek') {
    return 'peek';
  }
  if (path.startsWith('/api/statuses/')) {
    return call.method === 'DELETE' ? 'delete' : 'per-message';
  }
  if (path === '/api/statuses') {
    return 'feed';
  }
  return 'forward';
}

async function runCase(strategy: Strategy, options: Options): Promise<CaseResult> {
  console.log(`\n${strategy}:`);
  const keys = await testKeys();
  const sims = await startTestSimulators(
    {
      integrasjonspunkt: {
        statusDelayMs: 1_000,
        sendDelayMs: 50,
        ttlCheckIntervalMs: 30_000,
        statusQueueIncludes: strategy === 'queue' ? ['DPO'] : [],
      },
    },
    'plain',
  );
  const db = await createTestDatabase();
  const port = await freePort();
  const prefix = `benchstatus${randomBytes(4).toString('hex')}`;
  const webhook: Record<string, string> =
    strategy === 'feed+webhook'
      ? { EFM_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}`, EFM_WEBHOOK_SECRET: randomBytes(16).toString('hex') }
      : {};
  const env = bridgeEnv(sims, keys, db.url, {
    EFM_STATUS_STRATEGY: strategy === 'feed+webhook' ? 'feed' : strategy,
    EFM_STATUS_POLL_INTERVAL_MS: String(options.intervalMs),
    BRREG_POLL_INTERVAL_MS: '1000',
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    ...webhook,
  });
  const worker = new Worker('status-worker.js');
  const pg = new Client({ connectionString: db.url });
  try {
    const seeded = await seed(sims.brreg.url, sims.integrasjonspunkt.url, keys.orgnr, options);
    const t0 = performance.now();
    const setup: StatusWorkerSetup = { type: 'setup', env, port };
    worker.send(setup);
    await worker.expect<{ type: 'ready' }>();
    console.log(`  bridge up after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await pg.connect();
    let lastPrint = 0;
    for (;;) {
      const { rows } = await pg.query<{ state: string; n: string }>(
        'SELECT state, count(*) AS n FROM forsendelse GROUP BY state',
      );
      const byState = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      const finished = (byState.CONFIRMED ?? 0) + (byState.FAILED ?? 0);
      const elapsed = performance.now() - t0;
      if (elapsed - lastPrint >= 15_000 || finished >= options.count) {
        lastPrint = elapsed;
        console.log(`  ${(elapsed / 1000).toFixed(0).padStart(4)} s  ${JSON.stringify(byState)}`);
      }
      if (finished >= options.count) {
        break;
      }
      if (elapsed > options.timeoutMs) {
        console.log('  timed out: the figures cover what was confirmed so far');
        break;
      }
      await sleep(1_000);
    }
    const seconds = (performance.now() - t0) / 1000;
    const bridgeCpuSeconds = cpuMsOf(worker.pid) / 1000;
    return await measure(strategy, options, sims, pg, seeded, seconds, bridgeCpuSeconds);
  } finally {
    await pg.end().catch(() => undefined);
    await worker.stop();
    await sims.close();
    await db.drop();
    await removeQueueKeys(prefix);
  }
}

/** Seeds the forsendelser at Brreg and, per message, the time its MOTTATT and LEVERT will come. */
async function seed(brregUrl: string, ipUrl: string, orgnr: string, options: Options): Promise<Map<string, string>> {
  const byMessageId = new Map<string, string>();
  const random = new SeededRandom(options.seed);
  for (let left = options.count; left > 0; left -= 10_000) {
    const items = await control<{ mottakId: string }[]>(brregUrl, '/forsendelser', {
      body: { orgnr, count: Math.min(left, 10_000), kind: 'vedtak', sizeBytes: options.itemSize },
    });
    for (const { mottakId } of items) {
      const messageId = messageIdFor(mottakId, 1);
      byMessageId.set(messageId, mottakId);
      const total = options.minDelayMs + Math.round(random.next() * options.spreadMs);
      const half = Math.round(total / 2);
      await control(ipUrl, '/scripts', {
        body: {
          match: { messageId },
          steps: [
            { status: 'MOTTATT', delayMs: half },
            { status: 'LEVERT', delayMs: total - half },
          ],
          count: 1,
        },
      });
    }
  }
  return byMessageId;
}

async function measure(
  strategy: Strategy,
  options: Options,
  sims: Awaited<ReturnType<typeof startTestSimulators>>,
  pg: Client,
  seeded: Map<string, string>,
  seconds: number,
  bridgeCpuSeconds: number,
): Promise<CaseResult> {
  const calls = await control<CallRecord[]>(sims.integrasjonspunkt.url, '/calls');
  const messages = await control<{ messageId: string; statuses: { status: string; lastUpdate: string }[] }[]>(
    sims.integrasjonspunkt.url,
    '/messages',
  );
  const confirms = await control<{ time: string; mottakId: string; outcome: string }[]>(sims.brreg.url, '/confirms');
  const pushes = strategy === 'feed+webhook' ? await control<unknown[]>(sims.integrasjonspunkt.url, '/webhooks') : [];
  const learned = await pg.query<{ message_id: string; at: number }>(
    `SELECT message_id, extract(epoch FROM at) * 1000 AS at FROM forsendelse_event WHERE to_state = 'DELIVERED'`,
  );
  const failed = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM forsendelse WHERE state = 'FAILED'`);

  const confirmedAt = new Map<string, number>();
  for (const c of confirms) {
    if (c.outcome === 'confirmed' && !confirmedAt.has(c.mottakId)) {
      confirmedAt.set(c.mottakId, Date.parse(c.time));
    }
  }
  const levertAt = new Map<string, number>();
  for (const m of messages) {
    const levert = m.statuses.find((s) => s.status === 'LEVERT');
    if (levert && seeded.has(m.messageId)) {
      levertAt.set(m.messageId, Date.parse(levert.lastUpdate));
    }
  }
  const delays: number[] = [];
  for (const [messageId, at] of levertAt) {
    const confirmed = confirmedAt.get(seeded.get(messageId) ?? '');
    if (confirmed !== undefined) {
      delays.push(confirmed - at);
    }
  }
  delays.sort((a, b) => a - b);
  const learns = learned.rows
    .map((r) => {
      const at = levertAt.get(r.message_id);
      return at === undefined ? undefined : Number(r.at) - at;
    })
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);

  const callsByKind: Record<string, number> = {};
  for (const call of calls) {
    const kind = kindOf(call);
    callsByKind[kind] = (callsByKind[kind] ?? 0) + 1;
  }
  const statusCalls = calls.length - (callsByKind.forward ?? 0);
  const delivered = delays.length;
  const callsGoal = strategy === 'feed' ? FEED_CALLS_GOAL : null;
  const p99GoalMs = strategy === 'feed+webhook' ? WEBHOOK_P99_GOAL_MS : options.intervalMs + 1_000;
  const result: CaseResult = {
    strategy,
    delivered,
    failed: Number(failed.rows[0].n),
    seconds,
    statusCalls,
    callsByKind,
    statusCallsPerMessage: statusCalls / delivered,
    allIpCallsPerMessage: calls.length / delivered,
    webhookPushes: pushes.length,
    delayP50Ms: percentile(delays, 50),
    delayP99Ms: percentile(delays, 99),
    delayMaxMs: delays[delays.length - 1] ?? NaN,
    learnP50Ms: percentile(learns, 50),
    learnP99Ms: percentile(learns, 99),
    bridgeCpuSeconds,
    callsGoal,
    p99GoalMs,
    verdict: '',
  };
  const misses: string[] = [];
  if (delivered < options.count) {
    misses.push(`${options.count - delivered} not confirmed`);
  }
  if (callsGoal !== null && !(result.statusCallsPerMessage <= callsGoal)) {
    misses.push('calls');
  }
  if (!(result.delayP99Ms <= p99GoalMs)) {
    misses.push('p99');
  }
  result.verdict = misses.length === 0 ? 'ok' : `MISS: ${misses.join(', ')}`;
  console.log(
    `  ${delivered} delivered in ${seconds.toFixed(0)} s; ${statusCalls} status calls ` +
      `(${result.statusCallsPerMessage.toFixed(3)}/msg); delay p50 ${(result.delayP50Ms / 1000).toFixed(2)} s, ` +
      `p99 ${(result.delayP99Ms / 1000).toFixed(2)} s (learnt: p50 ${(result.learnP50Ms / 1000).toFixed(2)} s, ` +
      `p99 ${(result.learnP99Ms / 1000).toFixed(2)} s); ${result.verdict}`,
  );
  return result;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
