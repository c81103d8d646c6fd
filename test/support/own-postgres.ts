import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './bridge-harness';
import type { TestDatabase } from './database';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary folder, its own port and socket folder):
 * a fault test stops and starts it, which it must never do to the machine's shared server.
 */
export interface OwnPostgres {
  /** The `bridge` database of this cluster, in the shape startBridge takes. */
  db: TestDatabase;
  port: number;
  /** `pg_ctl stop -m immediate`: the server dies without a checkpoint and every connection is cut. */
  stopImmediately(): Promise<void>;
  /** Starts the stopped cluster again on the same port (it runs crash recovery first). */
  start(): Promise<void>;
  /** Stops the cluster (if running) and removes its folder. */
  cleanup(): Promise<void>;
}

/** Debian's layout (docs/development.md): the newest installed major version, unless PG_BIN names a folder. */
function binDir(): string {
  if (process.env.PG_BIN) {
    return process.env.PG_BIN;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL binaries under ${root}; set PG_BIN`);
  }
  return join(root, versions[0], 'bin');
}

/** initdb and postgres refuse to run as root (docs/development.md): as root, they run as the postgres account. */
function asServerUser(binary: string, args: string[]): [string, string[]] {
  return userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bridge-own-pg-'));
  const data = join(dir, 'data');
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (binary: string, args: string[]) => run(...asServerUser(join(bin, binary), args));
  const pgCtl = (args: string[]) => pg('pg_ctl', ['-D', data, ...args]);

  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  // fsync off: a test cluster trades durability for speed; crash recovery after an immediate stop still runs.
  const start = async () => {
    await pgCtl([
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  };
  const stopImmediately = async () => {
    await pgCtl(['-m', 'immediate', '-w', 'stop']);
  };

  await start();
  const serverUrl = `postgres://postgres@127.0.0.1:${port}`;
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE bridge');
  } finally {
    await admin.end();
  }

  let cleaned = false;
  return {
    port,
    // The database goes with the cluster (cleanup).
    db: { url: `${serverUrl}/bridge`, drop: () => Promise.resolve() },
    stopImmediately,
    start,
    cleanup: async () => {
      if (cleaned) {
        return;
      }
      cleaned = true;
      // Already stopped is fine: the folder goes either way.
      await stopImmediately().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
