import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { createTestDatabase, type TestDatabase } from './support/database';
import type { Readiness } from '../src/ops/readiness.service';
import { eventually } from './support/bridge-harness';
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

  it('is ready while Postgres and Redis answer, and says in words that Maskinporten cannot be reached', async () => {
    // The test config points every peer at a closed port: the peers' trouble is the same for every replica, so it
    // is information in the body, never a reason to take this pod out of the Service.
    const url = `${await app.getUrl()}/health/ready`;
    const body = await eventually(
      async () => {
        const response = await fetch(url);
        expect(response.status).toBe(200);
        const answer = (await response.json()) as Readiness & { status: string };
        return answer.info.peers.maskinporten.outcome === undefined ? undefined : answer;
      },
      20_000,
      'a first token request to be recorded',
    );
    expect(body).toMatchObject({ status: 'ok', ready: true, failing: [] });
    expect(body.checks).toEqual({ postgres: { ok: true }, redis: { ok: true } });
    expect(body.info.peers.maskinporten).toMatchObject({
      outcome: 'unreachable',
      summary: expect.stringMatching(
        /^maskinporten: .*ECONNREFUSED.* — check MASKINPORTEN_ENV or MASKINPORTEN_TOKEN_URL/,
      ),
    });
    expect(body.info.brregPoll.summary).toMatch(/^no poll has reached Brreg/);
    expect(body.info.maskinportenToken.expiresAt).toBeUndefined();
  });
});
