import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AdminModule } from '../src/admin/admin.module';
import { AdminService } from '../src/admin/admin.service';
import { ConfigModule } from '../src/config/config.module';
import { conversationIdFor, messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { ForsendelseModule } from '../src/forsendelse/forsendelse.module';
import { QueuesModule } from '../src/queues/queues.module';
import { createTestDatabase, type TestDatabase } from './support/database';
import { aConfig } from './support/test-config';

/** A replay opens a new attempt: refused while the current one may still reach the receiver (issue 14, point 5). */
describe('replay of a FAILED forsendelse (real Postgres, real Redis)', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let admin: AdminService;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(aConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: `r${Date.now().toString(36)}` })),
        ForsendelseModule,
        QueuesModule,
        AdminModule,
      ],
    }).compile();
    await moduleRef.init();
    admin = moduleRef.get(AdminService);
    dataSource = moduleRef.get(getDataSourceToken());
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  /** A row FAILED at attempt 1, its send requested or not, with these statuses recorded for attempt 1. */
  async function failedRow(sendRequested: boolean, statuses: string[]): Promise<string> {
    const mottakId = randomUUID();
    const messageId = messageIdFor(mottakId, 1);
    await dataSource.query(
      `INSERT INTO forsendelse (mottak_id, state, attempt, message_id, conversation_id, send_requested_at, failure_reason)
       VALUES ($1, 'FAILED', 1, $2, $3, $4, 'gave up after 300 tries')`,
      [mottakId, messageId, conversationIdFor(mottakId), sendRequested ? new Date() : null],
    );
    await dataSource.query(`INSERT INTO forsendelse_attempt (message_id, mottak_id, attempt) VALUES ($1, $2, 1)`, [
      messageId,
      mottakId,
    ]);
    for (const status of statuses) {
      await dataSource.query(
        `INSERT INTO forsendelse_event (mottak_id, kind, attempt, message_id, status) VALUES ($1, 'status', 1, $2, $3)`,
        [mottakId, messageId, status],
      );
    }
    return mottakId;
  }

  async function stateOf(mottakId: string): Promise<{ state: string; attempt: number }> {
    const [row] = await dataSource.query<{ state: string; attempt: number }[]>(
      `SELECT state, attempt FROM forsendelse WHERE mottak_id = $1`,
      [mottakId],
    );
    return row;
  }

  it.each([
    ['sent (SENDT) and not ended', true, ['OPPRETTET', 'SENDT'], 'may-still-deliver'],
    ['received (MOTTATT) and not ended', true, ['OPPRETTET', 'SENDT', 'MOTTATT'], 'may-still-deliver'],
    ['sent and then expired', true, ['OPPRETTET', 'SENDT', 'LEVETID_UTLOPT'], 'replayed'],
    ['sent and then refused (FEIL)', true, ['OPPRETTET', 'SENDT', 'FEIL'], 'replayed'],
    ['never sent by the IP', true, ['OPPRETTET'], 'replayed'],
    ['never asked to send', false, ['OPPRETTET'], 'replayed'],
  ])('an attempt %s: %s', async (_what, sendRequested, statuses, outcome) => {
    const mottakId = await failedRow(sendRequested, statuses);
    expect(await admin.replay(mottakId)).toBe(outcome);
    expect(await stateOf(mottakId)).toEqual(
      outcome === 'replayed' ? { state: 'FORWARDING', attempt: 2 } : { state: 'FAILED', attempt: 1 },
    );
  });

  it('leaves a refused one out of a bulk replay', async () => {
    const open = await failedRow(true, ['SENDT']);
    const ended = await failedRow(true, ['SENDT', 'LEVETID_UTLOPT']);
    const { replayed } = await admin.replayFailed('gave up');
    expect(replayed).toContain(ended);
    expect(replayed).not.toContain(open);
  });
});
