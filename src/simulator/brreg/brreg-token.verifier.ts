import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { BoundedMap } from '../common/bounded-log';
import type { AuthFailure } from './brreg.errors';

export type TokenCheck =
  | { ok: true; orgnr: string }
  | {
      ok: false;
      failure: AuthFailure;
      /** Why, for the control API's auth-failure log; never the token. */ reason: string;
    };

/**
 * "Every token issued before now is revoked". `iat` has one-second resolution, so a token issued in the same second
 * as the revocation is revoked only if it was presented before it (its `jti` was seen); a fresh one minted right
 * after survives, which is what a client that refetches on 401 needs.
 */
export class TokenRevocation {
  private cutoffSeconds: number | undefined;
  private readonly revokedJtis = new BoundedMap<string, true>(10_000);
  private readonly recentJtis = new BoundedMap<string, number>(10_000);

  revokeAll(nowMs: number): void {
    const cutoff = Math.floor(nowMs / 1000);
    this.cutoffSeconds = cutoff;
    for (const [jti, iat] of this.recentJtis) {
      if (iat >= cutoff) {
        this.revokedJtis.set(jti, true);
      }
    }
  }

  /** Unix seconds; tokens with an earlier `iat` are revoked. */
  cutoff(): number | undefined {
    return this.cutoffSeconds;
  }

  seen(jti: string | undefined, iat: number): void {
    if (jti !== undefined) {
      this.recentJtis.set(jti, iat);
    }
  }

  isRevoked(jti: string | undefined, iat: number): boolean {
    if (this.cutoffSeconds === undefined) {
      return false;
    }
    return iat < this.cutoffSeconds || (jti !== undefined && this.revokedJtis.has(jti));
  }

  clear(): void {
    this.cutoffSeconds = undefined;
    this.revokedJtis.clear();
    this.recentJtis.clear();
  }
}

export interface TokenVerifierOptions {
  jwksUrl: URL;
  issuer: string;
  scope: string;
  jwksCooldownMs: number;
}

const BEARER = /^bearer(?:\s+(.*))?$/is;
/** How long a verified signature is reused: well inside jose's own JWKS cache age (10 min). */
const VERIFIED_REUSE_MS = 60_000;
const CONSUMER_ID = /^0192:(\d{9})$/;

/**
 * Checks a Maskinporten access token the way a Spring resource server would: signature against Maskinporten's JWKS
 * (cached; refetched on an unknown `kid`), `iss`, `exp`/`nbf` without leeway, then the scope and the consumer's
 * organisation number. `aud` is not checked: Maskinporten writes "unspecified" unless a resource was asked for.
 */
export class BrregTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  /**
   * Tokens whose signature and issuer were verified, with their claims. A client presents one token for many
   * calls, and an RSA verification on each would make the simulator the busy side of a benchmark. The time
   * claims are checked again on every use (as jwtVerify does, without leeway), and the scope, the consumer
   * and revocation after that, so a reused verification answers exactly as a fresh one would.
   */
  private readonly verified = new BoundedMap<string, { payload: JWTPayload; untilMs: number }>(1_000);

  constructor(
    private readonly options: TokenVerifierOptions,
    private readonly revocation: TokenRevocation,
  ) {
    this.jwks = createRemoteJWKSet(options.jwksUrl, { cooldownDuration: options.jwksCooldownMs });
  }

  async check(authorization: string | undefined): Promise<TokenCheck> {
    // Like Spring's bearer token extractor: another scheme (or none) is "no token"; "Bearer" with nothing after it
    // is a token that fails to verify.
    const match = authorization === undefined ? null : BEARER.exec(authorization.trim());
    if (match === null) {
      return { ok: false, failure: 'unauthorized', reason: 'no bearer token' };
    }
    const token = (match[1] ?? '').trim();
    if (token === '') {
      return { ok: false, failure: 'invalid_token', reason: 'empty bearer token' };
    }
    const reused = this.verified.get(token);
    if (reused !== undefined && reused.untilMs > Date.now() && isCurrent(reused.payload)) {
      return this.checkClaims(reused.payload);
    }
    this.verified.delete(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.options.issuer,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      return { ok: false, failure: 'invalid_token', reason: describe(error) };
    }
    this.verified.set(token, { payload, untilMs: Date.now() + VERIFIED_REUSE_MS });
    return this.checkClaims(payload);
  }

  private checkClaims(payload: JWTPayload): TokenCheck {
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(this.options.scope)) {
      return {
        ok: false,
        failure: 'invalid_token',
        reason: `scope "${String(payload.scope)}" lacks ${this.options.scope}`,
      };
    }
    const consumer = payload.consumer as { ID?: unknown } | undefined;
    const id = typeof consumer?.ID === 'string' ? CONSUMER_ID.exec(consumer.ID) : null;
    if (id === null) {
      return { ok: false, failure: 'invalid_token', reason: 'no consumer.ID of the form 0192:<orgnr>' };
    }
    const jti = typeof payload.jti === 'string' ? payload.jti : undefined;
    const iat = payload.iat as number;
    if (this.revocation.isRevoked(jti, iat)) {
      return { ok: false, failure: 'invalid_token', reason: 'token revoked' };
    }
    this.revocation.seen(jti, iat);
    return { ok: true, orgnr: id[1] };
  }
}

/** jose's time checks without leeway: `exp` after now, `nbf` (if any) not after now; whole seconds. */
function isCurrent(payload: JWTPayload): boolean {
  const now = Math.floor(Date.now() / 1000);
  return typeof payload.exp === 'number' && payload.exp > now && (payload.nbf === undefined || payload.nbf <= now);
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JOSEError) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
