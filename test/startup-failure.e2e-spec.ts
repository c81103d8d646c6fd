import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { BuiltBridge } from './support/bridge-process';
import { createTestDatabase, freePort } from './support/bridge-harness';
import type { TestDatabase } from './support/database';
import { startOwnRedis, type OwnRedis } from './support/own-redis';
import { aValidEnv } from './support/test-config';

/**
 * A start-up that cannot work ends in one JSON line naming the variable and the cause, and a prompt non-zero
 * exit: not Nest's "Unable to connect to the database. Retrying" with the cause in coloured text further down,
 * not a bare `ReplyError`. Each case runs the built bridge as ops run it.
 */

interface Run {
  code: number | null;
  tookMs: number;
  lines: Record<string, unknown>[];
  output: string;
}

let built: BuiltBridge;

beforeAll(() => {
  built = BuiltBridge.prepare();
}, 180_000);

afterAll(() => built.remove());

async function runUntilExit(env: Record<string, string | undefined>): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [built.main], {
    env: { PATH: process.env.PATH, ...aValidEnv({ LOG_LEVEL: 'info' }), PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const lines = output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, tookMs: Date.now() - started, lines, output };
}

function fatalLines(run: Run): Record<string, unknown>[] {
  return run.lines.filter((line) => line.level === 'fatal');
}

describe('a start-up that cannot work', () => {
  let db: TestDatabase;
  const role = `bridge_nocreate_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      // PostgreSQL 15 gives only the database owner CREATE on schema public: this role may connect, not migrate.
      await admin.query(`CREATE ROLE ${role} LOGIN`);
    } finally {
      await admin.end();
    }
  }, 60_000);

  afterAll(async () => {
    await db.drop();
    const admin = new Client({ connectionString: db.url.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
  });

  it('says DATABASE_URL and "needs CREATE" in one JSON line when the user may not create tables', async () => {
    const run = await runUntilExit({ DATABASE_URL: db.url.replace('postgres@', `${role}@`) });
    process.stdout.write(`no CREATE: exit ${run.code} after ${run.tookMs} ms:\n${run.output}`);

    expect(run.code).toBe(1);
    expect(fatalLines(run)).toEqual([
      expect.objectContaining({
        level: 'fatal',
        msg: 'start-up failed',
        variable: 'DATABASE_URL',
        cause: 'permission denied for schema public (the user needs CREATE to run migrations)',
        service: 'brreg-efm-bridge',
      }),
    ]);
    // Nothing but that line: the buffered Nest lines and TypeORM's retry message are not printed.
    expect(run.lines).toHaveLength(1);
    expect(run.output).not.toContain('Retrying');
    // No 10 × 3 s retry loop (loading the modules takes seconds of CPU on a busy machine, hence the slack).
    expect(run.tookMs).toBeLessThan(25_000);
  }, 90_000);

  it('says MANAGEMENT_PORT when that port is taken', async () => {
    const taken = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, resolve));
    try {
      const run = await runUntilExit({
        DATABASE_URL: db.url,
        QUEUE_PREFIX: `p${randomBytes(4).toString('hex')}`,
        MANAGEMENT_PORT: String(port),
      });
      expect(run.code).toBe(1);
      expect(fatalLines(run)).toEqual([
        expect.objectContaining({
          msg: 'start-up failed',
          variable: 'MANAGEMENT_PORT',
          cause: 'cannot listen (EADDRINUSE)',
        }),
      ]);
    } finally {
      taken.close();
    }
  }, 90_000);

  describe('with a Redis that has no room left', () => {
    let redis: OwnRedis;

    beforeAll(async () => {
      // An empty redis-server uses about 0.9 MB: 1 MB leaves no room for the queues' first writes.
      redis = await startOwnRedis({ maxmemory: '1mb' });
    });

    afterAll(() => redis.cleanup());

    it('says REDIS_URL and that maxmemory is reached in one fatal JSON line, and exits', async () => {
      const run = await runUntilExit({ DATABASE_URL: db.url, REDIS_URL: redis.url });
      process.stdout.write(`Redis OOM: exit ${run.code} after ${run.tookMs} ms:\n${run.output}`);

      expect(run.code).toBe(1);
      const fatal = fatalLines(run);
      expect(fatal).toEqual([
        expect.objectContaining({ msg: 'start-up failed', variable: 'REDIS_URL', cause: expect.any(String) }),
      ]);
      expect(fatal[0].cause).toMatch(/^OOM command not allowed.*\(Redis has reached maxmemory/);
      expect(run.output).not.toMatch(/^ReplyError/m);
      expect(run.tookMs).toBeLessThan(25_000);
    }, 90_000);
  });
});
