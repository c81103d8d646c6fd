import type { PeerError } from '../http/peer-error';

/** The integrasjonspunkt's answers, classified once (docs/development.md, "Clients"). */
export type IpErrorKind = 'retryable' | 'permanent' | 'auth';
export type IpOperation =
  | 'capabilities'
  | 'create'
  | 'upload'
  | 'send'
  | 'get-message'
  | 'conversation'
  | 'statuses'
  | 'status-queue'
  | 'subscriptions';

export interface IpErrorContext {
  operation: IpOperation;
  messageId?: string;
  status?: number;
  /** The IP's exception class, short name: MessageAlreadyExistsException, DuplicateFilenameException, … */
  exception?: string;
}

export class IpError extends Error implements PeerError {
  readonly peer = 'integrasjonspunkt';

  constructor(
    readonly kind: IpErrorKind,
    message: string,
    readonly context: IpErrorContext,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IpError';
  }

  is(exception: string): boolean {
    return this.context.exception === exception;
  }
}

/**
 * Statuses worth another try: 408 and 429 (the IP or a proxy in front of it asks us to wait) and every 5xx
 * (the IP's own trouble; a malformed arkivmelding.xml would also give 500, but we generate that file).
 * 401/403: our Basic credentials are wrong — nothing a retry fixes, but it is named separately for ops.
 */
export function kindOfStatus(status: number): IpErrorKind {
  if (status === 401 || status === 403) {
    return 'auth';
  }
  if (status === 408 || status === 429 || status >= 500) {
    return 'retryable';
  }
  return 'permanent';
}
