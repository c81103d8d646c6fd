import type { Peer } from './peer-error';

/**
 * How a call to a peer ended, in the few kinds an operator acts on differently (the `outcome` label of
 * `bridge_peer_last_outcome`). `refused` is any other 4xx: the peer understood us and said no.
 */
export const PEER_OUTCOMES = [
  'ok',
  'auth',
  'not_found',
  'unreachable',
  'timeout',
  'server_error',
  'rate_limited',
  'bad_response',
  'refused',
] as const;
export type PeerOutcome = (typeof PEER_OUTCOMES)[number];

/** One finished call, as a client reports it. */
export interface PeerCall {
  peer: Peer;
  outcome: PeerOutcome;
  operation: string;
  /** The URL's path (no query, no host): where a 404 was answered. */
  path?: string;
  status?: number;
  /** The error's own message, for the words; never a body beyond the client's short snippet. */
  detail?: string;
  /** What an operator should check, naming the variables (decided by the client's errors file). */
  advice?: string;
}

/** Where the clients report each call's outcome (SharedHealth in the app; nothing in a unit test). */
export interface PeerOutcomeRecorder {
  record(call: PeerCall): void;
}

/** An HTTP status as an outcome, before any peer-specific reading of the body. */
export function outcomeOfStatus(status: number): PeerOutcome {
  if (status >= 200 && status < 300) {
    return 'ok';
  }
  if (status === 401 || status === 403) {
    return 'auth';
  }
  if (status === 404) {
    return 'not_found';
  }
  if (status === 408 || status === 504) {
    return 'timeout';
  }
  if (status === 429) {
    return 'rate_limited';
  }
  if (status >= 500) {
    return 'server_error';
  }
  return status >= 400 ? 'refused' : 'bad_response';
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);

/** A call that got no HTTP answer: it timed out, or nothing could be reached (DNS, refused, reset, TLS). */
export function outcomeOfNetworkError(cause: unknown): 'timeout' | 'unreachable' {
  for (let current = cause, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if ((code && TIMEOUT_CODES.has(code)) || current.name === 'TimeoutError') {
      return 'timeout';
    }
    current = current.cause;
  }
  return 'unreachable';
}

/** The reason phrase of the statuses an operator meets here, so the words read "404 Not Found". */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return REASONS[status] ? `${status} ${REASONS[status]}` : String(status);
}
