import { z } from 'zod';
import { titleTableSchema } from '../melding/titles';

/**
 * Every environment variable of docs/configuration.md. Each is `.describe()`d: the README's
 * configuration table is generated from these descriptions. Variables in SECRET_VARIABLES also accept
 * `<NAME>_FILE` (resolved before this schema runs) and are never echoed in an error.
 */

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const url = (protocols: string[]) => z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`) }).describe('a URL');

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
    .pipe(url(protocols).optional());

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** An empty variable counts as unset, as for the strings. */
const optionalPositiveInt = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), positiveInt(min, max).optional());

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const orgnr = z.string().regex(/^\d{9}$/, 'must be a 9-digit organisation number');

/** RFC 7617: the user-id of HTTP Basic cannot hold a colon (the first one ends it). */
const basicUser = optionalString.pipe(
  z
    .string()
    .regex(/^[^:]+$/, 'must not contain ":" (HTTP Basic)')
    .optional(),
);

/** `host:port,host:port`; an IPv6 host in brackets (`[::1]:26379`). */
const sentinelList = z.string().transform((text, ctx) => {
  const sentinels: { host: string; port: number }[] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+))(?::(\d{1,5}))?$/.exec(entry);
    const port = match?.[3] === undefined ? 26379 : Number(match[3]);
    if (!match || port < 1 || port > 65535) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a comma-separated list of host:port (e.g. redis-sentinel:26379)',
      });
      return z.NEVER;
    }
    sentinels.push({ host: match[1] ?? match[2] ?? '', port });
  }
  return sentinels;
});

export const envSchema = z.object({
  PORT: positiveInt(1, 65535)
    .default(3000)
    .describe('HTTP port: health and webhook, and metrics, dashboard and admin unless MANAGEMENT_PORT is set'),
  MANAGEMENT_PORT: optionalPositiveInt(1, 65535).describe(
    'serve /metrics, /queues and /admin only on this port, apart from the webhook (default: on PORT)',
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('fatal…trace'),
  GIT_COMMIT: optionalString.describe('the commit of this build, shown in bridge_build_info (default: unknown)'),

  DATABASE_URL: url(['postgres', 'postgresql'])
    .default('postgres://postgres@127.0.0.1:5432/bridge')
    .describe('PostgreSQL connection URL (may carry the password: mount it as DATABASE_URL_FILE)'),
  DATABASE_MIGRATE: booleanString
    .default(true)
    .describe('run migrations at start-up (false when a deploy step runs them)'),
  REDIS_URL: url(['redis', 'rediss'])
    .default('redis://127.0.0.1:6379')
    .describe(
      'Redis for BullMQ, handed to ioredis: rediss:// for TLS, options as query parameters; host ignored with REDIS_SENTINELS',
    ),
  REDIS_SENTINELS: optionalString
    .pipe(sentinelList.optional())
    .describe('Redis Sentinel instead of one host: comma-separated host:port list (port default 26379)'),
  REDIS_SENTINEL_MASTER: optionalString.describe(
    'the master group name the sentinels monitor; required with REDIS_SENTINELS',
  ),
  REDIS_SENTINEL_PASSWORD: optionalString.describe('password of the sentinels themselves (requirepass); secret'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, - and _ (BullMQ forbids ":")')
    .default('bridge')
    .describe('BullMQ key prefix (two deployments may share one Redis)'),

  MASKINPORTEN_ENV: z.enum(['test', 'prod']).default('test').describe('test or prod: sets issuer and token URL'),
  MASKINPORTEN_ISSUER: optionalUrl(['http', 'https']).describe("override of the issuer (the grant's aud)"),
  MASKINPORTEN_TOKEN_URL: optionalUrl(['http', 'https']).describe('override of the token endpoint'),
  MASKINPORTEN_WELL_KNOWN_URL: optionalUrl(['http', 'https']).describe(
    'read issuer and token URL from this metadata document instead of MASKINPORTEN_ENV',
  ),
  MASKINPORTEN_CLIENT_ID: z
    .string({ error: 'is required' })
    .min(1, 'is required')
    .describe("the integration's client id (iss)"),
  MASKINPORTEN_SCOPE: z.string().min(1).default('brreg:mottak').describe('scope asked for (several: space-separated)'),
  MASKINPORTEN_KEY_ID: optionalString.describe('kid of a key registered in Maskinporten; selects kid mode'),
  MASKINPORTEN_PRIVATE_KEY: optionalString.describe('PEM private key (PKCS#8 or PKCS#1); secret'),
  MASKINPORTEN_CERTIFICATE: optionalString.describe('PEM certificate chain, leaf first (x5c mode)'),
  MASKINPORTEN_PKCS12: optionalString.describe('the virksomhetssertifikat as base64 PKCS#12 (x5c mode); secret'),
  MASKINPORTEN_PKCS12_PASSWORD: optionalString.describe('password of the PKCS#12; secret'),
  MASKINPORTEN_JWK: optionalString.describe('private key as a JWK with the registered kid (kid mode); secret'),

  BRREG_ENV: z.enum(['test', 'prod']).default('test').describe('test (PPE) or prod: sets the Brreg base URL'),
  BRREG_BASE_URL: optionalUrl(['http', 'https']).describe('override of the Brreg mottak base URL (…/outbound)'),
  BRREG_POLL_INTERVAL_MS: positiveInt(1000, 86_400_000).default(60_000).describe('how often /available is polled'),
  BRREG_TJENESTE: optionalString.describe('optional tjeneste filter on /available'),

  EFM_BASE_URL: url(['http', 'https']).default('http://127.0.0.1:9093').describe('the integrasjonspunkt'),
  EFM_USERNAME: basicUser.describe('HTTP Basic user for the IP'),
  EFM_PASSWORD: optionalString.describe('HTTP Basic password for the IP; secret'),
  EFM_SENDER_ORGNR: orgnr.describe('our organisation number'),
  EFM_RECEIVER_ORGNR: z
    .preprocess((v) => (v === '' ? undefined : v), orgnr.optional())
    .describe('who receives the forwarded forsendelser (default: the sender)'),
  EFM_MESSAGE_TYPE: z.enum(['arkivmelding', 'avtalt']).default('arkivmelding').describe('arkivmelding or avtalt'),
  EFM_PROCESS: optionalString
    .pipe(
      z
        .string()
        .regex(/^urn:\S+$/, 'must be a process URN (urn:no:difi:profile:…)')
        .optional(),
    )
    .describe('eFormidling process (default by message type)'),
  EFM_AVTALT_IDENTIFIER: z.string().min(1).default('brreg-mottak').describe('the agreed identifier for avtalt'),
  EFM_TTL_HOURS: positiveInt(1, 24 * 365)
    .default(24)
    .describe('delivery deadline set on each message'),
  EFM_SEND_GRACE_MS: positiveInt(1000, 86_400_000)
    .default(600_000)
    .describe('after a send answered 5xx: wait this long for SENDT, cancel, wait again, then a new attempt'),
  EFM_SECURITY_LEVEL: z
    .enum(['3', '4'])
    .default('3')
    .transform(Number)
    .describe("arkivmelding only: the SBD's sikkerhetsnivaa, also asked of the receiver's capabilities (3 or 4)"),
  EFM_MAX_UPLOAD_BYTES: optionalPositiveInt(1, Number.MAX_SAFE_INTEGER).describe(
    'upload limit in bytes for every service, for an IP whose own limits were raised ' +
      '(default: per service, DPO and DPF 1 GiB, DPV 250 MiB)',
  ),
  EFM_PAYLOAD: z
    .enum(['documents', 'zip'])
    .default('documents')
    .describe(
      'arkivmelding only: documents (each file of the forsendelse its own document, the journalpost mapped ' +
        'from the Melding) or zip (the forsendelse as one zip)',
    ),
  EFM_TITLES: optionalString
    .transform((v, ctx) => {
      if (v === undefined) {
        return undefined;
      }
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(titleTableSchema.optional())
    .describe(
      'JSON {"tjenester":{code:name},"handlinger":{code:template}} over the built-in journalpost titles; ' +
        'templates use {avsender} {tjeneste} {tjenestehandling}',
    ),
  BRREG_SJEKKSUM: z
    .enum(['warn', 'enforce'])
    .default('warn')
    .describe('a DataRef sjekksum (MD5) that does not match: warn (event, metric) or enforce (park)'),
  EFM_STATUS_STRATEGY: z.enum(['feed', 'per-message', 'queue']).default('feed').describe('how statuses are followed'),
  EFM_WATCH_AFTER_CONFIRM_HOURS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 365)
    .default(72)
    .describe('per-message and receipts: hours a confirmed row is still read (late FEIL, receipt)'),
  EFM_STATUS_POLL_INTERVAL_MS: positiveInt(100, 86_400_000).default(10_000).describe('how often statuses are read'),
  EFM_RECEIPTS: booleanString
    .default(false)
    .describe("read the receivers' arkivmelding_kvittering for our conversations from the IP's incoming queue"),
  EFM_RECEIPTS_INTERVAL_MS: positiveInt(100, 86_400_000)
    .default(60_000)
    .describe('with EFM_RECEIPTS: how often receipts are read'),
  EFM_WEBHOOK_BASE_URL: optionalUrl(['http', 'https']).describe('our reachable base URL; keeps a status subscription'),
  EFM_WEBHOOK_SECRET: optionalString.describe('required with EFM_WEBHOOK_BASE_URL; part of the webhook path; secret'),

  FORWARD_CONCURRENCY: positiveInt(1, 256).default(48).describe('forward jobs per replica'),
  CONFIRM_CONCURRENCY: positiveInt(1, 256).default(32).describe('confirm jobs per replica'),
  MAX_SEND_ATTEMPTS: positiveInt(1, 100).default(3).describe('sends per forsendelse before it is parked'),
  RECONCILE_INTERVAL_MS: positiveInt(1000, 86_400_000)
    .default(60_000)
    .describe('how often stalled rows are looked for'),
  RECONCILE_STALE_MS: positiveInt(1000, 86_400_000)
    .default(300_000)
    .describe('a row unchanged this long in a state that waits on us gets its job enqueued again'),
  // Age is counted from `confirmed_at`; the floor keeps a row while the IP may still report a late FEIL on it.
  RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(36_500)
    .default(90)
    .describe('days from its confirm until a CONFIRMED row is pruned (≥ `EFM_TTL_HOURS` + 24 h); 0: never'),
  SPOOL_DIR: optionalString.describe('where a download without Content-Length is spooled (default: OS temp dir)'),
  ADMIN_USERNAME: basicUser.describe('basic auth user for /queues and /admin; without it those routes are off'),
  ADMIN_PASSWORD: optionalString.describe('basic auth password for /queues and /admin; secret'),
  DASHBOARD_READ_ONLY: booleanString
    .default(true)
    .describe('bull-board at /queues shows the queues but offers no retry, promote, clean or remove'),
  HTTPS_PROXY: optionalUrl(['http', 'https']).describe('proxy for https calls'),
  HTTP_PROXY: optionalUrl(['http', 'https']).describe('proxy for http calls'),
  NO_PROXY: optionalString.describe('hosts that bypass the proxy'),
  HTTP_TIMEOUT_MS: positiveInt(100, 600_000).default(30_000).describe('connect/headers/idle timeout of outbound calls'),
});

export type Env = z.infer<typeof envSchema>;

/** Variables whose value must never be printed; each also accepts `<NAME>_FILE`. */
export const SECRET_VARIABLES = [
  'MASKINPORTEN_PRIVATE_KEY',
  'MASKINPORTEN_PKCS12',
  'MASKINPORTEN_PKCS12_PASSWORD',
  'MASKINPORTEN_JWK',
  'EFM_PASSWORD',
  'EFM_WEBHOOK_SECRET',
  'ADMIN_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
] as const;

/**
 * Also read from `<NAME>_FILE`: the secrets, the certificate, and the connection URLs (not echoed either; they
 * may carry a password, so a Secret mounted as a file is the usual way to hand them over).
 */
export const FILE_VARIABLES = [...SECRET_VARIABLES, 'MASKINPORTEN_CERTIFICATE', 'DATABASE_URL', 'REDIS_URL'] as const;

/**
 * Names the NAIS platform injects, accepted as aliases. Setting both names is fine while they agree (for the
 * scope: the same scopes in any order) and a start-up error when they differ: neither silently wins.
 */
export const ALIASES: Readonly<Record<string, string>> = {
  MASKINPORTEN_CLIENT_JWK: 'MASKINPORTEN_JWK',
  MASKINPORTEN_SCOPES: 'MASKINPORTEN_SCOPE',
};
