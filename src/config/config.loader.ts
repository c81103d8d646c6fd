import { createPrivateKey } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { z } from 'zod';
import type { AppConfig, MaskinportenKeyConfig } from './app-config';
import { ALIASES, envSchema, FILE_VARIABLES, SECRET_VARIABLES, type Env } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MASKINPORTEN_ISSUERS = { test: 'https://test.maskinporten.no/', prod: 'https://maskinporten.no/' } as const;
const BRREG_BASE_URLS = {
  test: 'https://mottak.ppe.brreg.no/outbound',
  prod: 'https://mottak.brreg.no/outbound',
} as const;
const DEFAULT_PROCESS = {
  arkivmelding: 'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0',
  avtalt: 'urn:no:difi:profile:avtalt:avtalt:ver1.0',
} as const;

/**
 * Parses the environment once into a frozen AppConfig. Every problem names the variable and the reason,
 * never the value: a secret must not end up in a crash log.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const resolved = resolveAliasesAndFiles(env, problems);
  const parsed = envSchema.safeParse(resolved);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map(describeIssue));
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(problems);
  }
  const config = buildConfig(parsed.data, problems);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return deepFreeze(config);
}

/** Only DATABASE_URL (or DATABASE_URL_FILE), for the migration CLI, which needs nothing else. */
export function loadDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return loadOne('DATABASE_URL', env);
}

/** DATABASE_URL and REDIS_URL with their defaults, for the demo (which needs nothing else from the env). */
export function loadInfrastructureUrls(env: NodeJS.ProcessEnv = process.env): {
  databaseUrl: string;
  redisUrl: string;
} {
  return { databaseUrl: loadOne('DATABASE_URL', env), redisUrl: loadOne('REDIS_URL', env) };
}

function loadOne(name: 'DATABASE_URL' | 'REDIS_URL', env: NodeJS.ProcessEnv): string {
  const problems: string[] = [];
  const resolved = resolveAliasesAndFiles(env, problems);
  const parsed = envSchema.shape[name].safeParse(resolved[name]);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `${name}: ${issue.message}`));
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(problems);
  }
  return parsed.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.join('.');
  // zod's messages for enums/urls do not echo the input; for secrets we still drop anything after the reason.
  return `${name}: ${issue.message}`;
}

/** `<NAME>_FILE` → the file's content; NAIS aliases → our names. Conflicts are errors, not silent choices. */
function resolveAliasesAndFiles(env: NodeJS.ProcessEnv, problems: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const [alias, name] of Object.entries(ALIASES)) {
    if (isSet(env[alias])) {
      if (isSet(env[name]) && !sameValue(alias, env[name], env[alias])) {
        problems.push(`${alias}: conflicts with ${name}; set only one of them`);
      }
      out[name] = env[alias];
    }
  }
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`];
    if (!isSet(path)) {
      continue;
    }
    if (isSet(out[name])) {
      problems.push(`${name}_FILE: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      const content = readFileSync(path);
      // PKCS#12 is binary; the variable form is base64, so the file form is turned into the same.
      out[name] =
        name === 'MASKINPORTEN_PKCS12' ? content.toString('base64') : content.toString('utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${name}_FILE: cannot read ${path} (${code})`);
    }
  }
  return out;
}

function buildConfig(env: Env, problems: string[]): AppConfig {
  const key = buildMaskinportenKey(env, problems);
  const basicAuth = pair(env, 'EFM_USERNAME', 'EFM_PASSWORD', problems);
  const admin = pair(env, 'ADMIN_USERNAME', 'ADMIN_PASSWORD', problems);
  if (env.MANAGEMENT_PORT !== undefined && env.MANAGEMENT_PORT === env.PORT) {
    problems.push('MANAGEMENT_PORT: must differ from PORT (leave it unset to serve everything on PORT)');
  }
  let webhook: AppConfig['efm']['webhook'];
  if (env.EFM_WEBHOOK_BASE_URL !== undefined) {
    if (env.EFM_WEBHOOK_SECRET === undefined) {
      problems.push('EFM_WEBHOOK_SECRET: is required when EFM_WEBHOOK_BASE_URL is set');
    } else if (env.EFM_WEBHOOK_SECRET.length < 16 || !/^[A-Za-z0-9._~-]+$/.test(env.EFM_WEBHOOK_SECRET)) {
      problems.push('EFM_WEBHOOK_SECRET: must be at least 16 URL-safe characters (A-Z a-z 0-9 . _ ~ -)');
    } else {
      webhook = { baseUrl: env.EFM_WEBHOOK_BASE_URL.replace(/\/+$/, ''), secret: env.EFM_WEBHOOK_SECRET };
    }
  }
  const sentinel = buildSentinel(env, problems);
  const useWellKnown = env.MASKINPORTEN_WELL_KNOWN_URL !== undefined;
  const issuer = env.MASKINPORTEN_ISSUER ?? (useWellKnown ? undefined : MASKINPORTEN_ISSUERS[env.MASKINPORTEN_ENV]);
  const tokenUrl =
    env.MASKINPORTEN_TOKEN_URL ?? (useWellKnown ? undefined : `${MASKINPORTEN_ISSUERS[env.MASKINPORTEN_ENV]}token`);

  return {
    port: env.PORT,
    managementPort: env.MANAGEMENT_PORT,
    logLevel: env.LOG_LEVEL,
    commit: env.GIT_COMMIT,
    database: { url: env.DATABASE_URL, migrate: env.DATABASE_MIGRATE },
    redis: { url: env.REDIS_URL, queuePrefix: env.QUEUE_PREFIX, sentinel },
    maskinporten: {
      issuer,
      tokenUrl,
      wellKnownUrl: env.MASKINPORTEN_WELL_KNOWN_URL,
      clientId: env.MASKINPORTEN_CLIENT_ID,
      scope: env.MASKINPORTEN_SCOPE,
      // Placeholder only when problems were recorded; loadConfig throws before anyone sees it.
      key: key ?? { mode: 'kid', keyId: '', privateKeyPem: '' },
    },
    brreg: {
      baseUrl: (env.BRREG_BASE_URL ?? BRREG_BASE_URLS[env.BRREG_ENV]).replace(/\/+$/, ''),
      pollIntervalMs: env.BRREG_POLL_INTERVAL_MS,
      tjeneste: env.BRREG_TJENESTE,
      sjekksum: env.BRREG_SJEKKSUM,
    },
    efm: {
      baseUrl: env.EFM_BASE_URL.replace(/\/+$/, ''),
      basicAuth,
      senderOrgnr: env.EFM_SENDER_ORGNR,
      receiverOrgnr: env.EFM_RECEIVER_ORGNR ?? env.EFM_SENDER_ORGNR,
      messageType: env.EFM_MESSAGE_TYPE,
      payload: env.EFM_PAYLOAD,
      titles: env.EFM_TITLES,
      process: env.EFM_PROCESS ?? DEFAULT_PROCESS[env.EFM_MESSAGE_TYPE],
      avtaltIdentifier: env.EFM_AVTALT_IDENTIFIER,
      ttlHours: env.EFM_TTL_HOURS,
      sendGraceMs: env.EFM_SEND_GRACE_MS,
      securityLevel: env.EFM_SECURITY_LEVEL as 3 | 4,
      maxUploadBytes: env.EFM_MAX_UPLOAD_BYTES,
      statusStrategy: env.EFM_STATUS_STRATEGY,
      watchAfterConfirmHours: env.EFM_WATCH_AFTER_CONFIRM_HOURS,
      statusPollIntervalMs: env.EFM_STATUS_POLL_INTERVAL_MS,
      receipts: { enabled: env.EFM_RECEIPTS, intervalMs: env.EFM_RECEIPTS_INTERVAL_MS },
      webhook,
    },
    forward: {
      concurrency: env.FORWARD_CONCURRENCY,
      maxSendAttempts: env.MAX_SEND_ATTEMPTS,
      spoolDir: writableDirectory('SPOOL_DIR', env.SPOOL_DIR ?? tmpdir(), problems),
    },
    confirm: { concurrency: env.CONFIRM_CONCURRENCY },
    reconcile: { intervalMs: env.RECONCILE_INTERVAL_MS, staleMs: env.RECONCILE_STALE_MS },
    retention: { days: env.RETENTION_DAYS },
    admin,
    dashboard: { readOnly: env.DASHBOARD_READ_ONLY },
    http: {
      timeoutMs: env.HTTP_TIMEOUT_MS,
      httpsProxy: env.HTTPS_PROXY,
      httpProxy: env.HTTP_PROXY,
      noProxy: env.NO_PROXY,
    },
  };
}

/** Sentinel needs both the sentinels and the group's name; either alone, or only its password, is a mistake. */
function buildSentinel(env: Env, problems: string[]): AppConfig['redis']['sentinel'] {
  if (env.REDIS_SENTINELS === undefined) {
    for (const name of ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (env[name] !== undefined) {
        problems.push(`${name}: is set but REDIS_SENTINELS is not; set the sentinels or remove it`);
      }
    }
    return undefined;
  }
  if (env.REDIS_SENTINEL_MASTER === undefined) {
    problems.push('REDIS_SENTINEL_MASTER: is required when REDIS_SENTINELS is set (the master group name)');
    return undefined;
  }
  return {
    sentinels: env.REDIS_SENTINELS,
    masterName: env.REDIS_SENTINEL_MASTER,
    password: env.REDIS_SENTINEL_PASSWORD,
  };
}

/**
 * Exactly one way to sign grants must be configured (configuration.md): PEM key + chain, PKCS#12, registered
 * key id + PEM, or a JWK. PEM keys are parsed here so a broken key stops start-up with its variable's name.
 */
function buildMaskinportenKey(env: Env, problems: string[]): MaskinportenKeyConfig | undefined {
  const modes: MaskinportenKeyConfig[] = [];
  const before = problems.length;
  if (env.MASKINPORTEN_JWK !== undefined) {
    const jwk = parseJwk(env.MASKINPORTEN_JWK, problems);
    const keyId = env.MASKINPORTEN_KEY_ID ?? (typeof jwk?.kid === 'string' ? jwk.kid : undefined);
    if (jwk && typeof jwk.kid === 'string' && keyId !== jwk.kid) {
      // Maskinporten finds the key by kid: one of the two names the wrong key.
      problems.push('MASKINPORTEN_KEY_ID: differs from the "kid" of MASKINPORTEN_JWK; set one or make them equal');
    } else if (jwk && keyId === undefined) {
      problems.push('MASKINPORTEN_JWK: has no "kid"; set it in the JWK or in MASKINPORTEN_KEY_ID');
    } else if (jwk && keyId !== undefined) {
      modes.push({ mode: 'jwk', keyId, jwk });
    }
  }
  if (env.MASKINPORTEN_PKCS12 !== undefined) {
    const pkcs12 = Buffer.from(env.MASKINPORTEN_PKCS12, 'base64');
    if (pkcs12.length === 0 || !/^[A-Za-z0-9+/=\s]+$/.test(env.MASKINPORTEN_PKCS12)) {
      problems.push('MASKINPORTEN_PKCS12: is not base64 (use MASKINPORTEN_PKCS12_FILE for a .p12 file)');
    } else if (env.MASKINPORTEN_PKCS12_PASSWORD === undefined) {
      problems.push('MASKINPORTEN_PKCS12_PASSWORD: is required with MASKINPORTEN_PKCS12');
    } else {
      modes.push({ mode: 'pkcs12', pkcs12, password: env.MASKINPORTEN_PKCS12_PASSWORD });
    }
  }
  if (env.MASKINPORTEN_PRIVATE_KEY !== undefined) {
    const pemOk = isPrivateKeyPem(env.MASKINPORTEN_PRIVATE_KEY);
    if (!pemOk) {
      problems.push('MASKINPORTEN_PRIVATE_KEY: is not a readable PEM private key (PKCS#8 or PKCS#1)');
    }
    if (env.MASKINPORTEN_CERTIFICATE !== undefined) {
      if (!env.MASKINPORTEN_CERTIFICATE.includes('-----BEGIN CERTIFICATE-----')) {
        problems.push('MASKINPORTEN_CERTIFICATE: is not a PEM certificate chain');
      } else if (pemOk) {
        modes.push({
          mode: 'x5c',
          privateKeyPem: env.MASKINPORTEN_PRIVATE_KEY,
          certificateChainPem: env.MASKINPORTEN_CERTIFICATE,
        });
      }
    } else if (env.MASKINPORTEN_JWK !== undefined) {
      problems.push('MASKINPORTEN_PRIVATE_KEY: conflicts with MASKINPORTEN_JWK; configure one registered key');
    } else if (env.MASKINPORTEN_KEY_ID !== undefined) {
      if (pemOk) {
        modes.push({ mode: 'kid', keyId: env.MASKINPORTEN_KEY_ID, privateKeyPem: env.MASKINPORTEN_PRIVATE_KEY });
      }
    } else {
      problems.push(
        'MASKINPORTEN_PRIVATE_KEY: needs MASKINPORTEN_CERTIFICATE (x5c mode) or MASKINPORTEN_KEY_ID (kid mode)',
      );
    }
  } else if (env.MASKINPORTEN_CERTIFICATE !== undefined) {
    problems.push('MASKINPORTEN_PRIVATE_KEY: is required with MASKINPORTEN_CERTIFICATE');
  }
  if (problems.length > before) {
    return undefined;
  }
  if (modes.length === 0) {
    problems.push(
      'MASKINPORTEN_PRIVATE_KEY: no signing key configured; set MASKINPORTEN_PRIVATE_KEY with MASKINPORTEN_CERTIFICATE ' +
        'or MASKINPORTEN_KEY_ID, or MASKINPORTEN_PKCS12 with its password, or MASKINPORTEN_JWK',
    );
    return undefined;
  }
  if (modes.length > 1) {
    problems.push(
      `MASKINPORTEN_PRIVATE_KEY: more than one signing key configured (${modes.map((m) => m.mode).join(', ')}); keep one`,
    );
    return undefined;
  }
  return modes[0];
}

function parseJwk(text: string, problems: string[]): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.push('MASKINPORTEN_JWK: is not valid JSON');
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('MASKINPORTEN_JWK: must be a JSON object (a private JWK)');
    return undefined;
  }
  const jwk = value as Record<string, unknown>;
  if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string') {
    problems.push('MASKINPORTEN_JWK: must be a private RSA JWK (kty "RSA" with "d")');
    return undefined;
  }
  return jwk;
}

function isPrivateKeyPem(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

function pair(
  env: Env,
  userVar: 'EFM_USERNAME' | 'ADMIN_USERNAME',
  passwordVar: (typeof SECRET_VARIABLES)[number],
  problems: string[],
): { username: string; password: string } | undefined {
  const username = env[userVar];
  const password = env[passwordVar as keyof Env] as string | undefined;
  if (username === undefined && password === undefined) {
    return undefined;
  }
  if (username === undefined) {
    problems.push(`${userVar}: is required when ${passwordVar} is set`);
    return undefined;
  }
  if (password === undefined) {
    problems.push(`${passwordVar}: is required when ${userVar} is set`);
    return undefined;
  }
  return { username, password };
}

/**
 * A directory the process can write to, checked at start-up: on a read-only root filesystem without the
 * volume, the first download without Content-Length would otherwise fail, and keep failing, hours later.
 */
function writableDirectory(name: string, path: string, problems: string[]): string {
  try {
    if (!statSync(path).isDirectory()) {
      problems.push(`${name}: ${path} is not a directory`);
      return path;
    }
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unusable';
    problems.push(`${name}: ${path} is not a writable directory (${code})`);
  }
  return path;
}

function sameValue(alias: string, a: string, b: string): boolean {
  if (alias === 'MASKINPORTEN_SCOPES') {
    const scopes = (text: string) => [...new Set(text.trim().split(/\s+/))].sort().join(' ');
    return scopes(a) === scopes(b);
  }
  return a === b;
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
