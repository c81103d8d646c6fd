import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConfigModule } from '../src/config/config.module';
import { conversationIdFor, messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { IllegalTransitionError } from '../src/forsendelse/forsendelse-state';
import { ForsendelseModule } from '../src/forsendelse/forsendelse.module';
import { ForsendelseRepository, type DiscoveredItem } from '../src/forsendelse/forsendelse.repository';
import { createTestDatabase, type TestDatabase } from './support/database';
import { aConfig } from './support/test-config';

let counter = 0;
function aDiscoveredItem(overrides: Partial<DiscoveredItem> = {}): DiscoveredItem {
  counter += 1;
  return {
    mottakId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    oppdatert: '2026-03-02T09:43:51.691',
    tjeneste: null,
    ...overrides,
  };
}

describe('ForsendelseRepository (real Postgres, real migrations)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let repo: ForsendelseRepository;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(aConfig({ DATABASE_URL: db.url })), ForsendelseModule],
    }).compile();
    await moduleRef.init();
    repo = moduleRef.get(ForsendelseRepository);
    dataSource = moduleRef.get(getDataSourceToken());
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  it('inserts a discovered forsendelse once, however often it is listed', async () => {
    const item = aDiscoveredItem();
    expect(await repo.insertDiscovered([item])).toEqual([item.mottakId]);
    expect(await repo.insertDiscovered([item, item])).toEqual([]);
    const row = await repo.findById(item.mottakId);
    expect(row).toMatchObject({
      state: 'DISCOVERED',
      attempt: 1,
      messageId: messageIdFor(item.mottakId, 1),
      conversationId: conversationIdFor(item.mottakId),
      oppdatert: '2026-03-02T09:43:51.691',
    });
    expect((await repo.events(item.mottakId)).map((e) => e.toState)).toEqual(['DISCOVERED']);
  });

  it('lets exactly one of two racing workers win a transition', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    const results = await Promise.all([
      repo.startAttempt(item.mottakId, 'DISCOVERED', 1),
      repo.startAttempt(item.mottakId, 'DISCOVERED', 1),
      repo.startAttempt(item.mottakId, 'DISCOVERED', 1),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const transitions = (await repo.events(item.mottakId)).filter((e) => e.kind === 'transition');
    expect(transitions.map((e) => `${e.fromState}->${e.toState}`)).toEqual([
      'null->DISCOVERED',
      'DISCOVERED->FORWARDING',
    ]);
  });

  it('refuses a transition the state machine does not allow, before touching the row', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    await expect(
      repo.transition({ mottakId: item.mottakId, from: 'DISCOVERED', to: 'CONFIRMED' }),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await repo.findById(item.mottakId))?.state).toBe('DISCOVERED');
  });

  it('records a send request once per attempt', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    await repo.startAttempt(item.mottakId, 'DISCOVERED', 1);
    expect(await repo.markSendRequested(item.mottakId, 1)).toBe(true);
    expect(await repo.markSendRequested(item.mottakId, 1)).toBe(false);
    expect(await repo.markSendRequested(item.mottakId, 2)).toBe(false);
    expect((await repo.findById(item.mottakId))?.sendRequestedAt).toBeInstanceOf(Date);
  });

  it('starts a new attempt with a new messageId after LEVETID_UTLOPT, and still maps the old one', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    await repo.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await repo.markSendRequested(item.mottakId, 1);
    expect(await repo.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT', attempt: 1 })).toBe(true);
    expect(await repo.startAttempt(item.mottakId, 'SENT', 3)).toBe(false);
    expect(await repo.startAttempt(item.mottakId, 'SENT', 2, { status: 'LEVETID_UTLOPT' })).toBe(true);
    const row = await repo.findById(item.mottakId);
    expect(row).toMatchObject({ state: 'FORWARDING', attempt: 2, messageId: messageIdFor(item.mottakId, 2) });
    expect(row?.sendRequestedAt).toBeNull();
    expect(await repo.findAttempt(messageIdFor(item.mottakId, 1))).toMatchObject({
      mottakId: item.mottakId,
      attempt: 1,
    });
    expect(await repo.findAttempt(messageIdFor(item.mottakId, 2))).toMatchObject({
      mottakId: item.mottakId,
      attempt: 2,
    });
  });

  it('guards a transition by attempt, so a stale job for an older attempt changes nothing', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    await repo.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await repo.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT', attempt: 1 });
    await repo.startAttempt(item.mottakId, 'SENT', 2);
    expect(await repo.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT', attempt: 1 })).toBe(false);
  });

  it('walks the happy path to CONFIRMED with every step in the event log', async () => {
    const item = aDiscoveredItem();
    const messageId = messageIdFor(item.mottakId, 1);
    await repo.insertDiscovered([item]);
    await repo.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await repo.markSendRequested(item.mottakId, 1, { bytes: 12345, sha256: 'ab'.repeat(32) });
    await repo.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT' });
    await repo.appendEvent(item.mottakId, { kind: 'status', messageId, status: 'LEVERT', attempt: 1 });
    const deliveredAt = new Date('2026-03-02T10:00:00Z');
    await repo.transition({
      mottakId: item.mottakId,
      from: 'SENT',
      to: 'DELIVERED',
      patch: { deliveredMessageId: messageId, deliveredAt },
    });
    await repo.transition({
      mottakId: item.mottakId,
      from: 'DELIVERED',
      to: 'CONFIRMED',
      patch: { confirmedAt: new Date() },
    });
    const row = await repo.findById(item.mottakId);
    expect(row).toMatchObject({
      state: 'CONFIRMED',
      bytes: 12345,
      sha256: 'ab'.repeat(32),
      deliveredMessageId: messageId,
      deliveredAt,
    });
    const events = (await repo.events(item.mottakId)).filter((e) => e.kind !== 'note');
    expect(events.map((e) => e.toState ?? e.status)).toEqual([
      'DISCOVERED',
      'FORWARDING',
      'SENT',
      'LEVERT',
      'DELIVERED',
      'CONFIRMED',
    ]);
  });

  it('lets one of two racing forwards claim a DISCOVERED row, and hands the winner the row as it now is', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    const claims = await Promise.all([repo.claimDiscovered(item.mottakId, 1), repo.claimDiscovered(item.mottakId, 1)]);
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toEqual(await repo.findById(item.mottakId));
    expect(won[0]).toMatchObject({ state: 'FORWARDING', attempt: 1, messageId: messageIdFor(item.mottakId, 1) });
    expect(won[0]?.stateChangedAt).toBeInstanceOf(Date);
    expect(await repo.findAttempt(messageIdFor(item.mottakId, 1))).toMatchObject({ mottakId: item.mottakId });
    expect(await repo.claimDiscovered(item.mottakId, 1)).toBeUndefined();
  });

  it('records statuses in bulk once each, leaving out messages that are not ours', async () => {
    const item = aDiscoveredItem();
    const messageId = messageIdFor(item.mottakId, 1);
    await repo.insertDiscovered([item]);
    await repo.startAttempt(item.mottakId, 'DISCOVERED', 1);
    const status = (s: string, id: number, of = messageId) => ({
      messageId: of,
      status: s,
      ipStatusId: id,
      lastUpdate: '2026-03-02T10:00:00+01:00',
    });
    const strangers = status('SENDT', 702, '00000000-0000-5000-8000-000000000999');
    expect(await repo.recordStatuses([status('OPPRETTET', 700), status('SENDT', 701), strangers])).toBe(2);
    expect(await repo.recordStatuses([status('SENDT', 701), status('MOTTATT', 703)])).toBe(1);
    const recorded = (await repo.events(item.mottakId)).filter((e) => e.kind === 'status');
    expect(recorded.map((e) => [e.status, e.attempt, e.messageId])).toEqual([
      ['OPPRETTET', 1, messageId],
      ['SENDT', 1, messageId],
      ['MOTTATT', 1, messageId],
    ]);
  });

  it('will not store a CONFIRMED row that names no delivered message, whatever the code does', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    await expect(
      dataSource.query(`UPDATE forsendelse SET state = 'CONFIRMED' WHERE mottak_id = $1`, [item.mottakId]),
    ).rejects.toThrow(/forsendelse_confirmed_check/);
  });

  it('finds stale rows of a state, oldest first, and counts rows per state', async () => {
    const item = aDiscoveredItem();
    await repo.insertDiscovered([item]);
    await dataSource.query(`UPDATE forsendelse SET state_changed_at = now() - interval '1 hour' WHERE mottak_id = $1`, [
      item.mottakId,
    ]);
    const stale = await repo.findStale('DISCOVERED', new Date(Date.now() - 60_000), 10);
    expect(stale.map((r) => r.mottakId)).toEqual([item.mottakId]);
    const counts = await repo.countByState();
    expect(counts.DISCOVERED).toBeGreaterThanOrEqual(1);
    expect(counts.CONFIRMED).toBe(1);
  });

  it('calls a recorded status settled only once applying it again could change nothing', async () => {
    const item = aDiscoveredItem();
    const messageId = messageIdFor(item.mottakId, 1);
    await repo.insertDiscovered([item]);
    await repo.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await repo.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT' });
    const record = (status: string, id: number) =>
      repo.withLocked(item.mottakId, (locked) =>
        locked.recordStatus({ attempt: 1, messageId, status, ipStatusId: id, lastUpdate: '2026-03-02T10:00:00Z' }),
      );
    expect(await record('MOTTATT', 901)).toBe(true);
    expect(await record('LEVERT', 902)).toBe(true);
    expect(await record('LEVERT', 902)).toBe(false);
    const pairs = ['MOTTATT', 'LEVERT', 'LEST'].map((status) => ({ messageId, status }));
    // LEVERT is recorded but the row is still SENT: a crash came between recording and acting.
    expect([...(await repo.settledStatuses(pairs))]).toEqual([`${messageId}|MOTTATT`]);
    await repo.transition({
      mottakId: item.mottakId,
      from: 'SENT',
      to: 'DELIVERED',
      patch: { deliveredMessageId: messageId },
    });
    expect([...(await repo.settledStatuses(pairs))].sort()).toEqual([`${messageId}|LEVERT`, `${messageId}|MOTTATT`]);
  });

  it('has migrations that revert cleanly, one by one, and apply again', async () => {
    const applied = dataSource.migrations.length;
    expect(applied).toBeGreaterThan(1);
    for (let i = 0; i < applied; i++) {
      await dataSource.undoLastMigration();
    }
    const [{ exists }] = await dataSource.query<
      {
        exists: boolean;
      }[]
    >(`SELECT to_regclass('forsendelse') IS NOT NULL AS exists`);
    expect(exists).toBe(false);
    await dataSource.runMigrations();
    expect(await repo.countByState()).toMatchObject({ CONFIRMED: 0 });
  });
});
