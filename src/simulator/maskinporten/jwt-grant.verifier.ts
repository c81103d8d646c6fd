import type { X509Certificate } from 'node:crypto';
import { compactVerify, importJWK, importX509, type CryptoKey } from 'jose';
import { organisationNumberOf, parseX5c, toPem, untrustedReason } from './certificate-chain';
import type { ClientRegistry, RegisteredClient } from './client.registry';
import type { JtiReplayGuard } from './jti-replay.guard';
import { TokenRequestError } from './maskinporten.errors';

export const GRANT_ALGORITHMS = ['RS256', 'RS384', 'RS512'] as const;
type GrantAlgorithm = (typeof GRANT_ALGORITHMS)[number];

/** Maskinporten's limits on the grant's times (docs/peers/maskinporten.md, "Claims"). */
export const MAX_GRANT_LIFETIME_SECONDS = 120;
export const MAX_IAT_SKEW_SECONDS = 10;

export type GrantMode = 'x5c' | 'kid';

export interface GrantContext {
  /** The `aud` a grant must carry, exactly. */
  issuer: string;
  /** The simulator's clock (with its skew), ms. */
  nowMs: number;
  clients: ClientRegistry;
  replay: JtiReplayGuard;
}

/** What is known about a grant as far as checking got; recorded for refused grants too. */
export interface GrantFacts {
  clientId: string | null;
  mode: GrantMode | null;
  jti: string | null;
  scope: string | null;
}

export interface VerifiedGrant {
  client: RegisteredClient;
  mode: GrantMode;
  scopes: string[];
  /** The `resource` claim, if the client asked for an audience-restricted token. */
  resource: string | string[] | undefined;
}

/**
 * Checks a JWT-bearer grant the way Maskinporten does, in this order (the first failure answers):
 *  1. shape: three base64url parts with JSON header and claims, `alg` RS256/384/512, exactly one of
 *     `x5c` / `kid` (MP-011); `x5c` an array of base64 DER strings (MP-123);
 *  2. `iss` a known client (MP-100) — needed before the signature, since a `kid` is looked up on it;
 *  3. the credential: x5c → chain to a trusted CA and validity (MP-120), signature with x5c[0] (MP-124),
 *     organisation number (MP-122); kid → key registered on the client (MP-124), not expired (MP-121),
 *     signature (MP-124);
 *  4. the claims: `aud` (MP-110), `iat`/`exp` numbers and `exp − iat ≤ 120` (MP-011), `iat` within ±10 s
 *     and `exp` not passed (MP-130), `jti` present (MP-011), `resource` well-formed (MP-011), `jti` unused
 *     (MP-012; remembered from here on), `scope` present and granted (MP-200).
 * `facts` is filled in as checking proceeds so a refused grant can still be logged.
 */
export async function verifyGrant(assertion: string, ctx: GrantContext, facts: GrantFacts): Promise<VerifiedGrant> {
  const { header, claims } = decodeJws(assertion);
  const alg = header.alg;
  if (!isGrantAlgorithm(alg)) {
    throw TokenRequestError.mp('MP-011', `alg must be one of ${GRANT_ALGORITHMS.join(', ')}`);
  }
  const hasX5c = header.x5c !== undefined;
  const hasKid = header.kid !== undefined;
  if (hasX5c === hasKid) {
    throw TokenRequestError.mp('MP-011', 'the header must carry exactly one of x5c and kid');
  }
  facts.mode = hasX5c ? 'x5c' : 'kid';
  facts.clientId = typeof claims.iss === 'string' ? claims.iss : null;
  facts.jti = typeof claims.jti === 'string' ? claims.jti : null;
  facts.scope = typeof claims.scope === 'string' ? claims.scope : null;

  let chain: X509Certificate[] = [];
  if (hasX5c) {
    const parsed = parseX5c(header.x5c);
    if (!parsed.ok) {
      throw TokenRequestError.mp('MP-123', parsed.reason);
    }
    chain = parsed.chain;
  }

  const client = typeof claims.iss === 'string' ? ctx.clients.get(claims.iss) : undefined;
  if (!client) {
    throw TokenRequestError.mp('MP-100');
  }

  if (hasX5c) {
    await verifyWithCertificate(assertion, alg, chain, client, ctx);
  } else {
    await verifyWithRegisteredKey(assertion, alg, header.kid, client, ctx);
  }

  return checkClaims(claims, client, facts.mode, ctx);
}

async function verifyWithCertificate(
  assertion: string,
  alg: GrantAlgorithm,
  chain: X509Certificate[],
  client: RegisteredClient,
  ctx: GrantContext,
): Promise<void> {
  const reason = untrustedReason(chain, ctx.clients.trustedCertificates(), ctx.nowMs);
  if (reason) {
    throw TokenRequestError.mp('MP-120', reason);
  }
  let key: CryptoKey;
  try {
    key = await importX509(toPem(chain[0]), alg);
  } catch {
    throw TokenRequestError.mp('MP-124', `the certificate's key cannot verify ${alg}`);
  }
  await verifySignature(assertion, alg, key);
  const orgnr = organisationNumberOf(chain[0]);
  if (orgnr !== client.orgnr) {
    throw TokenRequestError.mp('MP-122');
  }
}

async function verifyWithRegisteredKey(
  assertion: string,
  alg: GrantAlgorithm,
  kid: unknown,
  client: RegisteredClient,
  ctx: GrantContext,
): Promise<void> {
  if (typeof kid !== 'string') {
    throw TokenRequestError.mp('MP-011', 'kid must be a string');
  }
  // An unknown kid is reported as a signature failure: there is no key the signature could verify with.
  const registered = client.keys.find((k) => k.kid === kid);
  if (!registered) {
    throw TokenRequestError.mp('MP-124', 'no key with this kid is registered on the client');
  }
  if (registered.expiresAtMs !== null && registered.expiresAtMs <= ctx.nowMs) {
    throw TokenRequestError.mp('MP-121');
  }
  const key = await importJWK(registered.publicJwk, alg);
  await verifySignature(assertion, alg, key);
}

async function verifySignature(assertion: string, alg: GrantAlgorithm, key: CryptoKey): Promise<void> {
  try {
    await compactVerify(assertion, key, { algorithms: [alg] });
  } catch {
    throw TokenRequestError.mp('MP-124');
  }
}

function checkClaims(
  claims: Record<string, unknown>,
  client: RegisteredClient,
  mode: GrantMode,
  ctx: GrantContext,
): VerifiedGrant {
  if (claims.aud !== ctx.issuer) {
    throw TokenRequestError.mp('MP-110', `expected ${ctx.issuer}`);
  }
  const { iat, exp } = claims;
  if (!isNumericDate(iat) || !isNumericDate(exp)) {
    throw TokenRequestError.mp('MP-011', 'iat and exp must be numeric dates');
  }
  if (exp - iat > MAX_GRANT_LIFETIME_SECONDS) {
    throw TokenRequestError.mp('MP-011', `exp - iat must not exceed ${MAX_GRANT_LIFETIME_SECONDS} seconds`);
  }
  // Whole seconds, as the claims are: a client that truncates its clock is not penalised for the fraction.
  const now = Math.floor(ctx.nowMs / 1000);
  if (Math.abs(iat - now) > MAX_IAT_SKEW_SECONDS) {
    throw TokenRequestError.mp('MP-130', `iat is more than ${MAX_IAT_SKEW_SECONDS} seconds from the server's clock`);
  }
  if (exp <= now) {
    throw TokenRequestError.mp('MP-130');
  }
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti.length === 0) {
    throw TokenRequestError.mp('MP-011', 'jti is required');
  }
  const resource = claims.resource;
  if (resource !== undefined && !isResource(resource)) {
    throw TokenRequestError.mp('MP-011', 'resource must be a string or an array of strings');
  }
  if (ctx.replay.hasSeen(client.clientId, jti, now)) {
    throw TokenRequestError.mp('MP-012');
  }
  ctx.replay.remember(client.clientId, jti, exp);

  if (claims.scope !== undefined && typeof claims.scope !== 'string') {
    throw TokenRequestError.mp('MP-011', 'scope must be a space-separated string');
  }
  const scopes = (claims.scope ?? '').split(' ').filter((s) => s.length > 0);
  if (scopes.length === 0) {
    throw TokenRequestError.mp('MP-200', 'no scope requested');
  }
  const refused = scopes.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0) {
    throw TokenRequestError.mp('MP-200', refused.join(' '));
  }
  return { client, mode, scopes: [...new Set(scopes)], resource };
}

interface DecodedJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A compact JWS with a JSON object header and a JSON object payload, or MP-011 (malformed grant). */
function decodeJws(assertion: string): DecodedJws {
  const parts = assertion.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    throw TokenRequestError.mp('MP-011', 'the assertion is not a signed JWT');
  }
  const header = jsonObject(parts[0]);
  const claims = jsonObject(parts[1]);
  if (!header || !claims) {
    throw TokenRequestError.mp('MP-011', 'the assertion is not a signed JWT');
  }
  return { header, claims };
}

function jsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function isGrantAlgorithm(alg: unknown): alg is GrantAlgorithm {
  return typeof alg === 'string' && (GRANT_ALGORITHMS as readonly string[]).includes(alg);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isResource(value: unknown): value is string | string[] {
  if (typeof value === 'string') {
    return value.length > 0;
  }
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0);
}
