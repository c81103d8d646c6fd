import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { createTestDatabase, type TestDatabase } from './support/database';
import { aConfig } from './support/test-config';

describe('the Nest application', () => {
  let app: INestApplication;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = aConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}` });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('boots every module against real Postgres and Redis and answers liveness over HTTP', async () => {
    const response = await fetch(`${await app.getUrl()}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is not ready while Brreg and Maskinporten cannot be reached, and names those checks', async () => {
    // The test config points every peer at a closed port.
    const response = await fetch(`${await app.getUrl()}/health/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { checks: Record<string, { ok: boolean; reason?: string }> };
    expect(body.checks.postgres).toEqual({ ok: true });
    expect(body.checks.redis).toEqual({ ok: true });
    expect(body.checks.brreg.ok).toBe(false);
    expect(body.checks.maskinporten).toMatchObject({ ok: false, reason: expect.any(String) });
  });
});
