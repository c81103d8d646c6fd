import type { PeerError } from '../http/peer-error';
import { outcomeOfNetworkError, outcomeOfStatus, type PeerOutcome } from '../http/peer-outcome';

/**
 * Maskinporten's answers, classified once. Only 5xx and network failures are worth retrying; a 400 is a
 * configuration error (wrong client, key, certificate or scope) that no retry will fix (docs/peers/maskinporten.md).
 */
export type MaskinportenErrorKind = 'retryable' | 'configuration';

export class MaskinportenError extends Error implements PeerError {
  readonly peer = 'maskinporten';

  constructor(
    readonly kind: MaskinportenErrorKind,
    /** `MP-xxx` when Maskinporten named one; else `HTTP_<status>`, `NETWORK` or `INVALID_RESPONSE`. */
    readonly code: string,
    message: string,
    readonly context: { operation?: 'token' | 'metadata'; status?: number; error?: string; traceId?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MaskinportenError';
  }
}

export function isRetryableStatus(status: number): boolean {
  // 5xx: Maskinporten's side; 429: it asked us to slow down. Everything else 4xx is ours to fix.
  return status >= 500 || status === 429;
}

/**
 * What a failed call says about the connection to Maskinporten, and what an operator should check. Any 4xx to a
 * grant is ours to fix: Maskinporten answers 400 (invalid_client, invalid_grant, invalid_scope) where other
 * servers would say 401.
 */
export function maskinportenOutcome(error: MaskinportenError): { outcome: PeerOutcome; advice?: string } {
  const { status, operation } = error.context;
  let outcome: PeerOutcome;
  if (error.code === 'NETWORK') {
    outcome = outcomeOfNetworkError(error.cause);
  } else if (error.code === 'INVALID_RESPONSE' || status === undefined || status < 400) {
    outcome = 'bad_response';
  } else if (status === 404) {
    outcome = 'not_found';
  } else if (status < 500 && status !== 408 && status !== 429 && operation === 'token') {
    outcome = 'auth';
  } else {
    outcome = outcomeOfStatus(status);
  }
  return { outcome, advice: MASKINPORTEN_ADVICE[outcome] };
}

const MASKINPORTEN_ADVICE: Partial<Record<PeerOutcome, string>> = {
  auth:
    'Maskinporten refused the grant: check MASKINPORTEN_CLIENT_ID, the key or certificate (MASKINPORTEN_KEY_ID, ' +
    'MASKINPORTEN_JWK, MASKINPORTEN_PRIVATE_KEY, MASKINPORTEN_CERTIFICATE or MASKINPORTEN_PKCS12), ' +
    'MASKINPORTEN_SCOPE and MASKINPORTEN_ENV',
  not_found: 'check MASKINPORTEN_ENV, MASKINPORTEN_TOKEN_URL and MASKINPORTEN_WELL_KNOWN_URL',
  unreachable: 'check MASKINPORTEN_ENV or MASKINPORTEN_TOKEN_URL, DNS, egress (NetworkPolicy) and HTTPS_PROXY',
  timeout: 'no answer within HTTP_TIMEOUT_MS: check egress and HTTPS_PROXY; the bridge retries',
  server_error: "Maskinporten's own trouble; the bridge retries",
  rate_limited: 'Maskinporten asks us to slow down; the bridge retries',
  bad_response:
    "the answer is not Maskinporten's (a proxy or login page in between?): check MASKINPORTEN_TOKEN_URL and HTTPS_PROXY",
  refused: 'Maskinporten refused the request; see the detail and the logs (peer=maskinporten)',
};
