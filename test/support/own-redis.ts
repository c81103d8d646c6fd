import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './bridge-harness';

/**
 * A redis-server of the test's own, on a free port, without persistence: a fault test may shut it down,
 * flush it or restart it, which it must never do to the machine's shared Redis.
 */
export interface OwnRedis {
  url: string;
  port: number;
  /** `SHUTDOWN NOSAVE`: the server exits and every key is gone. */
  shutdownNoSave(): Promise<void>;
  /** Starts the server again on the same port, empty. */
  start(): Promise<void>;
  /** `FLUSHALL` on the running server. */
  flushAll(): Promise<void>;
  /** Stops the server (if running) and removes its folder. */
  cleanup(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export interface OwnRedisOptions {
  /** `maxmemory` (e.g. '2mb'): a Redis under memory pressure. Default: none. */
  maxmemory?: string;
  /** `maxmemory-policy`; default noeviction, as the bridge asks for. */
  maxmemoryPolicy?: 'noeviction' | 'allkeys-lru' | 'volatile-lru';
  /** Serve TLS only (a `rediss://` URL), with this certificate and key; clients are not asked for one. */
  tls?: { certFile: string; keyFile: string };
  /** `requirepass`: clients must AUTH (the URL carries it). Default: none. */
  password?: string;
}

export async function startOwnRedis(options: OwnRedisOptions = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bridge-own-redis-'));
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  const url = `${options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`;
  const listen = options.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        options.tls.certFile,
        '--tls-key-file',
        options.tls.keyFile,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const server = spawn(
      'redis-server',
      [
        ...listen,
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        options.maxmemoryPolicy ?? 'noeviction',
        ...(options.maxmemory === undefined ? [] : ['--maxmemory', options.maxmemory]),
        ...(options.password === undefined ? [] : ['--requirepass', options.password]),
        '--dir',
        dir,
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    child = server;
    await waitForPing(port, server, options);
  };

  const command = async <T>(work: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = oneShotClient(port, options);
    try {
      await redis.connect();
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  };

  const shutdownNoSave = async (): Promise<void> => {
    const server = child;
    if (!server || server.exitCode !== null) {
      return;
    }
    const exited = exitOf(server);
    // The server closes the connection instead of answering: the command's error is the expected outcome.
    await command((redis) => redis.shutdown('NOSAVE')).catch(() => undefined);
    await exited;
    child = undefined;
  };

  await start();
  return {
    url,
    port,
    shutdownNoSave,
    start,
    flushAll: () => command((redis) => redis.flushall()).then(() => undefined),
    cleanup: async () => {
      const server = child;
      if (server && server.exitCode === null) {
        const exited = exitOf(server);
        server.kill('SIGKILL');
        await exited;
      }
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A client for one command: no reconnecting, and its connection errors are the caller's result, not noise. */
export function oneShotClient(port: number, { tls, password }: Pick<OwnRedisOptions, 'tls' | 'password'> = {}): Redis {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    password,
    tls: tls ? { ca: readFileSync(tls.certFile) } : undefined,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

export function exitOf(server: ChildProcess): Promise<void> {
  return server.exitCode !== null ? Promise.resolve() : new Promise((resolve) => server.once('exit', () => resolve()));
}

export async function waitForPing(
  port: number,
  server: ChildProcess,
  options: Pick<OwnRedisOptions, 'tls' | 'password'> = {},
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`redis-server on port ${port} exited with ${server.exitCode}`);
    }
    const redis = oneShotClient(port, options);
    const pong = await redis
      .connect()
      .then(() => redis.ping())
      .catch(() => undefined)
      .finally(() => redis.disconnect());
    if (pong === 'PONG') {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`redis-server on port ${port} did not answer within ${START_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
