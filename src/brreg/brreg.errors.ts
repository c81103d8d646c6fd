import type { PeerError } from '../http/peer-error';

/**
 * Brreg mottak's answers, classified once (docs/development.md, "Clients"). The confirm use-case looks at `feilkode`
 * and `status` (ERROR-00005, 404) to decide whether to verify against /available.
 */
export type BrregErrorKind = 'retryable' | 'permanent' | 'auth';
export type BrregOperation = 'available' | 'download' | 'confirm';

export interface BrregErrorContext {
  operation: BrregOperation;
  mottakId?: string;
  status?: number;
  /** Brreg's own code, e.g. ERROR-00005. */
  feilkode?: string;
  feilId?: string;
  /** Seconds, from Retry-After on a 429/503. */
  retryAfterSeconds?: number;
}

export class BrregError extends Error implements PeerError {
  readonly peer = 'brreg';

  constructor(
    readonly kind: BrregErrorKind,
    message: string,
    readonly context: BrregErrorContext,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BrregError';
  }

  get isNotFound(): boolean {
    return this.context.status === 404;
  }

  get isConcurrentConfirm(): boolean {
    return this.context.feilkode === 'ERROR-00005';
  }
}

/**
 * Statuses worth another try:
 * 408 the request timed out on their side; 429 too many requests (honour Retry-After);
 * every 5xx (Brreg documents ERROR-00000 as "try again later").
 */
export function kindOfStatus(status: number): BrregErrorKind {
  if (status === 401 || status === 403) {
    return 'auth';
  }
  if (status === 408 || status === 429 || status >= 500) {
    return 'retryable';
  }
  return 'permanent';
}
