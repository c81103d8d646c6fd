import { createHash, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT, type JWTPayload } from 'jose';

const generateRsaKeyPair = promisify(generateKeyPair);

export interface PublishedJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

/** The claims of a Maskinporten access token (docs/peers/maskinporten.md, "The token request"). */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  client_id: string;
  client_amr: 'virksomhetssertifikat' | 'private_key_jwt';
  token_type: 'Bearer';
  aud: string | string[];
  scope: string;
  consumer: { authority: 'iso6523-actorid-upis'; ID: string };
  iat: number;
  exp: number;
  jti: string;
}

/**
 * The simulator's own signing key. It is fresh per process (an RSA key cannot come from the seed);
 * resource servers fetch it from /jwk, as they must for the real Maskinporten, whose key rotates.
 */
export class AccessTokenSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly jwk: PublishedJwk,
  ) {}

  static async create(): Promise<AccessTokenSigner> {
    const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
    const exported = publicKey.export({ format: 'jwk' });
    const n = exported.n ?? '';
    const e = exported.e ?? '';
    const kid = createHash('sha256')
      .update(JSON.stringify({ e, kty: 'RSA', n }))
      .digest('base64url');
    return new AccessTokenSigner(privateKey, { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' });
  }

  get kid(): string {
    return this.jwk.kid;
  }

  jwks(): { keys: PublishedJwk[] } {
    return { keys: [{ ...this.jwk }] };
  }

  sign(claims: AccessTokenClaims): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.jwk.kid }).sign(this.privateKey);
  }
}
