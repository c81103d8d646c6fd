import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BridgeProcess, BuiltBridge, peerlessProcessEnv } from './support/bridge-process';
import { freePort } from './support/bridge-harness';
import { createTestDatabase, type TestDatabase } from './support/database';
import { selfSignedCertificate } from './support/self-signed-certificate';
import { startOwnRedis, type OwnRedis } from './support/own-redis';
import { startOwnSentinel, type OwnSentinel } from './support/own-sentinel';

const MASTER = 'bridge-master';
const MASTER_PASSWORD = 'master-pw-0451';
const SENTINEL_PASSWORD = 'sentinel-pw-0452';
const READY_TIMEOUT_MS = 60_000;

/**
 * Redis behind Sentinel: ioredis cannot read a host list from a URL, so REDIS_SENTINELS names the sentinels and
 * REDIS_URL only the password and database. The built bridge against a real master and a real sentinel (both
 * with passwords), with a REDIS_URL whose host and port point nowhere: every connection must ask the sentinel.
 */
describe('Redis through Sentinel (REDIS_SENTINELS)', () => {
  let master: OwnRedis;
  let sentinel: OwnSentinel;
  let db: TestDatabase;
  let built: BuiltBridge;
  let bridge: BridgeProcess | undefined;
  const prefix = `p${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    master = await startOwnRedis({ password: MASTER_PASSWORD });
    sentinel = await startOwnSentinel(master, {
      masterName: MASTER,
      masterPassword: MASTER_PASSWORD,
      password: SENTINEL_PASSWORD,
    });
    db = await createTestDatabase();
    built = BuiltBridge.prepare();
  }, 180_000);

  afterAll(async () => {
    await bridge?.stop();
    await sentinel?.cleanup();
    await master?.cleanup();
    await db?.drop();
    built?.remove();
  }, 60_000);

  it('the sentinel knows the master', async () => {
    await expect(sentinel.masterAddress()).resolves.toBe(`127.0.0.1:${master.port}`);
  });

  it('becomes ready, and its schedulers and shared health facts land in the master (database from REDIS_URL)', async () => {
    const unusedPort = await freePort();
    bridge = new BridgeProcess(
      built,
      await peerlessProcessEnv(db, prefix, {
        // Host and port lead nowhere: only the password and the database may be taken from the URL.
        REDIS_URL: `redis://:${MASTER_PASSWORD}@127.0.0.1:${unusedPort}/3`,
        // A second sentinel that does not answer: ioredis moves on to the next.
        REDIS_SENTINELS: `127.0.0.1:${await freePort()},${sentinel.address}`,
        REDIS_SENTINEL_MASTER: MASTER,
        REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      }),
    );
    await bridge.start();

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let readiness: { status: number; body: { info?: { source?: string } } } | undefined;
    while (Date.now() < deadline) {
      const response = await fetch(`${bridge.url}/health/ready`);
      readiness = { status: response.status, body: (await response.json()) as { info?: { source?: string } } };
      if (readiness.status === 200 && readiness.body.info?.source === 'shared') {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Ready: BullMQ's connection answers. Source "shared": SharedHealth's own connection read Redis.
    expect(readiness).toMatchObject({ status: 200, body: { info: { source: 'shared' } } });

    const client = new Redis(`${master.url}/3`);
    try {
      const keys = await client.keys(`${prefix}:*`);
      expect(keys.some((key) => key.startsWith(`${prefix}:brreg-poll:`))).toBe(true);
      expect(keys).toContain(`${prefix}:bridge-health`);
    } finally {
      client.disconnect();
    }
    // RedisSettingsCheck reached the master too: it read `appendonly no` (own-redis runs without persistence).
    expect(bridge.output).toContain('Redis does not persist');
    expect(bridge.output).not.toContain('could not read Redis settings');
    expect(bridge.output).not.toContain(SENTINEL_PASSWORD);
    expect(bridge.output).not.toContain(MASTER_PASSWORD);
  }, 120_000);

  it('stops at start-up naming REDIS_SENTINEL_MASTER when only the sentinels are given', async () => {
    const env = await peerlessProcessEnv(db, prefix, { REDIS_URL: master.url, REDIS_SENTINELS: sentinel.address });
    const child = spawn(process.execPath, [built.main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(1);
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'fatal',
        msg: 'start-up failed',
        variable: 'REDIS_SENTINEL_MASTER',
        cause: 'is required when REDIS_SENTINELS is set (the master group name)',
      }),
    ]);
  }, 60_000);
});

/**
 * `rediss://` with sentinels: TLS to the sentinels and to the master they name. A TLS-only master and a TLS-only
 * sentinel, the certificate trusted through NODE_EXTRA_CA_CERTS as in redis-tls.e2e-spec.ts.
 */
describe('Redis through Sentinel over TLS (REDIS_SENTINELS with rediss://)', () => {
  let dir: string;
  let master: OwnRedis;
  let sentinel: OwnSentinel;
  let tls: { certFile: string; keyFile: string };
  let db: TestDatabase;
  let built: BuiltBridge;
  let bridge: BridgeProcess | undefined;
  const prefix = `p${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-sentinel-tls-'));
    tls = selfSignedCertificate(dir);
    master = await startOwnRedis({ tls, password: MASTER_PASSWORD });
    sentinel = await startOwnSentinel(master, { masterName: MASTER, masterPassword: MASTER_PASSWORD, tls });
    db = await createTestDatabase();
    built = BuiltBridge.prepare();
  }, 180_000);

  afterAll(async () => {
    await bridge?.stop();
    await sentinel?.cleanup();
    await master?.cleanup();
    await db?.drop();
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('becomes ready, with its schedulers in the TLS-only master', async () => {
    await expect(sentinel.masterAddress()).resolves.toBe(`127.0.0.1:${master.port}`);
    const env = await peerlessProcessEnv(db, prefix, {
      REDIS_URL: `rediss://:${MASTER_PASSWORD}@127.0.0.1:${await freePort()}`,
      REDIS_SENTINELS: sentinel.address,
      REDIS_SENTINEL_MASTER: MASTER,
      NODE_EXTRA_CA_CERTS: tls.certFile,
    });
    bridge = new BridgeProcess(built, env);
    await bridge.start();

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${bridge.url}/health/ready`)).status;
      if (status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(status).toBe(200);

    const client = new Redis(master.url, { tls: { ca: readFileSync(tls.certFile) } });
    try {
      const keys = await client.keys(`${prefix}:*`);
      expect(keys.some((key) => key.startsWith(`${prefix}:brreg-poll:`))).toBe(true);
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
