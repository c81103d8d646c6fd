import { DataSource } from 'typeorm';
import { databaseOptions } from '../src/forsendelse/database.options';
import type { ForsendelseEntity } from '../src/forsendelse/forsendelse.entity';
import { conversationIdFor, messageIdFor } from '../src/forsendelse/forsendelse-ids';
import {
  control,
  eventually,
  forsendelseRows,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from './support/bridge-harness';

interface Call {
  method: string;
  url: string;
}

async function allConfirmed(bridge: RunningBridge, count: number): Promise<ForsendelseEntity[] | undefined> {
  const rows = await forsendelseRows(bridge);
  return rows.length === count && rows.every((r) => r.state === 'CONFIRMED') ? rows : undefined;
}

describe.each([
  ['per-message', {}],
  ['queue', { statusQueueIncludes: ['DPO'] }],
])('the %s status strategy', (strategy, ipSettings) => {
  const env = useBridgeEnvironment();

  it('follows every message to LEVERT and confirms it', async () => {
    const { orgnr } = await testKeys();
    const { sims } = env;
    await control(sims.integrasjonspunkt.url, '/settings', { body: ipSettings });
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 5 } });
    const bridge = await env.start({ EFM_STATUS_STRATEGY: strategy });
    await eventually(() => allConfirmed(bridge, 5), 30_000, 'all five confirmed');
    const calls = await control<Call[]>(sims.integrasjonspunkt.url, '/calls');
    const statusCalls = calls.filter((c) => c.url.startsWith('/api/statuses'));
    if (strategy === 'queue') {
      expect(statusCalls.some((c) => c.url === '/api/statuses/peek')).toBe(true);
      expect(statusCalls.some((c) => c.method === 'DELETE')).toBe(true);
    } else {
      expect(statusCalls.every((c) => /^\/api\/statuses\/[0-9a-f-]{36}\?/.test(c.url))).toBe(true);
    }
    expect(statusCalls.some((c) => c.url.includes('fromDateTime'))).toBe(false);
  });
});

describe('the feed strategy', () => {
  const env = useBridgeEnvironment();

  it('always sends both time bounds, with an offset, and persists its high-water mark', async () => {
    const { orgnr } = await testKeys();
    const { sims } = env;
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 3 } });
    const bridge = await env.start();
    await eventually(() => allConfirmed(bridge, 3), 30_000, 'all three confirmed');
    const feed = (await control<Call[]>(sims.integrasjonspunkt.url, '/calls')).filter((c) =>
      c.url.startsWith('/api/statuses?'),
    );
    expect(feed.length).toBeGreaterThan(0);
    for (const call of feed) {
      const query = new URL(call.url, 'http://x').searchParams;
      expect(query.get('fromDateTime')).toMatch(/(Z|[+-]\d{2}:\d{2})$/);
      expect(query.get('toDateTime')).toMatch(/(Z|[+-]\d{2}:\d{2})$/);
      expect(call.url).not.toContain('+');
    }
    const [cursor] = await bridge.dataSource.query<{ high_water: Date }[]>(`SELECT high_water FROM status_cursor`);
    expect(cursor.high_water).toBeInstanceOf(Date);
  });
});

describe('reconcile', () => {
  const env = useBridgeEnvironment();

  it('finishes a forsendelse whose queued job was lost (Postgres is the truth, Redis is not)', async () => {
    const { orgnr } = await testKeys();
    const { sims, db } = env;
    const [f] = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1 } });
    // A row the poll will not enqueue again (it already exists), with no job in Redis: as after a FLUSHALL.
    // Written before the bridge starts, so only reconcile can pick it up.
    const migrator = new DataSource(databaseOptions(db.url, false));
    await migrator.initialize();
    try {
      await migrator.runMigrations();
      await migrator.query(
        `INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, state_changed_at)
         VALUES ($1, 'DISCOVERED', 1, $2, $3, now() - interval '1 hour')`,
        [f.mottakId, messageIdFor(f.mottakId, 1), conversationIdFor(f.mottakId)],
      );
    } finally {
      await migrator.destroy();
    }
    const bridge = await env.start({ RECONCILE_INTERVAL_MS: '1000', RECONCILE_STALE_MS: '1000' });
    await eventually(() => allConfirmed(bridge, 1), 30_000, 'the lost one confirmed');
  });
});
