import type { PeerError } from '../http/peer-error';

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
