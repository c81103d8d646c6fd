import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConfigModule } from '../src/config/config.module';
import { conversationIdFor, messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { FORSENDELSE_STATES, IllegalTransitionError } from '../src/forsendelse/forsendelse-state';
import { decide, IP_STATUSES } from '../src/forsendelse/status-rules';
import { ForsendelseModule } from '../src/forsendelse/forsendelse.module';
import { ForsendelseQueries } from '../src/forsendelse/forsendelse-queries';
import { ForsendelseTransitions, type DiscoveredItem } from '../src/forsendelse/forsendelse-transitions';
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

describe('ForsendelseTransitions and ForsendelseQueries (real Postgres, real migrations)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let transitions: ForsendelseTransitions;
  let queries: ForsendelseQueries;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(aConfig({ DATABASE_URL: db.url })), ForsendelseModule],
    }).compile();
    await moduleRef.init();
    transitions = moduleRef.get(ForsendelseTransitions);
    queries = moduleRef.get(ForsendelseQueries);
    dataSource = moduleRef.get(getDataSourceToken());
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  it('inserts a discovered forsendelse once, however often it is listed', async () => {
    const item = aDiscoveredItem();
    expect(await transitions.insertDiscovered([item])).toEqual([item.mottakId]);
    expect(await transitions.insertDiscovered([item, item])).toEqual([]);
    const row = await queries.findById(item.mottakId);
    expect(row).toMatchObject({
      state: 'DISCOVERED',
      attempt: 1,
      messageId: messageIdFor(item.mottakId, 1),
      conversationId: conversationIdFor(item.mottakId),
      oppdatert: '2026-03-02T09:43:51.691',
    });
    expect((await queries.events(item.mottakId)).map((e) => e.toState)).toEqual(['DISCOVERED']);
  });

  it('lets exactly one of two racing workers win a transition', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    const results = await Promise.all([
      transitions.startAttempt(item.mottakId, 'DISCOVERED', 1),
      transitions.startAttempt(item.mottakId, 'DISCOVERED', 1),
      transitions.startAttempt(item.mottakId, 'DISCOVERED', 1),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const moves = (await queries.events(item.mottakId)).filter((e) => e.kind === 'transition');
    expect(moves.map((e) => `${e.fromState}->${e.toState}`)).toEqual(['null->DISCOVERED', 'DISCOVERED->FORWARDING']);
  });

  it('lets one of several calls for the same row win when they share a batched statement, and each row its own', async () => {
    const [one, two, three] = [aDiscoveredItem(), aDiscoveredItem(), aDiscoveredItem()];
    await transitions.insertDiscovered([one, two, three]);
    const ids = [one, two, three].map((i) => i.mottakId);
    // Made in the same tick: all of them go into one statement (statement-batch.ts).
    const claims = await Promise.all(
      [...ids, one.mottakId, one.mottakId].map((id) => transitions.claimDiscovered(id, 1)),
    );
    expect(claims.map((row) => row?.mottakId)).toEqual([...ids, undefined, undefined]);
    expect(claims.slice(0, 3).map((row) => row?.state)).toEqual(['FORWARDING', 'FORWARDING', 'FORWARDING']);
    expect(await transitions.claimDiscovered(two.mottakId, 1)).toBeUndefined();

    // Never two sends of one attempt: one request wins, in a batch or after it.
    const requests = await Promise.all([
      transitions.markSendRequested(one.mottakId, 1, { bytes: 7, sha256: 'ab' }),
      transitions.markSendRequested(one.mottakId, 1),
      transitions.markSendRequested(two.mottakId, 1),
      transitions.markSendRequested(three.mottakId, 2),
    ]);
    expect(requests).toEqual([true, false, true, false]);
    expect(await transitions.markSendRequested(two.mottakId, 1)).toBe(false);
    expect(await queries.findById(one.mottakId)).toMatchObject({ bytes: 7, sha256: 'ab' });

    expect(
      await Promise.all([
        transitions.markSendAccepted(one.mottakId, 1),
        transitions.markSendAccepted(one.mottakId, 1),
        transitions.markSendAccepted(two.mottakId, 2),
      ]),
    ).toEqual([true, false, false]);
    expect(await Promise.all(ids.map((id) => queries.stateOf(id)))).toEqual(['SENT', 'FORWARDING', 'FORWARDING']);
    // A read shares its answer with a second read of the same row in the same batch.
    expect(await Promise.all([one.mottakId, one.mottakId].map((id) => queries.stateOf(id)))).toEqual(['SENT', 'SENT']);

    const messageId = messageIdFor(one.mottakId, 1);
    const deliveredAt = new Date('2026-03-02T10:00:00Z');
    await transitions.transition({
      mottakId: one.mottakId,
      from: 'SENT',
      to: 'DELIVERED',
      patch: { deliveredMessageId: messageId, deliveredAt },
    });
    const confirmedAt = new Date('2026-03-02T10:05:00Z');
    const confirms = await Promise.all([
      transitions.markConfirmed(one.mottakId, confirmedAt, 'confirmed'),
      transitions.markConfirmed(one.mottakId, confirmedAt, 'confirmed'),
      transitions.markConfirmed(two.mottakId, confirmedAt, 'confirmed'),
    ]);
    expect(confirms).toEqual([{ deliveredAt, deliveredMessageId: messageId }, undefined, undefined]);
    expect(await queries.findById(one.mottakId)).toMatchObject({ state: 'CONFIRMED', confirmedAt });
    expect(await queries.stateOf('00000000-0000-4000-8000-ffffffffffff')).toBeUndefined();
    const moves = (await queries.events(one.mottakId)).filter((e) => e.kind === 'transition');
    expect(moves.map((e) => `${e.fromState}->${e.toState}`)).toEqual([
      'null->DISCOVERED',
      'DISCOVERED->FORWARDING',
      'FORWARDING->SENT',
      'SENT->DELIVERED',
      'DELIVERED->CONFIRMED',
    ]);
  });

  it('keeps a note a retry finds again once per attempt', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    const note = (attempt: number, detail: object) =>
      transitions.appendNoteOnce(item.mottakId, { attempt, messageId: messageIdFor(item.mottakId, attempt), detail });
    const surprise = { contentSurprise: 'no-melding', detail: 'no Melding in the zip' };
    expect(await note(1, surprise)).toBe(true);
    expect(await note(1, { ...surprise })).toBe(false);
    expect(await note(1, { ...surprise, detail: 'another' })).toBe(true);
    expect(await note(2, surprise)).toBe(true);
    const notes = (await queries.events(item.mottakId)).filter((e) => e.kind === 'note');
    expect(notes.map((e) => [e.attempt, e.detail?.detail])).toEqual([
      [1, 'no Melding in the zip'],
      [1, 'another'],
      [2, 'no Melding in the zip'],
    ]);
  });

  it('refuses a transition the state machine does not allow, before touching the row', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    await expect(
      transitions.transition({ mottakId: item.mottakId, from: 'DISCOVERED', to: 'CONFIRMED' }),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await queries.findById(item.mottakId))?.state).toBe('DISCOVERED');
  });

  it('records a send request once per attempt', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    await transitions.startAttempt(item.mottakId, 'DISCOVERED', 1);
    expect(await transitions.markSendRequested(item.mottakId, 1)).toBe(true);
    expect(await transitions.markSendRequested(item.mottakId, 1)).toBe(false);
    expect(await transitions.markSendRequested(item.mottakId, 2)).toBe(false);
    expect((await queries.findById(item.mottakId))?.sendRequestedAt).toBeInstanceOf(Date);
  });

  it('starts a new attempt with a new messageId after LEVETID_UTLOPT, and still maps the old one', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    await transitions.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await transitions.markSendRequested(item.mottakId, 1);
    expect(await transitions.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT', attempt: 1 })).toBe(
      true,
    );
    expect(await transitions.startAttempt(item.mottakId, 'SENT', 3)).toBe(false);
    expect(await transitions.startAttempt(item.mottakId, 'SENT', 2, { status: 'LEVETID_UTLOPT' })).toBe(true);
    const row = await queries.findById(item.mottakId);
    expect(row).toMatchObject({ state: 'FORWARDING', attempt: 2, messageId: messageIdFor(item.mottakId, 2) });
    expect(row?.sendRequestedAt).toBeNull();
    expect(await queries.findAttempt(messageIdFor(item.mottakId, 1))).toMatchObject({
      mottakId: item.mottakId,
      attempt: 1,
    });
    expect(await queries.findAttempt(messageIdFor(item.mottakId, 2))).toMatchObject({
      mottakId: item.mottakId,
      attempt: 2,
    });
  });

  it('guards a transition by attempt, so a stale job for an older attempt changes nothing', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    await transitions.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await transitions.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT', attempt: 1 });
    await transitions.startAttempt(item.mottakId, 'SENT', 2);
    expect(await transitions.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT', attempt: 1 })).toBe(
      false,
    );
  });

  it('walks the happy path to CONFIRMED with every step in the event log', async () => {
    const item = aDiscoveredItem();
    const messageId = messageIdFor(item.mottakId, 1);
    await transitions.insertDiscovered([item]);
    await transitions.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await transitions.markSendRequested(item.mottakId, 1, { bytes: 12345, sha256: 'ab'.repeat(32) });
    await transitions.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT' });
    expect(
      await transitions.recordStatuses([
        { messageId, status: 'LEVERT', ipStatusId: 1, lastUpdate: '2026-03-02T10:00:00Z' },
      ]),
    ).toBe(1);
    const deliveredAt = new Date('2026-03-02T10:00:00Z');
    await transitions.transition({
      mottakId: item.mottakId,
      from: 'SENT',
      to: 'DELIVERED',
      patch: { deliveredMessageId: messageId, deliveredAt },
    });
    await transitions.transition({
      mottakId: item.mottakId,
      from: 'DELIVERED',
      to: 'CONFIRMED',
      patch: { confirmedAt: new Date() },
    });
    const row = await queries.findById(item.mottakId);
    expect(row).toMatchObject({
      state: 'CONFIRMED',
      bytes: 12345,
      sha256: 'ab'.repeat(32),
      deliveredMessageId: messageId,
      deliveredAt,
    });
    const events = (await queries.events(item.mottakId)).filter((e) => e.kind !== 'note');
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
    await transitions.insertDiscovered([item]);
    const claims = await Promise.all([
      transitions.claimDiscovered(item.mottakId, 1),
      transitions.claimDiscovered(item.mottakId, 1),
    ]);
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toEqual(await queries.findById(item.mottakId));
    expect(won[0]).toMatchObject({ state: 'FORWARDING', attempt: 1, messageId: messageIdFor(item.mottakId, 1) });
    expect(won[0]?.stateChangedAt).toBeInstanceOf(Date);
    expect(await queries.findAttempt(messageIdFor(item.mottakId, 1))).toMatchObject({ mottakId: item.mottakId });
    expect(await transitions.claimDiscovered(item.mottakId, 1)).toBeUndefined();
  });

  it('records statuses in bulk once each, leaving out messages that are not ours', async () => {
    const item = aDiscoveredItem();
    const messageId = messageIdFor(item.mottakId, 1);
    await transitions.insertDiscovered([item]);
    await transitions.startAttempt(item.mottakId, 'DISCOVERED', 1);
    const status = (s: string, id: number, of = messageId) => ({
      messageId: of,
      status: s,
      ipStatusId: id,
      lastUpdate: '2026-03-02T10:00:00+01:00',
    });
    const strangers = status('SENDT', 702, '00000000-0000-5000-8000-000000000999');
    expect(await transitions.recordStatuses([status('OPPRETTET', 700), status('SENDT', 701), strangers])).toBe(2);
    expect(await transitions.recordStatuses([status('SENDT', 701), status('MOTTATT', 703)])).toBe(1);
    const recorded = (await queries.events(item.mottakId)).filter((e) => e.kind === 'status');
    expect(recorded.map((e) => [e.status, e.attempt, e.messageId])).toEqual([
      ['OPPRETTET', 1, messageId],
      ['SENDT', 1, messageId],
      ['MOTTATT', 1, messageId],
    ]);
  });

  it('will not store a CONFIRMED row that names no delivered message, whatever the code does', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    await expect(
      dataSource.query(`UPDATE forsendelse SET state = 'CONFIRMED' WHERE mottak_id = $1`, [item.mottakId]),
    ).rejects.toThrow(/forsendelse_confirmed_check/);
  });

  it('finds stale rows of a state, oldest first, and counts rows per state', async () => {
    const item = aDiscoveredItem();
    await transitions.insertDiscovered([item]);
    await dataSource.query(`UPDATE forsendelse SET state_changed_at = now() - interval '1 hour' WHERE mottak_id = $1`, [
      item.mottakId,
    ]);
    const stale = await queries.findStale('DISCOVERED', new Date(Date.now() - 60_000), 10);
    expect(stale.map((r) => r.mottakId)).toEqual([item.mottakId]);
    const counts = await queries.countByState();
    // The rows the other tests of this file left, counted plainly.
    const plain = await dataSource.query<{ state: string; n: string }[]>(
      `SELECT state, count(*) AS n FROM forsendelse GROUP BY state`,
    );
    expect(counts.DISCOVERED).toBeGreaterThanOrEqual(1);
    expect(counts.CONFIRMED).toBeGreaterThanOrEqual(1);
    for (const { state, n } of plain) {
      expect({ state, n: counts[state as keyof typeof counts] }).toEqual({ state, n: Number(n) });
    }
  });

  it('calls a recorded status settled only once applying it again could change nothing', async () => {
    const item = aDiscoveredItem();
    const messageId = messageIdFor(item.mottakId, 1);
    await transitions.insertDiscovered([item]);
    await transitions.startAttempt(item.mottakId, 'DISCOVERED', 1);
    await transitions.transition({ mottakId: item.mottakId, from: 'FORWARDING', to: 'SENT' });
    const record = (status: string, id: number) =>
      transitions.withLocked([item.mottakId], (locked) =>
        locked
          .get(item.mottakId)!
          .recordStatus({ attempt: 1, messageId, status, ipStatusId: id, lastUpdate: '2026-03-02T10:00:00Z' }),
      );
    expect(await record('MOTTATT', 901)).toBe(true);
    expect(await record('LEVERT', 902)).toBe(true);
    expect(await record('LEVERT', 902)).toBe(false);
    const pairs = ['MOTTATT', 'LEVERT', 'LEST'].map((status) => ({ messageId, status }));
    // LEVERT is recorded but the row is still SENT: a crash came between recording and acting.
    expect([...(await queries.settledStatuses(pairs))]).toEqual([`${messageId}|MOTTATT`]);
    await transitions.transition({
      mottakId: item.mottakId,
      from: 'SENT',
      to: 'DELIVERED',
      patch: { deliveredMessageId: messageId },
    });
    expect([...(await queries.settledStatuses(pairs))].sort()).toEqual([`${messageId}|LEVERT`, `${messageId}|MOTTATT`]);
  });

  it('skips as settled exactly the recorded statuses the status rules say can no longer move their row', async () => {
    // Every (state, status, current or other attempt): a row in that state at attempt 2 with the status recorded
    // for attempt 2 (current) or 1 (other), all asked about in one query, as a feed tick does.
    const cases = FORSENDELSE_STATES.flatMap((state) =>
      [...IP_STATUSES, 'INNKOMMENDE_MOTTATT'].flatMap((status) =>
        [true, false].map((current) => ({ state, status, current, item: aDiscoveredItem() })),
      ),
    );
    for (const { state, status, current, item } of cases) {
      const [first, second] = [messageIdFor(item.mottakId, 1), messageIdFor(item.mottakId, 2)];
      await dataSource.query(
        `INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, delivered_message_id)
         VALUES ($1, $2, 2, $3, $4, $5)`,
        [item.mottakId, state, second, conversationIdFor(item.mottakId), second],
      );
      await dataSource.query(
        `INSERT INTO forsendelse_attempt (message_id, mottak_id, attempt) VALUES ($1, $3, 1), ($2, $3, 2)`,
        [first, second, item.mottakId],
      );
      await dataSource.query(
        `INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, status) VALUES ($1, 'status', $2, $3, $4)`,
        [item.mottakId, current ? 2 : 1, current ? second : first, status],
      );
    }
    const pairs = cases.map((c) => ({ messageId: messageIdFor(c.item.mottakId, c.current ? 2 : 1), status: c.status }));
    const settled = await queries.settledStatuses(pairs);
    const disagreements = cases.filter((c, i) => {
      const rules = decide({
        state: c.state,
        rowAttempt: 2,
        status: c.status,
        statusAttempt: c.current ? 2 : 1,
        firstSeen: false,
        maxAttempts: 3,
      });
      return settled.has(`${pairs[i].messageId}|${c.status}`) !== (rules.outcome === 'recorded');
    });
    expect(disagreements.map(({ state, status, current }) => ({ state, status, current }))).toEqual([]);
    expect(settled.size).toBeGreaterThan(0);
    expect(settled.size).toBeLessThan(cases.length);
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
    expect(await queries.countByState()).toMatchObject({ CONFIRMED: 0 });
  });
});
