import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { createTestDatabase, type TestDatabase } from './support/database';
import { aConfig } from './support/test-config';

async function boot(db: TestDatabase, env: Record<string, string>): Promise<INestApplication> {
  const config = aConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`, ...env });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

describe('the queue dashboard', () => {
  let db: TestDatabase;
  let withAuth: INestApplication;
  let withoutAuth: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    withAuth = await boot(db, { ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'correct horse battery' });
    withoutAuth = await boot(db, {});
  });

  afterAll(async () => {
    await withAuth?.close();
    await withoutAuth?.close();
    await db?.drop();
  });

  it('answers 401 with a Basic challenge without credentials, and with wrong ones', async () => {
    const base = await withAuth.getUrl();
    const none = await fetch(`${base}/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrong = await fetch(`${base}/queues`, {
      headers: { authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
  });

  it('lists every queue with the right credentials', async () => {
    const base = await withAuth.getUrl();
    const authorization = `Basic ${Buffer.from('ops:correct horse battery').toString('base64')}`;
    expect((await fetch(`${base}/queues`, { headers: { authorization } })).status).toBe(200);
    const api = await fetch(`${base}/queues/api/queues`, { headers: { authorization } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual([
      'brreg-poll',
      'confirm',
      'forward',
      'receipts',
      'reconcile',
      'retention',
      'track',
    ]);
  });

  it('is off, not open, when no credentials are configured', async () => {
    expect((await fetch(`${await withoutAuth.getUrl()}/queues`)).status).toBe(404);
  });
});
