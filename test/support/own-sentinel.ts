import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './bridge-harness';
import { exitOf, oneShotClient, waitForPing, type OwnRedis, type OwnRedisOptions } from './own-redis';

/** A Redis Sentinel of the test's own, monitoring one OwnRedis as the master of a named group. */
export interface OwnSentinel {
  /** `host:port`, as REDIS_SENTINELS lists it. */
  address: string;
  port: number;
  /** What the sentinel answers to SENTINEL GET-MASTER-ADDR-BY-NAME. */
  masterAddress(): Promise<string>;
  /** Stops the sentinel and removes its folder. */
  cleanup(): Promise<void>;
}

export interface OwnSentinelOptions {
  /** The master group name (REDIS_SENTINEL_MASTER). */
  masterName: string;
  /** The master's `requirepass`, which the sentinel needs to watch it. */
  masterPassword?: string;
  /** The sentinel's own `requirepass` (REDIS_SENTINEL_PASSWORD). */
  password?: string;
  /** Serve TLS only, and reach the (TLS-only) master over TLS, with this certificate and key. */
  tls?: OwnRedisOptions['tls'];
}

/**
 * `redis-server <conf> --sentinel` with a quorum of 1. The sentinel rewrites its configuration file, so the file
 * lives in the sentinel's own temp folder.
 */
export async function startOwnSentinel(master: OwnRedis, options: OwnSentinelOptions): Promise<OwnSentinel> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bridge-own-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  const listen = options.tls
    ? [
        'port 0',
        `tls-port ${port}`,
        `tls-cert-file ${options.tls.certFile}`,
        `tls-key-file ${options.tls.keyFile}`,
        `tls-ca-cert-file ${options.tls.certFile}`,
        'tls-auth-clients no',
        'tls-replication yes',
      ]
    : [`port ${port}`];
  const lines = [
    ...listen,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `logfile ${join(dir, 'sentinel.log')}`,
    'sentinel resolve-hostnames no',
    `sentinel monitor ${options.masterName} 127.0.0.1 ${master.port} 1`,
    ...(options.masterPassword === undefined
      ? []
      : [`sentinel auth-pass ${options.masterName} ${options.masterPassword}`]),
    ...(options.password === undefined ? [] : [`requirepass ${options.password}`]),
  ];
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const server = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  await waitForPing(port, server, { password: options.password, tls: options.tls });

  return {
    address: `127.0.0.1:${port}`,
    port,
    masterAddress: async () => {
      const redis = oneShotClient(port, { password: options.password, tls: options.tls });
      try {
        await redis.connect();
        const answer = (await redis.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', options.masterName)) as string[] | null;
        return answer === null ? '' : answer.join(':');
      } finally {
        redis.disconnect();
      }
    },
    cleanup: async () => {
      if (server.exitCode === null) {
        const exited = exitOf(server);
        server.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
