import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/config.loader';
import { startSimulators, type SimulatorSet, type SimulatorSetOptions } from '../../src/simulator/start-simulators';
import { mintTestKeys, type TestKeys } from '../../src/simulator/maskinporten/test-keys';
import { ForsendelseEntity } from '../../src/forsendelse/forsendelse.entity';
import { createTestDatabase, type TestDatabase } from './database';

let keysPromise: Promise<TestKeys> | undefined;

/** Minted once per test file: minting takes a second or two. */
export function testKeys(): Promise<TestKeys> {
  keysPromise ??= mintTestKeys(mkdtempSync(join(tmpdir(), 'bridge-keys-')));
  return keysPromise;
}

/**
 * The IP as unkind as the real one, for the bridge's tests: a webhook event arrives before its status can be read
 * (300 ms, under the bridge's 1 s second re-read), every second message is also LEST after LEVERT, and about every
 * third DPO/DPV one gets an ANNET before LEVERT. Benchmarks leave them out (`habits: 'plain'`): they would make a
 * figure measure the simulator's habits instead of the bridge.
 */
const UNKIND_IP = { statusCommitDelayMs: 300, lestRate: 0.5, annetRate: 0.34 };

/** The simulators on ephemeral ports, with the test keys trusted and statuses progressing quickly. */
export async function startTestSimulators(
  options: SimulatorSetOptions = {},
  habits: 'unkind' | 'plain' = 'unkind',
): Promise<SimulatorSet> {
  const keys = await testKeys();
  return startSimulators({
    maskinporten: { port: 0, keysDir: keys.dir, ...options.maskinporten },
    brreg: { port: 0, ...options.brreg },
    integrasjonspunkt: {
      port: 0,
      statusDelayMs: 20,
      sendDelayMs: 10,
      ttlCheckIntervalMs: 0,
      ...(habits === 'unkind' ? UNKIND_IP : {}),
      ...options.integrasjonspunkt,
    },
  });
}

export interface RunningBridge {
  app: INestApplication;
  dataSource: DataSource;
  url: string;
  close(): Promise<void>;
}

/** The whole bridge (AppModule) against the simulators, a fresh database and its own queue prefix. */
export async function startBridge(
  sims: SimulatorSet,
  db: TestDatabase,
  env: Record<string, string | undefined> = {},
  /** `logger`: receives the bridge's logs from its first line on (e.g. test/support/log-capture.ts). */
  options: { logger?: LoggerService } = {},
): Promise<RunningBridge> {
  const keys = await testKeys();
  const config = loadConfig({
    ...keys.env.x5c,
    LOG_LEVEL: process.env.TEST_LOGS ? 'debug' : 'warn',
    MASKINPORTEN_ISSUER: sims.maskinporten.issuer,
    MASKINPORTEN_TOKEN_URL: sims.maskinporten.tokenUrl,
    BRREG_BASE_URL: sims.brreg.outboundUrl,
    EFM_BASE_URL: sims.integrasjonspunkt.url,
    EFM_SENDER_ORGNR: keys.orgnr,
    EFM_RECEIVER_ORGNR: '310000001',
    DATABASE_URL: db.url,
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    BRREG_POLL_INTERVAL_MS: '1000',
    EFM_STATUS_POLL_INTERVAL_MS: '200',
    RECONCILE_INTERVAL_MS: '2000',
    RECONCILE_STALE_MS: '10000',
    // A send answered 5xx is cancelled and re-sent after two of these, not ten minutes.
    EFM_SEND_GRACE_MS: '2000',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication({ logger: options.logger ?? false });
  app.enableShutdownHooks();
  // A test that must know the URL beforehand (a webhook) passes PORT; otherwise any free port.
  await app.listen(env.PORT ? Number(env.PORT) : 0, '127.0.0.1');
  return {
    app,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    url: await app.getUrl(),
    close: () => app.close(),
  };
}

export { createTestDatabase };

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** JSON from a simulator's control API. */
export async function control<T>(
  baseUrl: string,
  path: string,
  init?: { method?: string; body?: unknown },
): Promise<T> {
  const response = await fetch(`${baseUrl}/_sim${path}`, {
    method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
    headers: init?.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok) {
    throw new Error(`${init?.method ?? 'GET'} /_sim${path} answered ${response.status}: ${await response.text()}`);
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Polls `check` until it returns a value, or fails with what it last saw. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface BridgeTestEnvironment {
  sims: SimulatorSet;
  db: TestDatabase;
  /** Starts a bridge on this environment's simulators and database; closed after the file's tests. */
  start(env?: Record<string, string | undefined>, options?: { logger?: LoggerService }): Promise<RunningBridge>;
}

/**
 * Simulators and a fresh database for one describe block, started before its tests and stopped after them,
 * with every bridge the tests started.
 */
export function useBridgeEnvironment(options: SimulatorSetOptions = {}): BridgeTestEnvironment {
  const bridges: RunningBridge[] = [];
  const environment = {
    start: async (env: Record<string, string | undefined> = {}, options: { logger?: LoggerService } = {}) => {
      const bridge = await startBridge(environment.sims, environment.db, env, options);
      bridges.push(bridge);
      return bridge;
    },
  } as BridgeTestEnvironment;
  beforeAll(async () => {
    environment.sims = await startTestSimulators(options);
    environment.db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const bridge of bridges) {
      // A test may have closed it already (a shutdown test).
      await bridge.close().catch(() => undefined);
    }
    await environment.sims?.close();
    await environment.db?.drop();
  });
  return environment;
}

/** The forsendelse table as the bridge sees it. */
export async function forsendelseRows(bridge: Pick<RunningBridge, 'dataSource'>): Promise<ForsendelseEntity[]> {
  return bridge.dataSource.getRepository(ForsendelseEntity).find();
}
