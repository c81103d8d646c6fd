import type { JsonObject } from './sbd.validation';

/** Message types `SBDUtil.isReceipt` names: popping one answers 204, it has no ASiC. */
export const RECEIPT_TYPES: ReadonlySet<string> = new Set([
  'arkivmelding_kvittering',
  'einnsyn_kvittering',
  'dialogmelding_kvittering',
]);

/** An incoming message waiting for the client (`NextMoveInMessage`). */
export interface IncomingMessage {
  id: number;
  messageId: string;
  conversationId: string;
  processIdentifier: string;
  receiverIdentifier: string;
  senderIdentifier: string;
  serviceIdentifier: string;
  type: string;
  sbd: JsonObject;
  /** The ASiC-E the pop returns; undefined for a receipt. */
  asic?: Buffer;
  /** Epoch ms its lock runs out, while locked. */
  lockTimeoutMs?: number;
  /** For the control API: how often it was locked and popped. */
  locks: number;
  pops: number;
}

/** The peek filters (`NextMoveInMessageQueryInput`): exact matches, all given ones must hold. */
export interface IncomingFilter {
  conversationId?: string;
  messageId?: string;
  receiverIdentifier?: string;
  senderIdentifier?: string;
  serviceIdentifier?: string;
  process?: string;
}

const MAX_MESSAGES = 10_000;

/**
 * The IP's incoming queue. A peek locks the oldest unlocked match for `lockTimeoutMs` (the IP's
 * `difi.move.nextmove.lockTimeoutMinutes`, 5); the IP's `NextMoveInMessageUnlocker` releases expired locks only
 * when it runs (every 5 s), so a lock lasts until the first run at or after its timeout.
 */
export class IncomingQueue {
  private readonly messages = new Map<string, IncomingMessage>();
  private readonly startedMs = Date.now();
  /** LEVERT conversations seen so far, for the automatic kvittering rate. */
  autoKvitteringCount = 0;

  constructor(private readonly timing: () => { lockTimeoutMs: number; unlockIntervalMs: number }) {}

  add(message: IncomingMessage): void {
    this.messages.set(message.messageId, message);
    if (this.messages.size > MAX_MESSAGES) {
      const oldest = this.messages.keys().next();
      if (!oldest.done) {
        this.messages.delete(oldest.value);
      }
    }
  }

  /** Releases the lock if the unlocker has run since it timed out; answers whether it is still locked. */
  isLocked(message: IncomingMessage, now = Date.now()): boolean {
    if (message.lockTimeoutMs === undefined) {
      return false;
    }
    const interval = Math.max(1, this.timing().unlockIntervalMs);
    const firstRun = this.startedMs + Math.ceil((message.lockTimeoutMs - this.startedMs) / interval) * interval;
    if (now < firstRun) {
      return true;
    }
    message.lockTimeoutMs = undefined;
    return false;
  }

  /** `NextMoveMessageInService.peek`: the oldest unlocked message matching the filter, now locked. */
  peek(filter: IncomingFilter): IncomingMessage | undefined {
    const now = Date.now();
    for (const message of this.messages.values()) {
      if (matches(message, filter) && !this.isLocked(message, now)) {
        message.lockTimeoutMs = now + this.timing().lockTimeoutMs;
        message.locks += 1;
        return message;
      }
    }
    return undefined;
  }

  find(filter: IncomingFilter): IncomingMessage[] {
    return [...this.messages.values()].filter((m) => matches(m, filter));
  }

  get(messageId: string): IncomingMessage | undefined {
    return this.messages.get(messageId);
  }

  remove(messageId: string): void {
    this.messages.delete(messageId);
  }

  all(): IncomingMessage[] {
    return [...this.messages.values()];
  }

  clear(): void {
    this.messages.clear();
    this.autoKvitteringCount = 0;
  }
}

function matches(message: IncomingMessage, filter: IncomingFilter): boolean {
  return (
    (filter.conversationId === undefined || message.conversationId === filter.conversationId) &&
    (filter.messageId === undefined || message.messageId === filter.messageId) &&
    (filter.receiverIdentifier === undefined || message.receiverIdentifier === filter.receiverIdentifier) &&
    (filter.senderIdentifier === undefined || message.senderIdentifier === filter.senderIdentifier) &&
    (filter.serviceIdentifier === undefined || message.serviceIdentifier === filter.serviceIdentifier) &&
    (filter.process === undefined || message.processIdentifier === filter.process)
  );
}
