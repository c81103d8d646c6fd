import type { PeerError } from '../http/peer-error';
import { outcomeOfNetworkError, outcomeOfStatus, type PeerOutcome } from '../http/peer-outcome';

/** The integrasjonspunkt's answers, classified once (docs/development.md, "Clients"). */
export type IpErrorKind = 'retryable' | 'permanent' | 'auth';
export type IpOperation =
  | 'capabilities'
  | 'create'
  | 'upload'
  | 'send'
  | 'cancel'
  | 'get-message'
  | 'conversation'
  | 'statuses'
  | 'status-queue'
  | 'subscriptions'
  | 'receipts';

export interface IpErrorContext {
  operation: IpOperation;
  messageId?: string;
  status?: number;
  /** The IP's exception class, short name: MessageAlreadyExistsException, DuplicateFilenameException, … */
  exception?: string;
  /** Seconds, from Retry-After on a 429/503 (the IP or a proxy in front of it); the job waits that long. */
  retryAfterSeconds?: number;
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

  /**
   * The IP's own 404 for a messageId it holds no out-message for (never created, already sent, cancelled, or
   * dead-lettered): the conversation and its statuses may well exist, so tracking decides what became of it.
   */
  get noOutMessage(): boolean {
    return this.context.status === 404 && this.is('MessageNotFoundException');
  }

  /**
   * An incoming message is gone (404 `MessageNotFoundException`: another DELETE was first) or no longer ours to
   * remove (400 `MessageNotLockedException`: our peek's lock ran out, and the next peek delivers it again).
   */
  get incomingNotHeld(): boolean {
    return (
      (this.context.status === 404 && this.is('MessageNotFoundException')) ||
      (this.context.status === 400 && this.is('MessageNotLockedException'))
    );
  }
}

/**
 * Statuses worth another try: 408, and 429 and 503 (the IP or a proxy in front of it asks us to wait, often
 * with a Retry-After the job's backoff honours) and every 5xx (the IP's own trouble; a malformed
 * arkivmelding.xml would also give 500, but we generate that file). 401/403: our Basic credentials are wrong —
 * nothing a retry fixes, but it is named separately for ops.
 *
 * One 500 is an answer, not trouble: the service registry's refusal of the security level. Asked for a level
 * the receiver cannot take (level 4 without a KS SvarUt system at level 4), the registry answers 400
 * SecurityLevelNotFoundException; the IP wraps it into a MeldingsUtvekslingRuntimeException that no handler maps,
 * so its capabilities answer 500 naming the level (efm-service-registry ServiceRecordService,
 * efm-integrasjonspunkt CapabilitiesController). No retry changes that.
 */
export function kindOfAnswer(status: number, exception?: string, message?: string): IpErrorKind {
  if (status === 401 || status === 403) {
    return 'auth';
  }
  if (isSecurityLevelRefusal(status, exception, message)) {
    return 'permanent';
  }
  if (status === 408 || status === 429 || status >= 500) {
    return 'retryable';
  }
  return 'permanent';
}

/** The service registry's "can not receive messages with security level", as the IP passes it on (above). */
export function isSecurityLevelRefusal(status: number, exception?: string, message?: string): boolean {
  return (
    status === 500 &&
    exception === 'MeldingsUtvekslingRuntimeException' &&
    message !== undefined &&
    /can ?not receive messages with security level/i.test(message)
  );
}

/**
 * Exceptions the flows expect and act on: a forward's retry finds its own message or file already there; a
 * receipt whose lock ran out before its DELETE is read again.
 */
const EXPECTED_EXCEPTIONS = new Set([
  'MessageAlreadyExistsException',
  'DuplicateFilenameException',
  'MessageNotLockedException',
]);

/**
 * What a failed call says about the connection to the IP, and what an operator should check. The IP's own error
 * JSON on a 404 (an unknown message or conversation) or an exception the flow expects is a normal answer: the IP
 * was reached as configured. A 404 without it means the path does not exist there: the base URL is wrong.
 */
export function ipOutcome(error: IpError): { outcome: PeerOutcome; advice?: string } {
  const { status, exception } = error.context;
  let outcome: PeerOutcome;
  if (status === undefined) {
    outcome = error.cause === undefined ? 'bad_response' : outcomeOfNetworkError(error.cause);
  } else if (status >= 200 && status < 300) {
    outcome = 'bad_response';
  } else if (exception !== undefined && (status === 404 || EXPECTED_EXCEPTIONS.has(exception))) {
    outcome = 'ok';
  } else if (isSecurityLevelRefusal(status, exception, error.message)) {
    outcome = 'refused';
  } else {
    outcome = outcomeOfStatus(status);
  }
  return { outcome, advice: IP_ADVICE[outcome] };
}

const IP_ADVICE: Partial<Record<PeerOutcome, string>> = {
  auth: 'check EFM_USERNAME/EFM_PASSWORD',
  not_found: "check EFM_BASE_URL (the integrasjonspunkt's root, without /api)",
  unreachable: 'check EFM_BASE_URL, that the integrasjonspunkt runs, and egress (NetworkPolicy) or HTTP_PROXY',
  timeout: 'no answer within HTTP_TIMEOUT_MS: is the integrasjonspunkt overloaded? the bridge retries',
  server_error: "the integrasjonspunkt's own trouble (see its log); the bridge retries",
  rate_limited: 'the integrasjonspunkt asks us to slow down: lower FORWARD_CONCURRENCY',
  bad_response: "the answer is not the integrasjonspunkt's API (a proxy or login page in between?): check EFM_BASE_URL",
  refused:
    'the integrasjonspunkt refused the message: check EFM_RECEIVER_ORGNR, EFM_MESSAGE_TYPE, EFM_PROCESS and ' +
    'EFM_SECURITY_LEVEL against ' +
    "the receiver's capabilities",
};
