import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BridgeProcess, BuiltBridge, peerlessProcessEnv } from './support/bridge-process';
import { createTestDatabase, type TestDatabase } from './support/database';
import { selfSignedCertificate } from './support/self-signed-certificate';
import { startOwnRedis, type OwnRedis } from './support/own-redis';

/**
 * REDIS_URL goes to ioredis as it is, so `rediss://` means TLS (as managed Redis services require). The built
 * bridge against a redis-server that speaks only TLS, its certificate trusted through NODE_EXTRA_CA_CERTS.
 */
describe('a rediss:// REDIS_URL', () => {
  let dir: string;
  let redis: OwnRedis;
  let tls: { certFile: string; keyFile: string };
  let db: TestDatabase;
  let built: BuiltBridge;
  let bridge: BridgeProcess | undefined;
  const prefix = `p${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-tls-'));
    tls = selfSignedCertificate(dir);
    redis = await startOwnRedis({ tls });
    db = await createTestDatabase();
    built = BuiltBridge.prepare();
  }, 180_000);

  afterAll(async () => {
    await bridge?.stop();
    await redis?.cleanup();
    await db?.drop();
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('connects over TLS: the bridge starts and its schedulers are in that Redis', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const env = await peerlessProcessEnv(db, prefix, {
      REDIS_URL: redis.url,
      NODE_EXTRA_CA_CERTS: tls.certFile,
    });
    bridge = new BridgeProcess(built, env);
    await bridge.start();

    const client = new Redis(redis.url, { tls: { ca: readFileSync(tls.certFile) } });
    try {
      const keys = await client.keys(`${prefix}:*`);
      expect(keys.some((key) => key.startsWith(`${prefix}:brreg-poll:`))).toBe(true);
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
