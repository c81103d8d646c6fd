import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aPrivateKeyPem, aValidEnv } from '../../test/support/test-config';
import { ConfigError, loadConfig, loadInfrastructureUrls } from './config.loader';

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return [...error.problems];
    }
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(
      aValidEnv({
        LOG_LEVEL: undefined,
        MASKINPORTEN_ISSUER: undefined,
        MASKINPORTEN_TOKEN_URL: undefined,
        BRREG_BASE_URL: undefined,
        EFM_BASE_URL: undefined,
      }),
    );
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe('info');
    expect(config.database).toEqual({ url: 'postgres://postgres@127.0.0.1:5432/bridge', migrate: true });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', queuePrefix: 'bridge' });
    expect(config.maskinporten.issuer).toBe('https://test.maskinporten.no/');
    expect(config.maskinporten.tokenUrl).toBe('https://test.maskinporten.no/token');
    expect(config.maskinporten.scope).toBe('brreg:mottak');
    expect(config.brreg).toEqual({
      baseUrl: 'https://mottak.ppe.brreg.no/outbound',
      pollIntervalMs: 60000,
      sjekksum: 'warn',
    });
    expect(config.efm.payload).toBe('documents');
    expect(config.efm.titles).toBeUndefined();
    expect(config.efm.baseUrl).toBe('http://127.0.0.1:9093');
    expect(config.efm.receiverOrgnr).toBe('311000012');
    expect(config.efm.process).toBe('urn:no:difi:profile:arkivmelding:administrasjon:ver1.0');
    expect(config.efm.ttlHours).toBe(24);
    expect(config.efm.securityLevel).toBe(3);
    expect(config.efm.maxUploadBytes).toBeUndefined();
    expect(config.efm.statusStrategy).toBe('feed');
    expect(config.forward).toEqual({ concurrency: 48, maxSendAttempts: 3, spoolDir: tmpdir() });
    expect(config.admin).toBeUndefined();
  });

  it('reads EFM_SECURITY_LEVEL as 3 or 4 and refuses anything else', () => {
    expect(loadConfig(aValidEnv({ EFM_SECURITY_LEVEL: '4' })).efm.securityLevel).toBe(4);
    expect(problemsOf(aValidEnv({ EFM_SECURITY_LEVEL: '2' })).join('\n')).toContain('EFM_SECURITY_LEVEL');
  });

  it('reads EFM_MAX_UPLOAD_BYTES as bytes and an empty one as unset', () => {
    expect(loadConfig(aValidEnv({ EFM_MAX_UPLOAD_BYTES: '8589934592' })).efm.maxUploadBytes).toBe(8 * 1024 ** 3);
    expect(loadConfig(aValidEnv({ EFM_MAX_UPLOAD_BYTES: '' })).efm.maxUploadBytes).toBeUndefined();
  });

  it('derives production URLs and the avtalt process from their switches', () => {
    const config = loadConfig(
      aValidEnv({
        MASKINPORTEN_ENV: 'prod',
        BRREG_ENV: 'prod',
        EFM_MESSAGE_TYPE: 'avtalt',
        MASKINPORTEN_ISSUER: undefined,
        MASKINPORTEN_TOKEN_URL: undefined,
        BRREG_BASE_URL: undefined,
      }),
    );
    expect(config.maskinporten.issuer).toBe('https://maskinporten.no/');
    expect(config.maskinporten.tokenUrl).toBe('https://maskinporten.no/token');
    expect(config.brreg.baseUrl).toBe('https://mottak.brreg.no/outbound');
    expect(config.efm.process).toBe('urn:no:difi:profile:avtalt:avtalt:ver1.0');
  });

  it('leaves issuer and token URL to the metadata document when a well-known URL is given', () => {
    const config = loadConfig(
      aValidEnv({
        MASKINPORTEN_WELL_KNOWN_URL: 'http://127.0.0.1:8082/.well-known/oauth-authorization-server',
        MASKINPORTEN_ISSUER: undefined,
        MASKINPORTEN_TOKEN_URL: undefined,
      }),
    );
    expect(config.maskinporten.issuer).toBeUndefined();
    expect(config.maskinporten.tokenUrl).toBeUndefined();
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig(aValidEnv());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.efm)).toBe(true);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x/y' }],
    ['DATABASE_MIGRATE', { DATABASE_MIGRATE: 'maybe' }],
    ['REDIS_URL', { REDIS_URL: 'not a url' }],
    ['QUEUE_PREFIX', { QUEUE_PREFIX: 'a:b' }],
    ['MASKINPORTEN_ENV', { MASKINPORTEN_ENV: 'staging' }],
    ['MASKINPORTEN_CLIENT_ID', { MASKINPORTEN_CLIENT_ID: undefined }],
    ['MASKINPORTEN_TOKEN_URL', { MASKINPORTEN_TOKEN_URL: 'ftp://x' }],
    ['BRREG_POLL_INTERVAL_MS', { BRREG_POLL_INTERVAL_MS: '-5' }],
    ['EFM_SENDER_ORGNR', { EFM_SENDER_ORGNR: '12345' }],
    ['EFM_SENDER_ORGNR', { EFM_SENDER_ORGNR: undefined }],
    ['EFM_RECEIVER_ORGNR', { EFM_RECEIVER_ORGNR: '0192:311000012' }],
    ['EFM_MESSAGE_TYPE', { EFM_MESSAGE_TYPE: 'dpi' }],
    ['EFM_STATUS_STRATEGY', { EFM_STATUS_STRATEGY: 'webhook' }],
    ['EFM_TTL_HOURS', { EFM_TTL_HOURS: '0' }],
    ['EFM_MAX_UPLOAD_BYTES', { EFM_MAX_UPLOAD_BYTES: '4GiB' }],
    ['FORWARD_CONCURRENCY', { FORWARD_CONCURRENCY: '1.5' }],
    ['MAX_SEND_ATTEMPTS', { MAX_SEND_ATTEMPTS: '0' }],
    ['HTTP_TIMEOUT_MS', { HTTP_TIMEOUT_MS: 'soon' }],
    ['EFM_WEBHOOK_SECRET', { EFM_WEBHOOK_BASE_URL: 'https://bridge.example' }],
    ['EFM_WEBHOOK_SECRET', { EFM_WEBHOOK_BASE_URL: 'https://bridge.example', EFM_WEBHOOK_SECRET: 'short' }],
    ['EFM_PASSWORD', { EFM_USERNAME: 'ip-user' }],
    ['ADMIN_USERNAME', { ADMIN_PASSWORD: 'hunter2hunter2' }],
    ['MASKINPORTEN_PRIVATE_KEY', { MASKINPORTEN_PRIVATE_KEY: 'not a key' }],
    ['MASKINPORTEN_PRIVATE_KEY', { MASKINPORTEN_KEY_ID: undefined }],
    ['MASKINPORTEN_PRIVATE_KEY', { MASKINPORTEN_KEY_ID: undefined, MASKINPORTEN_PRIVATE_KEY: undefined }],
    [
      'MASKINPORTEN_PRIVATE_KEY',
      { MASKINPORTEN_JWK: JSON.stringify({ kty: 'RSA', d: 'x', n: 'y', e: 'AQAB', kid: 'k' }) },
    ],
    ['MASKINPORTEN_CERTIFICATE', { MASKINPORTEN_KEY_ID: undefined, MASKINPORTEN_CERTIFICATE: 'nope' }],
    [
      'MASKINPORTEN_JWK',
      { MASKINPORTEN_KEY_ID: undefined, MASKINPORTEN_PRIVATE_KEY: undefined, MASKINPORTEN_JWK: '{bad' },
    ],
    [
      'MASKINPORTEN_PKCS12_PASSWORD',
      { MASKINPORTEN_KEY_ID: undefined, MASKINPORTEN_PRIVATE_KEY: undefined, MASKINPORTEN_PKCS12: 'AAAA' },
    ],
    ['MASKINPORTEN_PRIVATE_KEY_FILE', { MASKINPORTEN_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }],
  ])('names %s when it is wrong', (variable, overrides) => {
    const problems = problemsOf(aValidEnv(overrides));
    expect(problems.some((p) => p.startsWith(`${variable}:`))).toBe(true);
  });

  it('never echoes the value of a secret in its error', () => {
    const secret = 'super-secret-password-value';
    const problems = problemsOf(aValidEnv({ ADMIN_PASSWORD: secret, MASKINPORTEN_PRIVATE_KEY: `garbage ${secret}` }));
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems.join('\n')).toContain('ADMIN_USERNAME');
  });

  it('reads *_FILE variants and refuses a variable set both ways', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, aPrivateKeyPem());
    const fromFile = loadConfig(
      aValidEnv({ MASKINPORTEN_PRIVATE_KEY: undefined, MASKINPORTEN_PRIVATE_KEY_FILE: keyFile }),
    );
    expect(fromFile.maskinporten.key).toEqual({
      mode: 'kid',
      keyId: 'test-kid',
      privateKeyPem: aPrivateKeyPem().replace(/\n$/, ''),
    });
    expect(problemsOf(aValidEnv({ MASKINPORTEN_PRIVATE_KEY_FILE: keyFile }))).toContain(
      'MASKINPORTEN_PRIVATE_KEY_FILE: set either MASKINPORTEN_PRIVATE_KEY or MASKINPORTEN_PRIVATE_KEY_FILE, not both',
    );
  });

  it('reads DATABASE_URL_FILE and REDIS_URL_FILE, trimming one trailing newline, and refuses both forms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'db'), 'postgres://bridge:s3cret@db.internal:5432/bridge\n');
    writeFileSync(join(dir, 'redis'), 'rediss://:s3cret@redis.internal:6380/2\n');
    const files = { DATABASE_URL_FILE: join(dir, 'db'), REDIS_URL_FILE: join(dir, 'redis') };
    const config = loadConfig(aValidEnv(files));
    expect(config.database.url).toBe('postgres://bridge:s3cret@db.internal:5432/bridge');
    expect(config.redis.url).toBe('rediss://:s3cret@redis.internal:6380/2');
    // The migration CLI and the demo read them the same way.
    expect(loadInfrastructureUrls(files)).toEqual({ databaseUrl: config.database.url, redisUrl: config.redis.url });

    const both = problemsOf(aValidEnv({ ...files, DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x' }));
    expect(both).toContain('DATABASE_URL_FILE: set either DATABASE_URL or DATABASE_URL_FILE, not both');
    expect(both).toContain('REDIS_URL_FILE: set either REDIS_URL or REDIS_URL_FILE, not both');
    expect(() => loadInfrastructureUrls({ ...files, REDIS_URL: 'redis://x' })).toThrow(/REDIS_URL_FILE: set either/);
    expect(problemsOf(aValidEnv({ DATABASE_URL_FILE: join(dir, 'missing') }))).toContain(
      `DATABASE_URL_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
    );
    // A file with something that is not a URL is refused by name, without echoing the content.
    writeFileSync(join(dir, 'bad'), 'db.internal:5432 s3cret\n');
    const bad = problemsOf(aValidEnv({ DATABASE_URL_FILE: join(dir, 'bad') }));
    expect(bad.join('\n')).toMatch(/^DATABASE_URL: /);
    expect(bad.join('\n')).not.toContain('s3cret');
  });

  it('reads MASKINPORTEN_SCOPES (NAIS) as MASKINPORTEN_SCOPE, and refuses the two when they differ', () => {
    expect(loadConfig(aValidEnv({ MASKINPORTEN_SCOPES: 'brreg:mottak brreg:extra' })).maskinporten.scope).toBe(
      'brreg:mottak brreg:extra',
    );
    // The same scopes in another order agree.
    expect(
      loadConfig(aValidEnv({ MASKINPORTEN_SCOPE: 'a:1 b:2', MASKINPORTEN_SCOPES: 'b:2  a:1' })).maskinporten.scope,
    ).toBe('b:2  a:1');
    expect(problemsOf(aValidEnv({ MASKINPORTEN_SCOPE: 'brreg:mottak', MASKINPORTEN_SCOPES: 'other:scope' }))).toEqual([
      'MASKINPORTEN_SCOPES: conflicts with MASKINPORTEN_SCOPE; set only one of them',
    ]);
  });

  it('reads the Sentinel group: host:port list (IPv6 in brackets, default port), master name and password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-'));
    writeFileSync(join(dir, 'pw'), 'sentinel-secret\n');
    const config = loadConfig(
      aValidEnv({
        REDIS_SENTINELS: ' sentinel-0:26380, [::1]:26381 ,sentinel-2',
        REDIS_SENTINEL_MASTER: 'bridge',
        REDIS_SENTINEL_PASSWORD_FILE: join(dir, 'pw'),
      }),
    );
    expect(config.redis.sentinel).toEqual({
      sentinels: [
        { host: 'sentinel-0', port: 26380 },
        { host: '::1', port: 26381 },
        { host: 'sentinel-2', port: 26379 },
      ],
      masterName: 'bridge',
      password: 'sentinel-secret',
    });
    expect(loadConfig(aValidEnv()).redis.sentinel).toBeUndefined();
  });

  it('refuses sentinels without the master name, a master name without sentinels, and a broken list', () => {
    expect(problemsOf(aValidEnv({ REDIS_SENTINELS: 'sentinel-0:26379' }))).toEqual([
      'REDIS_SENTINEL_MASTER: is required when REDIS_SENTINELS is set (the master group name)',
    ]);
    expect(problemsOf(aValidEnv({ REDIS_SENTINEL_MASTER: 'bridge' }))).toEqual([
      'REDIS_SENTINEL_MASTER: is set but REDIS_SENTINELS is not; set the sentinels or remove it',
    ]);
    for (const list of ['sentinel-0:26379,', 'sentinel-0:99999', 'redis://sentinel-0:26379', 'a b:1']) {
      expect(problemsOf(aValidEnv({ REDIS_SENTINELS: list, REDIS_SENTINEL_MASTER: 'bridge' }))).toEqual([
        'REDIS_SENTINELS: must be a comma-separated list of host:port (e.g. redis-sentinel:26379)',
      ]);
    }
  });

  it('keeps the dashboard read-only unless told otherwise, and the management port apart from PORT', () => {
    expect(loadConfig(aValidEnv({})).dashboard).toEqual({ readOnly: true });
    expect(loadConfig(aValidEnv({ DASHBOARD_READ_ONLY: 'false' })).dashboard).toEqual({ readOnly: false });
    expect(loadConfig(aValidEnv({})).managementPort).toBeUndefined();
    expect(loadConfig(aValidEnv({ PORT: '3000', MANAGEMENT_PORT: '9000' })).managementPort).toBe(9000);
    expect(problemsOf(aValidEnv({ PORT: '3000', MANAGEMENT_PORT: '3000' }))).toEqual([
      'MANAGEMENT_PORT: must differ from PORT (leave it unset to serve everything on PORT)',
    ]);
  });

  it('selects x5c mode from a key and a certificate chain', () => {
    const config = loadConfig(aValidEnv({ MASKINPORTEN_KEY_ID: undefined, MASKINPORTEN_CERTIFICATE: CERT }));
    expect(config.maskinporten.key.mode).toBe('x5c');
  });

  it('selects jwk mode from MASKINPORTEN_CLIENT_JWK, the NAIS alias', () => {
    const config = loadConfig(
      aValidEnv({
        MASKINPORTEN_KEY_ID: undefined,
        MASKINPORTEN_PRIVATE_KEY: undefined,
        MASKINPORTEN_CLIENT_JWK: JSON.stringify({ kty: 'RSA', d: 'x', n: 'y', e: 'AQAB', kid: 'nais-kid' }),
      }),
    );
    expect(config.maskinporten.key).toMatchObject({ mode: 'jwk', keyId: 'nais-kid' });
  });

  it('selects pkcs12 mode from base64 with its password', () => {
    const config = loadConfig(
      aValidEnv({
        MASKINPORTEN_KEY_ID: undefined,
        MASKINPORTEN_PRIVATE_KEY: undefined,
        MASKINPORTEN_PKCS12: Buffer.from('p12-bytes').toString('base64'),
        MASKINPORTEN_PKCS12_PASSWORD: 'pw',
      }),
    );
    expect(config.maskinporten.key).toMatchObject({ mode: 'pkcs12', password: 'pw' });
  });

  it('reports every problem at once, not only the first', () => {
    expect(problemsOf(aValidEnv({ PORT: 'x', EFM_SENDER_ORGNR: 'y' })).length).toBeGreaterThanOrEqual(2);
  });
});
