import { Logger, type LoggerService } from '@nestjs/common';
import { messageIdFor } from '../../src/forsendelse/forsendelse-ids';
import type { SimulatorSet } from '../../src/simulator/start-simulators';
import {
  control,
  eventually,
  forsendelseRows,
  freePort,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from '../support/bridge-harness';
import { isClean, judge } from './checker';
import { collectRecords } from './run-records';
import { reportVerdict } from './verdict-log';

const SECRET = 'anomaly-webhook-secret-0123456789';
const ADMIN = { ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'anomaly-admin-password' };
const SETTLE_MS = 120_000;

interface Seeded {
  mottakId: string;
}

interface PushRecord {
  event: string;
  messageId?: string;
  status?: string;
  responseStatus: number;
  dropped?: true;
}

interface Call {
  time: string;
  method: string;
  url: string;
}

async function seed(sims: SimulatorSet, count: number): Promise<Seeded[]> {
  const { orgnr } = await testKeys();
  return control<Seeded[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, count, sizeBytes: 20_000 } });
}

/** What follows SENDT for this forsendelse's messages (its mottakId is in the arkivmelding). */
async function script(sims: SimulatorSet, f: Seeded, rule: Record<string, unknown>): Promise<void> {
  await control(sims.integrasjonspunkt.url, '/scripts', {
    body: { match: { arkivmeldingContains: f.mottakId }, ...rule },
  });
}

async function settled(bridge: RunningBridge, count: number, states = ['CONFIRMED']) {
  return eventually(
    async () => {
      const rows = await forsendelseRows(bridge);
      return rows.length === count && rows.every((r) => states.includes(r.state)) ? rows : undefined;
    },
    SETTLE_MS,
    `${count} forsendelser in ${states.join('/')}`,
  );
}

async function statusEvents(bridge: RunningBridge, status: string): Promise<{ mottak_id: string }[]> {
  return bridge.dataSource.query(`SELECT mottak_id FROM forsendelse_event WHERE kind = 'status' AND status = $1`, [
    status,
  ]);
}

async function lateFeilNotes(bridge: RunningBridge): Promise<{ mottak_id: string; message_id: string }[]> {
  return bridge.dataSource.query(
    `SELECT mottak_id, message_id FROM forsendelse_event WHERE kind = 'note' AND (detail->>'lateFeil') = 'true'`,
  );
}

async function lateStatusesMetric(bridge: RunningBridge): Promise<number> {
  const text = await (await fetch(`${bridge.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('bridge_late_statuses_total{status="FEIL"}'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

async function judgeRun(name: string, sims: SimulatorSet, bridge: RunningBridge): Promise<void> {
  const verdict = judge(await collectRecords(name, sims, bridge));
  reportVerdict(verdict);
  expect(verdict).toMatchObject({ lost: [], early: [], duplicate: [], double: [], unexpected: [] });
  expect(isClean(verdict)).toBe(true);
}

/** The bridge's webhook on a port chosen beforehand, with the status poll all but off unless told otherwise. */
async function webhookEnv(pollIntervalMs = '3600000'): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    PORT: String(port),
    EFM_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}`,
    EFM_WEBHOOK_SECRET: SECRET,
    EFM_STATUS_POLL_INTERVAL_MS: pollIntervalMs,
  };
}

/**
 * The ways statuses are read that a late status must survive (issue 14): the feed, one GET per message, and the
 * feed with the webhook. Each gives the bridge's environment for it.
 */
const STRATEGIES: [string, () => Promise<Record<string, string>>][] = [
  ['feed', () => Promise.resolve({})],
  ['per-message', () => Promise.resolve({ EFM_STATUS_STRATEGY: 'per-message' })],
  ['feed+webhook', () => webhookEnv('1000')],
];

/** Every Nest log line of the bridges started after `capture()`, with its level. */
class CapturedLogs implements LoggerService {
  readonly lines: { level: string; message: unknown }[] = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message });
  }
  error(message: unknown) {
    this.lines.push({ level: 'error', message });
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message });
  }
  debug(message: unknown) {
    this.lines.push({ level: 'debug', message });
  }
  verbose(message: unknown) {
    this.lines.push({ level: 'verbose', message });
  }
}

describe.each(STRATEGIES)('status anomaly: LEVETID_UTLOPT after LEVERT (%s)', (_strategy, strategyEnv) => {
  const env = useBridgeEnvironment();

  it('starts no new attempt and leaves the forsendelse delivered and confirmed, with the status recorded', async () => {
    const { sims } = env;
    // One gets both statuses in one go (read together), one gets LEVETID_UTLOPT long after our confirm.
    const [together, later] = await seed(sims, 2);
    await script(sims, together, {
      steps: [{ status: 'MOTTATT' }, { status: 'LEVERT' }, { status: 'LEVETID_UTLOPT', delayMs: 0 }],
    });
    const bridge = await env.start(await strategyEnv());
    await settled(bridge, 2);
    await control(sims.integrasjonspunkt.url, `/messages/${messageIdFor(later.mottakId, 1)}/statuses`, {
      body: { status: 'LEVETID_UTLOPT' },
    });
    await eventually(
      async () => ((await statusEvents(bridge, 'LEVETID_UTLOPT')).length === 2 ? true : undefined),
      SETTLE_MS,
      'both LEVETID_UTLOPT recorded',
    );

    // The decision is taken in the transaction that recorded the status: a new attempt would show now.
    const rows = await forsendelseRows(bridge);
    expect(rows.map((r) => ({ state: r.state, attempt: r.attempt }))).toEqual([
      { state: 'CONFIRMED', attempt: 1 },
      { state: 'CONFIRMED', attempt: 1 },
    ]);
    const messages = await control<{ messageId: string }[]>(sims.integrasjonspunkt.url, '/messages');
    expect(messages.map((m) => m.messageId).sort()).toEqual(
      [messageIdFor(together.mottakId, 1), messageIdFor(later.mottakId, 1)].sort(),
    );
    await judgeRun('LEVETID_UTLOPT after LEVERT', sims, bridge);
  });
});

describe.each(STRATEGIES)('status anomaly: FEIL after LEVERT, after our confirm (%s)', (strategy, strategyEnv) => {
  const env = useBridgeEnvironment();
  const logs = new CapturedLogs();

  afterAll(() => {
    Logger.overrideLogger(false);
  });

  it('records it, counts it, logs it at error level and lists it for operators, and cannot undo the confirm', async () => {
    const { sims } = env;
    const [refused, fine] = await seed(sims, 2);
    const bridge = await env.start({ ...ADMIN, ...(await strategyEnv()) });
    // Nest's Logger is process-wide and the harness silences it when an app starts: listen from here on.
    Logger.overrideLogger(logs);
    await settled(bridge, 2);
    const before = await lateStatusesMetric(bridge);
    const messageId = messageIdFor(refused.mottakId, 1);
    await control(sims.integrasjonspunkt.url, `/messages/${messageId}/statuses`, {
      body: { status: 'FEIL', description: 'Arkivet avviste meldingen' },
    });

    const notes = await eventually(
      async () => {
        const found = await lateFeilNotes(bridge);
        return found.length > 0 ? found : undefined;
      },
      SETTLE_MS,
      'the late FEIL recorded',
    );
    expect(notes).toEqual([{ mottak_id: refused.mottakId, message_id: messageId }]);
    expect((await statusEvents(bridge, 'FEIL')).map((e) => e.mottak_id)).toEqual([refused.mottakId]);
    expect((await lateStatusesMetric(bridge)) - before).toBe(1);
    expect(logs.lines).toContainEqual({
      level: 'error',
      message: expect.objectContaining({ mottakId: refused.mottakId, messageId, status: 'FEIL' }),
    });

    const auth = `Basic ${Buffer.from(`${ADMIN.ADMIN_USERNAME}:${ADMIN.ADMIN_PASSWORD}`).toString('base64')}`;
    const listed = (await (
      await fetch(`${bridge.url}/admin/forsendelser?late=true`, { headers: { authorization: auth } })
    ).json()) as { items: { mottakId: string; state: string }[]; total: number };
    expect(listed).toMatchObject({ total: 1, items: [{ mottakId: refused.mottakId, state: 'CONFIRMED' }] });
    const all = (await (
      await fetch(`${bridge.url}/admin/forsendelser`, { headers: { authorization: auth } })
    ).json()) as {
      total: number;
    };
    expect(all.total).toBe(2);

    // The status feed keeps re-reading its overlap, and per-message keeps reading a confirmed row's messages for
    // EFM_WATCH_AFTER_CONFIRM_HOURS: the FEIL is counted and noted once, whatever it sees again.
    const readsOf = strategy === 'per-message' ? `/api/statuses/${messageId}` : '/api/statuses?';
    const feedReads = async () =>
      (await control<Call[]>(sims.integrasjonspunkt.url, '/calls')).filter((c) => c.url.startsWith(readsOf)).length;
    const readsNow = await feedReads();
    await eventually(async () => ((await feedReads()) >= readsNow + 5 ? true : undefined), SETTLE_MS, 'more reads');
    expect(await lateFeilNotes(bridge)).toHaveLength(1);
    expect((await lateStatusesMetric(bridge)) - before).toBe(1);
    expect((await forsendelseRows(bridge)).map((r) => r.state)).toEqual(['CONFIRMED', 'CONFIRMED']);
    expect(fine.mottakId).not.toBe(refused.mottakId);
    await judgeRun('FEIL after LEVERT, after confirm', sims, bridge);
  });
});

describe.each(STRATEGIES)('status anomaly: a late LEVERT of an earlier attempt (%s)', (_strategy, strategyEnv) => {
  const env = useBridgeEnvironment();

  it('delivers and confirms the row by the earlier attempt while the next one waits at the IP', async () => {
    const { sims } = env;
    const [f] = await seed(sims, 1);
    // Attempt 1 expires; attempt 2 is sent and never delivered; then attempt 1's LEVERT comes after all.
    await script(sims, f, { preset: 'LEVETID_UTLOPT', count: 1 });
    await script(sims, f, { steps: [{ status: 'MOTTATT' }], count: 1 });
    const bridge = await env.start({ MAX_SEND_ATTEMPTS: '2', ...(await strategyEnv()) });
    const [first, second] = [messageIdFor(f.mottakId, 1), messageIdFor(f.mottakId, 2)];
    await eventually(
      async () => {
        const [row] = await forsendelseRows(bridge);
        return row?.attempt === 2 && row.state === 'SENT' ? row : undefined;
      },
      SETTLE_MS,
      'attempt 2 sent',
    );
    await control(sims.integrasjonspunkt.url, `/messages/${first}/statuses`, { body: { status: 'LEVERT' } });
    const [row] = await settled(bridge, 1);
    expect(row).toMatchObject({ attempt: 2, deliveredMessageId: first });
    expect(second).not.toBe(first);
    await judgeRun('a late LEVERT of an earlier attempt', sims, bridge);
  });
});

describe('status anomaly: duplicate and out-of-order webhook events', () => {
  const env = useBridgeEnvironment();

  it('acts on each status once, whatever order and however often the events arrive', async () => {
    const { sims } = env;
    const seeded = await seed(sims, 6);
    // LEVETID_UTLOPT then a late LEVERT; LEVERT then FEIL: reversed, their events say the opposite.
    await script(sims, seeded[0], { preset: 'LATE_LEVERT' });
    await script(sims, seeded[1], { preset: 'FEIL_AFTER_LEVERT' });
    await control(sims.integrasjonspunkt.url, '/faults/webhooks', { body: { copies: 3, reorderWindowMs: 400 } });
    const bridge = await env.start({ ...(await webhookEnv()), MAX_SEND_ATTEMPTS: '5' });
    const before = await lateStatusesMetric(bridge);
    await settled(bridge, seeded.length);
    await eventually(
      async () => ((await lateFeilNotes(bridge)).length === 1 ? true : undefined),
      SETTLE_MS,
      'the FEIL after LEVERT recorded',
    );

    const pushes = (await control<PushRecord[]>(sims.integrasjonspunkt.url, '/webhooks')).filter(
      (p) => p.event === 'status',
    );
    // Every status event arrived three times, and the bridge accepted each copy.
    expect(pushes.length).toBeGreaterThanOrEqual(3 * seeded.length);
    expect(pushes.every((p) => p.responseStatus === 200)).toBe(true);
    const sent = await forsendelseRows(bridge);
    expect(sent.every((r) => r.state === 'CONFIRMED')).toBe(true);
    expect((await lateStatusesMetric(bridge)) - before).toBe(1);
    // One status event per (messageId, status), however many pushes named it.
    const [{ n, distinct }] = await bridge.dataSource.query<{ n: number; distinct: number }[]>(
      `SELECT count(*)::int AS n, count(DISTINCT (message_id, status))::int AS distinct
         FROM forsendelse_event WHERE kind = 'status'`,
    );
    expect(n).toBe(distinct);
    await judgeRun('duplicate and out-of-order webhook events', sims, bridge);
  });
});

describe('status anomaly: webhook events lost', () => {
  const env = useBridgeEnvironment();

  it('converges through polling when no event arrives', async () => {
    const { sims } = env;
    const seeded = await seed(sims, 5);
    await control(sims.integrasjonspunkt.url, '/faults/webhooks', { body: { drop: true } });
    const bridge = await env.start(await webhookEnv('500'));
    await settled(bridge, seeded.length);
    const pushes = (await control<PushRecord[]>(sims.integrasjonspunkt.url, '/webhooks')).filter(
      (p) => p.event === 'status',
    );
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((p) => p.dropped === true)).toBe(true);
    await judgeRun('webhook events lost', sims, bridge);
  });
});

describe('status anomaly: a forged webhook event', () => {
  const env = useBridgeEnvironment();

  it('re-reads the status from the IP and does not confirm what the IP has not delivered', async () => {
    const { sims } = env;
    const [held] = await seed(sims, 1);
    await script(sims, held, { preset: 'HOLD' });
    const bridge = await env.start(await webhookEnv());
    await settled(bridge, 1, ['SENT']);
    const messageId = messageIdFor(held.mottakId, 1);
    await eventually(
      async () => {
        const message = await control<{ statuses: { status: string }[] }>(
          sims.integrasjonspunkt.url,
          `/messages/${messageId}`,
        );
        return message.statuses.some((s) => s.status === 'MOTTATT') ? true : undefined;
      },
      SETTLE_MS,
      'the message held at MOTTATT',
    );

    const readsOf = async () =>
      (await control<Call[]>(sims.integrasjonspunkt.url, '/calls')).filter((c) =>
        c.url.startsWith(`/api/statuses/${messageId}`),
      ).length;
    const readsBefore = await readsOf();
    const forged = await fetch(`${bridge.url}/webhook/efm/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        createdTs: new Date().toISOString(),
        resource: 'messages',
        event: 'status',
        messageId,
        direction: 'OUTGOING',
        serviceIdentifier: 'DPO',
        status: 'LEVERT',
      }),
    });
    expect(forged.status).toBe(200);
    // The event made the bridge ask the IP; the IP's answer (MOTTATT) is what counts.
    await eventually(async () => ((await readsOf()) > readsBefore ? true : undefined), SETTLE_MS, 'a re-read');
    await eventually(
      async () => ((await statusEvents(bridge, 'MOTTATT')).length === 1 ? true : undefined),
      SETTLE_MS,
      'MOTTATT recorded',
    );
    expect((await forsendelseRows(bridge)).map((r) => r.state)).toEqual(['SENT']);
    expect(await statusEvents(bridge, 'LEVERT')).toEqual([]);
    expect(await control<unknown[]>(sims.brreg.url, '/confirms')).toEqual([]);

    // The real LEVERT, pushed by the IP, is confirmed.
    await control(sims.integrasjonspunkt.url, `/messages/${messageId}/statuses`, { body: { status: 'LEVERT' } });
    await settled(bridge, 1);
    await judgeRun('forged webhook event', sims, bridge);
  });
});
