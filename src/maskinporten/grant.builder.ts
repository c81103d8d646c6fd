import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './signing-key.loader';

/** Maskinporten refuses a grant whose `exp − iat` exceeds 120 s. */
export const GRANT_LIFETIME_SECONDS = 120;

export interface GrantClaims {
  issuer: string;
  clientId: string;
  scope: string;
  nowMs: number;
}

/** The JWT-bearer grant: signed RS256 with `x5c` or `kid`, a fresh `jti` every time. */
export async function buildGrant(signingKey: SigningKey, claims: GrantClaims): Promise<string> {
  const iat = Math.floor(claims.nowMs / 1000);
  return new SignJWT({ scope: claims.scope })
    .setProtectedHeader({ alg: 'RS256', ...signingKey.header })
    .setAudience(claims.issuer)
    .setIssuer(claims.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + GRANT_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(signingKey.key);
}
