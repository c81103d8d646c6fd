import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatorSet } from '../../src/simulator/start-simulators';
import { freePort, testKeys } from './bridge-harness';
import type { TestDatabase } from './database';
import { aValidEnv } from './test-config';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
/** Under node_modules, so the copy resolves its packages from the project's node_modules (and git ignores it). */
const SNAPSHOTS = join(ROOT, 'node_modules', '.cache', 'bridge-process');
const START_TIMEOUT_MS = 90_000;

/** The Basic credentials every bridge process gets, so a test can look for them in its output. */
export const PROCESS_CREDENTIALS = {
  admin: { username: 'ops', password: 'admin-secret-password-42' },
  ip: { username: 'ip-user', password: 'ip-secret-password-42' },
};

/**
 * The built bridge (`dist/src/main.js`), as ops run it. The build is copied once per test file: other work
 * may rebuild `dist/` (which deletes it first) while a long run restarts its processes.
 */
export class BuiltBridge {
  private constructor(
    readonly main: string,
    private readonly dir: string,
  ) {}

  static prepare(): BuiltBridge {
    if (!existsSync(join(DIST, 'src', 'main.js'))) {
      const build = spawnSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
      if (build.status !== 0) {
        throw new Error(`nest build exited with ${build.status}`);
      }
    }
    const dir = join(SNAPSHOTS, `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(SNAPSHOTS, { recursive: true });
    removeOrphans();
    cpSync(DIST, dir, { recursive: true });
    return new BuiltBridge(join(dir, 'src', 'main.js'), dir);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Copies left by test runs that ended without removing theirs (their process is gone). */
function removeOrphans(): void {
  for (const name of readdirSync(SNAPSHOTS)) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
      rmSync(join(SNAPSHOTS, name), { recursive: true, force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    // Signal 0 only asks whether the process exists.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The variables of a bridge process against the test simulators and a test database: PKCS#12 keys, debug
 * logs, Basic credentials for the IP and the admin routes, quick intervals. `overrides` win.
 */
export async function bridgeProcessEnv(
  sims: SimulatorSet,
  db: TestDatabase,
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  const keys = await testKeys();
  return {
    PATH: process.env.PATH ?? '',
    ...keys.env.pkcs12,
    LOG_LEVEL: 'debug',
    PORT: String(await freePort()),
    MASKINPORTEN_ISSUER: sims.maskinporten.issuer,
    MASKINPORTEN_TOKEN_URL: sims.maskinporten.tokenUrl,
    BRREG_BASE_URL: sims.brreg.outboundUrl,
    BRREG_POLL_INTERVAL_MS: '1000',
    EFM_BASE_URL: sims.integrasjonspunkt.url,
    EFM_USERNAME: PROCESS_CREDENTIALS.ip.username,
    EFM_PASSWORD: PROCESS_CREDENTIALS.ip.password,
    EFM_SENDER_ORGNR: keys.orgnr,
    EFM_RECEIVER_ORGNR: '310000001',
    EFM_STATUS_POLL_INTERVAL_MS: '200',
    DATABASE_URL: db.url,
    QUEUE_PREFIX: `p${randomBytes(4).toString('hex')}`,
    RECONCILE_INTERVAL_MS: '2000',
    RECONCILE_STALE_MS: '5000',
    EFM_SEND_GRACE_MS: '2000',
    ADMIN_USERNAME: PROCESS_CREDENTIALS.admin.username,
    ADMIN_PASSWORD: PROCESS_CREDENTIALS.admin.password,
    ...overrides,
  };
}

/**
 * A bridge that needs no peer to start (its peers' URLs lead nowhere): for what is decided at start-up or by
 * Postgres and Redis alone. An override of `undefined` removes the variable.
 */
export async function peerlessProcessEnv(
  db: TestDatabase,
  queuePrefix: string,
  overrides: Record<string, string | undefined> = {},
): Promise<Record<string, string>> {
  return Object.fromEntries(
    Object.entries({
      ...aValidEnv({ LOG_LEVEL: 'warn' }),
      PATH: process.env.PATH,
      PORT: String(await freePort()),
      DATABASE_URL: db.url,
      QUEUE_PREFIX: queuePrefix,
      ...overrides,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * One bridge as a child process: started, killed with SIGKILL (no shutdown hook runs), started again with
 * the same variables. Every run's stdout and stderr are kept, in order.
 */
export class BridgeProcess {
  private child: ChildProcess | undefined;
  private readonly chunks: string[] = [];
  readonly url: string;

  constructor(
    private readonly built: BuiltBridge,
    readonly env: Readonly<Record<string, string>>,
    readonly name = 'bridge',
  ) {
    this.url = `http://127.0.0.1:${env.PORT}`;
  }

  /** stdout and stderr of every run so far. */
  get output(): string {
    return this.chunks.join('');
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process; resolves once it answers /health/live, rejects if it exits or hangs first. */
  async start(): Promise<void> {
    if (this.running) {
      throw new Error(`${this.name} is already running`);
    }
    this.spawnChild();
    await this.waitUntilLive();
  }

  /** Spawns the process without waiting for it: several can then boot at the same instant. */
  spawnChild(): void {
    const child = spawn(process.execPath, [this.built.main], {
      cwd: ROOT,
      env: { ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.chunks.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.chunks.push(chunk.toString()));
  }

  async waitUntilLive(): Promise<void> {
    const child = this.child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.name} exited during start-up:\n${this.output.slice(-3000)}`);
      }
      const live = await fetch(`${this.url}/health/live`).then(
        (response) => response.ok,
        () => false,
      );
      if (live) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not answer /health/live within ${START_TIMEOUT_MS} ms`);
  }

  /** kill -9, synchronously: the process gets no chance to finish what it was doing. */
  kill(): void {
    if (this.running) {
      this.child?.kill('SIGKILL');
    }
  }

  /** Resolves once the current run has ended (at once if none is running). */
  async exited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    await new Promise((resolve) => child.once('exit', resolve));
  }

  /** A graceful stop (SIGTERM), as at a deployment; resolves with the exit code (null if it had to be killed). */
  async stop(graceMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) {
      return child?.exitCode ?? null;
    }
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exit;
    } finally {
      clearTimeout(timer);
    }
  }
}
