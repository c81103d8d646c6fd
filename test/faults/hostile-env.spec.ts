import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config.loader';
import { envSchema, FILE_VARIABLES, SECRET_VARIABLES } from '../../src/config/config.schema';
import { aValidEnv } from '../support/test-config';

/**
 * Hostile configuration: every environment variable of the schema (docs/configuration.md) gets an invalid value,
 * and start-up must refuse it with a message that names the variable and says what is wrong — never with the
 * value of a secret. The table is keyed by the schema's own variables, so a new variable without a case here
 * does not compile.
 */

type Variable = keyof typeof envSchema.shape;

/** The environment changes that make the variable invalid, and what the message must say. */
interface Invalid {
  env: Record<string, string | undefined>;
  says: RegExp;
}

/** A variable whose every value is valid (free text); the reason is stated, and checked by accepting odd text. */
interface FreeText {
  freeText: string;
}

const NOT_A_NUMBER = /expected number/;
const NOT_AN_OPTION = /expected one of/;
const NOT_A_URL = /URL/i;
const TOO_SMALL = /too small/i;
const NO_KEY = { MASKINPORTEN_KEY_ID: undefined, MASKINPORTEN_PRIVATE_KEY: undefined };
const RSA_JWK = { kty: 'RSA', d: 'x', n: 'y', e: 'AQAB' };
const SECRET = 'hostile-secret-value-4711';

const CASES: Record<Variable, Invalid | FreeText> = {
  PORT: { env: { PORT: 'eighty' }, says: NOT_A_NUMBER },
  MANAGEMENT_PORT: { env: { PORT: '3000', MANAGEMENT_PORT: '3000' }, says: /must differ from PORT/ },
  LOG_LEVEL: { env: { LOG_LEVEL: 'verbose' }, says: NOT_AN_OPTION },
  GIT_COMMIT: { freeText: 'any text a build names its commit with; it is only shown as a metric label' },
  DATABASE_URL: { env: { DATABASE_URL: 'mysql://db/bridge' }, says: NOT_A_URL },
  DATABASE_MIGRATE: { env: { DATABASE_MIGRATE: 'maybe' }, says: /must be true or false/ },
  REDIS_URL: { env: { REDIS_URL: 'localhost:6379' }, says: NOT_A_URL },
  REDIS_SENTINELS: {
    env: { REDIS_SENTINELS: 'sentinel-a:26379;sentinel-b', REDIS_SENTINEL_MASTER: 'mymaster' },
    says: /comma-separated list of host:port/,
  },
  REDIS_SENTINEL_MASTER: { env: { REDIS_SENTINELS: 'sentinel-a:26379' }, says: /required when REDIS_SENTINELS is set/ },
  REDIS_SENTINEL_PASSWORD: { env: { REDIS_SENTINEL_PASSWORD: SECRET }, says: /REDIS_SENTINELS is not/ },
  QUEUE_PREFIX: { env: { QUEUE_PREFIX: 'bridge:prod' }, says: /only letters, digits/ },
  MASKINPORTEN_ENV: { env: { MASKINPORTEN_ENV: 'staging' }, says: NOT_AN_OPTION },
  MASKINPORTEN_ISSUER: { env: { MASKINPORTEN_ISSUER: 'maskinporten' }, says: NOT_A_URL },
  MASKINPORTEN_TOKEN_URL: { env: { MASKINPORTEN_TOKEN_URL: 'ftp://maskinporten.no/token' }, says: NOT_A_URL },
  MASKINPORTEN_WELL_KNOWN_URL: { env: { MASKINPORTEN_WELL_KNOWN_URL: 'file:///etc/passwd' }, says: NOT_A_URL },
  MASKINPORTEN_CLIENT_ID: { env: { MASKINPORTEN_CLIENT_ID: '' }, says: /is required/ },
  MASKINPORTEN_SCOPE: { env: { MASKINPORTEN_SCOPE: '' }, says: TOO_SMALL },
  MASKINPORTEN_KEY_ID: {
    env: { ...NO_KEY, MASKINPORTEN_KEY_ID: 'other-kid', MASKINPORTEN_JWK: JSON.stringify({ ...RSA_JWK, kid: 'k1' }) },
    says: /differs from the "kid"/,
  },
  MASKINPORTEN_PRIVATE_KEY: { env: { MASKINPORTEN_PRIVATE_KEY: `garbage ${SECRET}` }, says: /not a readable PEM/ },
  MASKINPORTEN_CERTIFICATE: {
    env: { MASKINPORTEN_KEY_ID: undefined, MASKINPORTEN_CERTIFICATE: 'not a certificate' },
    says: /not a PEM certificate chain/,
  },
  MASKINPORTEN_PKCS12: {
    env: { ...NO_KEY, MASKINPORTEN_PKCS12: `${SECRET}!`, MASKINPORTEN_PKCS12_PASSWORD: 'pw' },
    says: /not base64/,
  },
  MASKINPORTEN_PKCS12_PASSWORD: { env: { ...NO_KEY, MASKINPORTEN_PKCS12: 'AAAA' }, says: /is required with/ },
  MASKINPORTEN_JWK: { env: { ...NO_KEY, MASKINPORTEN_JWK: `{"kty":"RSA","d":"${SECRET}"` }, says: /not valid JSON/ },
  BRREG_ENV: { env: { BRREG_ENV: 'staging' }, says: NOT_AN_OPTION },
  BRREG_BASE_URL: { env: { BRREG_BASE_URL: 'mottak.brreg.no/outbound' }, says: NOT_A_URL },
  BRREG_POLL_INTERVAL_MS: { env: { BRREG_POLL_INTERVAL_MS: '10' }, says: TOO_SMALL },
  BRREG_TJENESTE: { freeText: 'any tjeneste name Brreg may use; it is only passed on as a query filter' },
  EFM_BASE_URL: { env: { EFM_BASE_URL: 'ftp://ip.example' }, says: NOT_A_URL },
  EFM_USERNAME: { env: { EFM_USERNAME: 'ip:user', EFM_PASSWORD: SECRET }, says: /must not contain ":"/ },
  EFM_PASSWORD: { env: { EFM_PASSWORD: SECRET }, says: /required when EFM_PASSWORD is set/ },
  EFM_SENDER_ORGNR: { env: { EFM_SENDER_ORGNR: '12345' }, says: /9-digit organisation number/ },
  EFM_RECEIVER_ORGNR: { env: { EFM_RECEIVER_ORGNR: '0192:311000012' }, says: /9-digit organisation number/ },
  EFM_MESSAGE_TYPE: { env: { EFM_MESSAGE_TYPE: 'dpi' }, says: NOT_AN_OPTION },
  EFM_PAYLOAD: { env: { EFM_PAYLOAD: 'pdf' }, says: NOT_AN_OPTION },
  EFM_TITLES: { env: { EFM_TITLES: '{"tjenester":{"eting":""}}' }, says: TOO_SMALL },
  BRREG_SJEKKSUM: { env: { BRREG_SJEKKSUM: 'strict' }, says: NOT_AN_OPTION },
  EFM_PROCESS: { env: { EFM_PROCESS: 'arkivmelding' }, says: /must be a process URN/ },
  EFM_AVTALT_IDENTIFIER: { env: { EFM_AVTALT_IDENTIFIER: '' }, says: TOO_SMALL },
  EFM_TTL_HOURS: { env: { EFM_TTL_HOURS: '0' }, says: TOO_SMALL },
  EFM_SECURITY_LEVEL: { env: { EFM_SECURITY_LEVEL: '2' }, says: NOT_AN_OPTION },
  EFM_MAX_UPLOAD_BYTES: { env: { EFM_MAX_UPLOAD_BYTES: 'lots' }, says: NOT_A_NUMBER },
  EFM_STATUS_STRATEGY: { env: { EFM_STATUS_STRATEGY: 'webhook' }, says: NOT_AN_OPTION },
  EFM_STATUS_POLL_INTERVAL_MS: { env: { EFM_STATUS_POLL_INTERVAL_MS: '50' }, says: TOO_SMALL },
  EFM_RECEIPTS: { env: { EFM_RECEIPTS: 'sometimes' }, says: /must be true or false/ },
  EFM_RECEIPTS_INTERVAL_MS: { env: { EFM_RECEIPTS_INTERVAL_MS: '50' }, says: TOO_SMALL },
  EFM_SEND_GRACE_MS: { env: { EFM_SEND_GRACE_MS: '10' }, says: TOO_SMALL },
  EFM_WATCH_AFTER_CONFIRM_HOURS: { env: { EFM_WATCH_AFTER_CONFIRM_HOURS: '-1' }, says: TOO_SMALL },
  EFM_WEBHOOK_BASE_URL: {
    env: { EFM_WEBHOOK_BASE_URL: 'bridge.example', EFM_WEBHOOK_SECRET: 'a-long-enough-secret-0123' },
    says: NOT_A_URL,
  },
  EFM_WEBHOOK_SECRET: {
    env: { EFM_WEBHOOK_BASE_URL: 'https://bridge.example', EFM_WEBHOOK_SECRET: 'short' },
    says: /at least 16 URL-safe characters/,
  },
  FORWARD_CONCURRENCY: { env: { FORWARD_CONCURRENCY: '1.5' }, says: /expected int/ },
  CONFIRM_CONCURRENCY: { env: { CONFIRM_CONCURRENCY: '0' }, says: TOO_SMALL },
  MAX_SEND_ATTEMPTS: { env: { MAX_SEND_ATTEMPTS: '1000' }, says: /too big/i },
  RECONCILE_INTERVAL_MS: { env: { RECONCILE_INTERVAL_MS: 'often' }, says: NOT_A_NUMBER },
  RECONCILE_STALE_MS: { env: { RECONCILE_STALE_MS: '-1' }, says: TOO_SMALL },
  RETENTION_DAYS: { env: { RETENTION_DAYS: '-1' }, says: TOO_SMALL },
  SPOOL_DIR: { env: { SPOOL_DIR: '/nonexistent/spool' }, says: /not a writable directory \(ENOENT\)/ },
  ADMIN_USERNAME: { env: { ADMIN_USERNAME: 'ops:1', ADMIN_PASSWORD: SECRET }, says: /must not contain ":"/ },
  ADMIN_PASSWORD: { env: { ADMIN_USERNAME: 'ops' }, says: /is required when ADMIN_USERNAME is set/ },
  DASHBOARD_READ_ONLY: { env: { DASHBOARD_READ_ONLY: 'sometimes' }, says: /must be true or false/ },
  HTTPS_PROXY: { env: { HTTPS_PROXY: 'proxy.example:3128' }, says: NOT_A_URL },
  HTTP_PROXY: { env: { HTTP_PROXY: 'socks5://proxy.example:1080' }, says: NOT_A_URL },
  NO_PROXY: { freeText: 'a host list in whatever form the proxy agent understands; an odd entry just never matches' },
  HTTP_TIMEOUT_MS: { env: { HTTP_TIMEOUT_MS: 'soon' }, says: NOT_A_NUMBER },
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

const invalid = Object.entries(CASES).filter((entry): entry is [Variable, Invalid] => 'env' in entry[1]);
const freeText = Object.entries(CASES).filter((entry): entry is [Variable, FreeText] => 'freeText' in entry[1]);

describe('hostile configuration', () => {
  it('has a case for every variable of the schema', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it.each(invalid)('refuses an invalid %s, naming it and what is wrong', (variable, { env, says }) => {
    const problems = problemsOf(aValidEnv(env));
    const naming = problems.filter((p) => new RegExp(`\\b${variable}\\b`).test(p));
    expect(naming).not.toEqual([]);
    expect(naming.some((p) => says.test(p))).toBe(true);
    // Whatever was wrong, a secret's value is never repeated.
    expect(problems.join('\n')).not.toContain(SECRET);
  });

  it.each(freeText)('takes any text for %s (%s)', (variable) => {
    expect(problemsOf(aValidEnv({ [variable]: 'Ødegård, *.intern; 10.0.0.0/8 :: ☃' }))).toEqual([]);
  });

  it.each(FILE_VARIABLES.map((name) => [name]))('refuses %s_FILE naming a file that cannot be read', (name) => {
    const problems = problemsOf(aValidEnv({ [name]: undefined, [`${name}_FILE`]: '/nonexistent/secret' }));
    expect(problems).toContain(`${name}_FILE: cannot read /nonexistent/secret (ENOENT)`);
  });

  it('refuses a SPOOL_DIR that is a file, not a directory', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'spool-')), 'not-a-dir');
    writeFileSync(file, '');
    expect(problemsOf(aValidEnv({ SPOOL_DIR: file }))).toContain(`SPOOL_DIR: ${file} is not a directory`);
  });

  it('lists every secret variable with a case that would echo it if it could', () => {
    const echoed = invalid.filter(([, { env }]) => Object.values(env).some((v) => v?.includes(SECRET)));
    const secretsCovered = new Set(echoed.flatMap(([, { env }]) => Object.keys(env)));
    for (const secret of SECRET_VARIABLES.filter(
      (s) => s !== 'EFM_WEBHOOK_SECRET' && s !== 'MASKINPORTEN_PKCS12_PASSWORD',
    )) {
      expect([secret, secretsCovered.has(secret)]).toEqual([secret, true]);
    }
  });
});

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist/src/main.js');

describe('the built process with a bad environment', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) {
      const build = spawnSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
      expect(build.status).toBe(0);
    }
  }, 180_000);

  it('exits non-zero at once with one JSON line per problem, naming it, no stack trace and no secret', async () => {
    const started = Date.now();
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ...aValidEnv({ PORT: 'eighty', EFM_SENDER_ORGNR: '12345', ADMIN_PASSWORD: SECRET }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const tookMs = Date.now() - started;

    expect(code).toBe(1);
    // Every line is JSON like the running bridge's, so a log store files it with the rest.
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byVariable = new Map(lines.map((line) => [line.variable, line]));
    expect(lines.map(({ level, msg }) => ({ level, msg }))).toEqual(
      Array(2).fill({ level: 'fatal', msg: 'start-up failed' }),
    );
    expect(byVariable.get('PORT')?.cause).toMatch(/expected number/);
    expect(byVariable.get('EFM_SENDER_ORGNR')?.cause).toBe('must be a 9-digit organisation number');
    expect(lines[0]).toMatchObject({ service: 'brreg-efm-bridge', version: expect.any(String) });
    expect(new Date(String(lines[0].time)).toISOString()).toBe(lines[0].time);
    expect(output).not.toContain(SECRET);
    expect(output).not.toMatch(/^\s+at /m);
    // Before Nest opened anything: no connection to Postgres or Redis was tried, no retry loop ran. (Loading the
    // modules takes a few seconds of CPU; a busy CI machine makes it longer, hence the wide bound.)
    expect(tookMs).toBeLessThan(30_000);
    process.stdout.write(`hostile env: the built process exited ${code} after ${tookMs} ms:\n${output}`);
  }, 60_000);
});
