import type { PeerError } from '../http/peer-error';
import { outcomeOfNetworkError, outcomeOfStatus, type PeerOutcome } from '../http/peer-outcome';

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

/**
 * What a failed call says about the connection to Brreg, and what an operator should check. Brreg's own error
 * JSON on a 404 (an unknown or already confirmed forsendelse) and ERROR-00005 (a concurrent confirm) are normal
 * answers the flow acts on: Brreg was reached as configured. A 404 without it is Spring's default page: the path does not exist, so the base URL is wrong.
 */
export function brregOutcome(error: BrregError): { outcome: PeerOutcome; advice?: string } {
  const { status, feilkode } = error.context;
  let outcome: PeerOutcome;
  if (status === undefined) {
    outcome = error.cause === undefined ? 'bad_response' : outcomeOfNetworkError(error.cause);
  } else if (status >= 200 && status < 300) {
    outcome = 'bad_response';
  } else if ((status === 404 && feilkode !== undefined) || error.isConcurrentConfirm) {
    outcome = 'ok';
  } else {
    outcome = outcomeOfStatus(status);
  }
  return { outcome, advice: BRREG_ADVICE[outcome] };
}

const BRREG_ADVICE: Partial<Record<PeerOutcome, string>> = {
  auth:
    'Brreg refused our Maskinporten token: check MASKINPORTEN_CLIENT_ID and MASKINPORTEN_SCOPE, and that Brreg ' +
    'has given this integration access to mottak',
  not_found: 'check BRREG_BASE_URL (it must end in /outbound)',
  unreachable: 'check BRREG_BASE_URL or BRREG_ENV, DNS, egress (NetworkPolicy) and HTTPS_PROXY',
  timeout: 'no answer within HTTP_TIMEOUT_MS: check egress and HTTPS_PROXY; the bridge retries',
  server_error: "Brreg's own trouble; the bridge retries",
  rate_limited: 'Brreg asks us to slow down: raise BRREG_POLL_INTERVAL_MS',
  bad_response:
    "the answer is not Brreg's API (a proxy or login page in between?): check BRREG_BASE_URL and HTTPS_PROXY",
  refused: 'Brreg refused the request; see the detail and the logs (peer=brreg)',
};
