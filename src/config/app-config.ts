import type { TitleTable } from '../melding/titles';
/** The typed configuration the rest of the code sees; built once from the environment by `loadConfig`. */

export type MaskinportenKeyConfig =
  /** Virksomhetssertifikat as PEM key + PEM chain: the grant carries `x5c`. */
  | { mode: 'x5c'; privateKeyPem: string; certificateChainPem: string }
  /** Virksomhetssertifikat as PKCS#12: key and chain are read from it; the grant carries `x5c`. */
  | { mode: 'pkcs12'; pkcs12: Buffer; password: string }
  /** A key registered in Maskinporten, as PEM: the grant carries `kid`. */
  | { mode: 'kid'; keyId: string; privateKeyPem: string }
  /** A key registered in Maskinporten, as a private JWK: the grant carries its `kid`. */
  | { mode: 'jwk'; keyId: string; jwk: Readonly<Record<string, unknown>> };

export interface RedisSentinel {
  host: string;
  port: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type MessageType = 'arkivmelding' | 'avtalt';
export type StatusStrategy = 'feed' | 'per-message' | 'queue';

export interface AppConfig {
  port: number;
  /** When set, /metrics, /queues and /admin are served on this port only; PORT keeps the webhook and /health. */
  managementPort?: number;
  logLevel: LogLevel;
  /** From GIT_COMMIT, for bridge_build_info. */
  commit?: string;
  database: { url: string; migrate: boolean };
  redis: {
    url: string;
    queuePrefix: string;
    /** REDIS_SENTINELS: the master is asked of these; REDIS_URL then gives only credentials, database and TLS. */
    sentinel?: { sentinels: readonly RedisSentinel[]; masterName: string; password?: string };
  };
  maskinporten: {
    /** The grant's `aud`. Absent only when `wellKnownUrl` is set: then it comes from the metadata. */
    issuer?: string;
    tokenUrl?: string;
    wellKnownUrl?: string;
    clientId: string;
    scope: string;
    key: MaskinportenKeyConfig;
  };
  brreg: { baseUrl: string; pollIntervalMs: number; tjeneste?: string; sjekksum: 'warn' | 'enforce' };
  efm: {
    baseUrl: string;
    basicAuth?: { username: string; password: string };
    senderOrgnr: string;
    receiverOrgnr: string;
    messageType: MessageType;
    /** arkivmelding only: each file its own document (documents) or the zip as one (zip). */
    payload: 'documents' | 'zip';
    titles?: TitleTable;
    process: string;
    avtaltIdentifier: string;
    ttlHours: number;
    /** After a send answered 5xx: how long to wait for SENDT before cancelling, and again after the cancel. */
    sendGraceMs: number;
    /** The SBD's sikkerhetsnivaa (arkivmelding), asked of the capabilities with the same value. */
    securityLevel: 3 | 4;
    /** Replaces the per-service upload limits (service-limits.ts) for an IP configured with other ones. */
    maxUploadBytes?: number;
    statusStrategy: StatusStrategy;
    /** per-message and receipts: how long after its confirm a forsendelse is still read (a late FEIL, a receipt). */
    watchAfterConfirmHours: number;
    statusPollIntervalMs: number;
    /** Off unless EFM_RECEIPTS=true: another client of the IP may own its incoming queue. */
    receipts: { enabled: boolean; intervalMs: number };
    webhook?: { baseUrl: string; secret: string };
  };
  forward: { concurrency: number; maxSendAttempts: number; spoolDir: string };
  confirm: { concurrency: number };
  reconcile: { intervalMs: number; staleMs: number };
  /** 0: nothing is ever deleted. */
  retention: { days: number };
  /** Absent: the dashboard and admin routes are off, not open. */
  admin?: { username: string; password: string };
  /** bull-board without its retry/promote/clean/remove buttons. */
  dashboard: { readOnly: boolean };
  http: { timeoutMs: number; httpsProxy?: string; httpProxy?: string; noProxy?: string };
}
