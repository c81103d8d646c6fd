/** The OAuth `error` values Maskinporten answers a refused token request with (RFC 6749 §5.2). */
export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type';

/** Maskinporten's own error codes (docs/peers/maskinporten.md, "Errors"). */
export type MpCode =
  | 'MP-011'
  | 'MP-012'
  | 'MP-100'
  | 'MP-110'
  | 'MP-120'
  | 'MP-121'
  | 'MP-122'
  | 'MP-123'
  | 'MP-124'
  | 'MP-130'
  | 'MP-200';

/**
 * Which OAuth error each MP code is sent with, and the start of its description. The wording follows
 * Digdir's troubleshooting page ("Invalid assertion. Client authentication failed. …") where it has one.
 */
export const MP_ERRORS: Record<MpCode, { error: OAuthErrorCode; description: string }> = {
  'MP-011': { error: 'invalid_request', description: 'Invalid assertion. Invalid parameter value' },
  'MP-012': { error: 'invalid_grant', description: 'Validation of JWT Bearer grant failed. Grant is used before' },
  'MP-100': {
    error: 'invalid_grant',
    description: 'Invalid assertion. Client authentication failed. Client not found',
  },
  'MP-110': {
    error: 'invalid_grant',
    description: 'Invalid assertion. Client authentication failed. Invalid JWT claim aud',
  },
  'MP-120': {
    error: 'invalid_grant',
    description: 'Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate',
  },
  'MP-121': {
    error: 'invalid_grant',
    description: 'Invalid assertion. Client authentication failed. The registered key has expired',
  },
  'MP-122': {
    error: 'invalid_grant',
    description:
      'Invalid assertion. Client authentication failed. The organization number of the certificate does not match the client',
  },
  'MP-123': {
    error: 'invalid_request',
    description: 'Validation of JWT failed. Failed to extract certificate from jwt',
  },
  'MP-124': {
    error: 'invalid_grant',
    description: 'Invalid assertion. Client authentication failed. Invalid JWT signature',
  },
  'MP-130': { error: 'invalid_grant', description: 'Validation of JWT Bearer grant failed. JWT is expired' },
  'MP-200': { error: 'invalid_scope', description: 'Token request contains invalid scopes for client' },
};

/**
 * Where `error_uri` points. Digdir publishes no per-code page we could verify, so one base is chosen and
 * the code appended (`…/errors/MP-124`); request-level errors without an MP code point at the /token
 * protocol page.
 */
export const MP_ERROR_URI_BASE = 'https://docs.digdir.no/docs/Maskinporten/errors/';
export const TOKEN_PROTOCOL_URI = 'https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token';

/**
 * A refused token request. `code` is null for request-level errors (wrong content type, missing
 * assertion, wrong grant_type) that the spec gives no MP code.
 */
export class TokenRequestError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly code: MpCode | null,
    readonly detail: string,
  ) {
    super(detail);
  }

  static mp(code: MpCode, detail?: string): TokenRequestError {
    const known = MP_ERRORS[code];
    return new TokenRequestError(known.error, code, detail ? `${known.description}: ${detail}` : known.description);
  }

  static request(error: OAuthErrorCode, detail: string): TokenRequestError {
    return new TokenRequestError(error, null, detail);
  }

  errorUri(): string {
    return this.code ? `${MP_ERROR_URI_BASE}${this.code}` : TOKEN_PROTOCOL_URI;
  }
}

/** The JSON body of a 400 from /token. */
export interface TokenErrorBody {
  error: OAuthErrorCode;
  error_description: string;
  error_uri: string;
}

export function tokenErrorBody(err: TokenRequestError, traceId: string): TokenErrorBody {
  return {
    error: err.error,
    error_description: `${err.detail} (trace_id: ${traceId})`,
    error_uri: err.errorUri(),
  };
}
