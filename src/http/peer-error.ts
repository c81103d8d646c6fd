/** The three systems the bridge calls; each client's error names its own. */
export type Peer = 'maskinporten' | 'brreg' | 'integrasjonspunkt';

/**
 * What every client error (BrregError, IpError, MaskinportenError) carries, so that a failure is logged with the
 * peer, the operation and the ids it concerns, whichever job it ended.
 */
export interface PeerError extends Error {
  readonly peer: Peer;
  readonly kind: string;
  readonly context: {
    operation?: string;
    status?: number;
    mottakId?: string;
    messageId?: string;
    /** Seconds the peer asked us to wait (Retry-After of a 429/503: src/http/retry-after.ts). */
    retryAfterSeconds?: number;
  };
}

export function isPeerError(error: unknown): error is PeerError {
  return error instanceof Error && typeof (error as Partial<PeerError>).peer === 'string' && 'context' in error;
}

/**
 * The log fields of a failed job: the error's message, and — when a client raised it, also as the cause of
 * another error — its peer, operation, HTTP status, kind and ids. Never the response body beyond the error's
 * own short snippet.
 */
export function failureFields(error: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = { error: error instanceof Error ? error.message : String(error) };
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (isPeerError(current)) {
      const { operation, status, mottakId, messageId } = current.context;
      const found = { peer: current.peer, operation, status, errorKind: current.kind, mottakId, messageId };
      // Only what the error knows: an id it lacks must not hide the job's own.
      return { ...fields, ...Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined)) };
    }
    current = current.cause;
  }
  return fields;
}

/**
 * The wait a peer asked for, from the client error that failed a job, also when it is the cause of another
 * error: the queues' backoff waits at least this long (src/queues/job-options.ts).
 */
export function retryAfterOf(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (isPeerError(current)) {
      return current.context.retryAfterSeconds;
    }
    current = current.cause;
  }
  return undefined;
}
