import type { ArkivmeldingInfo, ArkivmeldingSummary } from './arkivmelding.reader';
import type { IntegrasjonspunktSimulatorOptions } from './integrasjonspunkt-sim.options';
import type { IpDateTime } from './ip-time';
import type { JsonObject } from './sbd.validation';
import type { TimerSet } from './timer-set';

export const STATUS_NAMES = [
  'OPPRETTET',
  'SENDT',
  'MOTTATT',
  'LEVERT',
  'LEST',
  'LEVETID_UTLOPT',
  'FEIL',
  'ANNET',
] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

/** `DefaultConversationService.COMPLETABLES` plus LEVERT, which also marks a conversation finished. */
const FINISHING: ReadonlySet<string> = new Set(['LEVERT', 'LEST', 'FEIL', 'LEVETID_UTLOPT']);

export interface StatusRecord {
  id: number;
  convId: number;
  status: StatusName;
  description?: string;
  lastUpdateMs: number;
}

export interface FileRecord {
  filename: string | null;
  title?: string;
  contentType: string;
  /** The IP's size: Content-Length, or −1 for a chunked upload. */
  declaredSize: number;
  /** Bytes actually received. */
  size: number;
  sha256: string;
  uploadedAtMs: number;
  /** Whether the content is kept for `GET /_sim/messages/{id}/files/{name}` (≤ 1 MiB, while room). */
  stored: boolean;
}

/** A created, not yet sent message (`NextMoveOutMessage`). */
export interface OutMessage {
  id: number;
  messageId: string;
  conversationId: string;
  processIdentifier: string;
  receiverIdentifier?: string;
  serviceIdentifier: string;
  sbd: JsonObject;
  type: string;
  files: FileRecord[];
  arkivmelding?: ArkivmeldingInfo;
  /** The uploaded arkivmelding.xml as text (≤ 1 MiB), for status scripts that match on its content. */
  arkivmeldingText?: string;
  expiry: IpDateTime;
  expiryText: string;
}

/** What the simulator remembers about a message beyond the IP's own view (read through the control API). */
export interface MessageTrace {
  type: string;
  createdMs: number;
  files: FileRecord[];
  /** `POST /api/messages/out/{id}` calls that passed the checks: each put a copy on the internal queue. */
  sendAccepted: number;
  /** Send POSTs refused by the send checks (404 excluded: the message was gone). */
  sendRejected: number;
  /** Send POSTs failed by `/_sim/faults/send`: answered 5xx before any copy was queued, or after one was. */
  sendFailed: { beforeQueue: number; afterQueue: number };
  /** Copies queued and not yet done (waiting for the queue, or transmitting). */
  copiesPending: number;
  /** Copies the asynchronous send delivered to the receiver; more than one is a double delivery. */
  copiesDelivered: number;
  /**
   * Copies that found the out-message's files gone when their turn came (the client DELETEd it, or an expired
   * copy cleaned up): nothing was sent. The IP's sender throws, so its queue redelivers the copy until the
   * deadline passes and the TTL ends the conversation; no status is recorded before that.
   */
  copiesFailed: number;
  /** The last uploaded arkivmelding.xml, read; kept after the send (the out-message is then gone). */
  arkivmelding?: ArkivmeldingSummary;
  /** Its text (≤ 1 MiB). */
  arkivmeldingText?: string;
  /** Name of the status script that drove this message after SENDT, if any. */
  script?: string;
  outMessageDeleted?: 'sent' | 'client' | 'expired';
}

export interface Conversation {
  id: number;
  conversationId: string;
  messageId: string;
  sender?: string;
  senderIdentifier?: string;
  receiver?: string;
  receiverIdentifier?: string;
  processIdentifier: string;
  documentIdentifier: string;
  messageReference?: string;
  /** "" until an arkivmelding.xml sets it; null when that has no offentligTittel. */
  messageTitle: string | null;
  lastUpdateMs: number;
  finished: boolean;
  expiryMs: number;
  serviceIdentifier: string;
  statuses: StatusRecord[];
  /** Committed and pending status names: a conversation holds each status at most once. */
  statusNames: Set<string>;
  trace: MessageTrace;
}

type StatusListener = (conversation: Conversation, status: StatusRecord) => void;

/** A byte-capped store for small file contents; the oldest go first. */
class ContentStore {
  private readonly contents = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly capBytes: number) {}

  put(key: string, content: Buffer): boolean {
    if (content.length > this.capBytes) {
      return false;
    }
    this.remove(key);
    this.contents.set(key, content);
    this.bytes += content.length;
    for (const [oldest, value] of this.contents) {
      if (this.bytes <= this.capBytes) {
        break;
      }
      this.contents.delete(oldest);
      this.bytes -= value.length;
    }
    return this.contents.has(key);
  }

  get(key: string): Buffer | undefined {
    return this.contents.get(key);
  }

  remove(key: string): void {
    const existing = this.contents.get(key);
    if (existing !== undefined) {
      this.contents.delete(key);
      this.bytes -= existing.length;
    }
  }

  clear(): void {
    this.contents.clear();
    this.bytes = 0;
  }
}

/**
 * The IP's database as far as the simulator needs it: conversations with their statuses, unsent out-messages,
 * the status queue and small file contents. Ids come from one sequence, as the IP's shared
 * `hibernate_sequence` (so conversation ids, status ids and subscription ids interleave).
 */
export class IpStore {
  private sequence = 0;
  private readonly conversations = new Map<number, Conversation>();
  private readonly byMessageId = new Map<string, Conversation>();
  private readonly outMessages = new Map<string, OutMessage>();
  private readonly statuses = new Map<number, StatusRecord>();
  private readonly statusQueue = new Map<number, true>();
  private readonly contents = new ContentStore(64 * 1024 * 1024);
  private readonly announced: StatusListener[] = [];

  constructor(
    private readonly settings: IntegrasjonspunktSimulatorOptions,
    private readonly timers: TimerSet,
  ) {}

  nextId(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /** Called when a status is published (the webhook event): before the commit when a commit delay is set. */
  onStatusAnnounced(listener: StatusListener): void {
    this.announced.push(listener);
  }

  conversation(id: number): Conversation | undefined {
    return this.conversations.get(id);
  }

  conversationByMessageId(messageId: string): Conversation | undefined {
    return this.byMessageId.get(messageId);
  }

  conversationCount(): number {
    return this.conversations.size;
  }

  allConversations(): Conversation[] {
    return [...this.conversations.values()];
  }

  outMessage(messageId: string): OutMessage | undefined {
    return this.outMessages.get(messageId);
  }

  allOutMessages(): OutMessage[] {
    return [...this.outMessages.values()];
  }

  addOutMessage(message: OutMessage): void {
    this.outMessages.set(message.messageId, message);
  }

  deleteOutMessage(messageId: string, reason: 'sent' | 'client' | 'expired'): void {
    const message = this.outMessages.get(messageId);
    if (message === undefined) {
      return;
    }
    this.outMessages.delete(messageId);
    const conversation = this.byMessageId.get(messageId);
    if (conversation !== undefined) {
      conversation.trace.outMessageDeleted = reason;
    }
  }

  /** Committed statuses in id order (a late-committed status may sit after a higher id: ids are taken earlier). */
  allStatuses(): StatusRecord[] {
    return [...this.statuses.values()];
  }

  status(id: number): StatusRecord | undefined {
    return this.statuses.get(id);
  }

  storeContent(messageId: string, filename: string, content: Buffer): boolean {
    return this.contents.put(`${messageId}\u0000${filename}`, content);
  }

  content(messageId: string, filename: string): Buffer | undefined {
    return this.contents.get(`${messageId}\u0000${filename}`);
  }

  addConversation(conversation: Conversation): void {
    this.conversations.set(conversation.id, conversation);
    this.byMessageId.set(conversation.messageId, conversation);
    this.evictPastCapacity();
  }

  /**
   * Registers a status as `DefaultConversationService.registerStatus`: a repeat is dropped silently (returns
   * undefined); LEVERT, LEST, FEIL and LEVETID_UTLOPT finish the conversation.
   */
  registerStatus(conversation: Conversation, status: StatusName, description?: string): StatusRecord | undefined {
    if (conversation.statusNames.has(status)) {
      return undefined;
    }
    conversation.statusNames.add(status);
    const record: StatusRecord = {
      id: this.nextId(),
      convId: conversation.id,
      status,
      lastUpdateMs: Date.now(),
    };
    if (description !== undefined) {
      record.description = description;
    }
    const commit = (): void => {
      if (this.conversations.get(conversation.id) !== conversation) {
        return;
      }
      conversation.statuses.push(record);
      this.statuses.set(record.id, record);
      conversation.lastUpdateMs = Date.now();
      if (FINISHING.has(status)) {
        conversation.finished = true;
      }
      if ((this.settings.statusQueueIncludes as readonly string[]).includes(conversation.serviceIdentifier)) {
        this.enqueueStatus(record.id);
      }
    };
    const delay = this.settings.statusCommitDelayMs;
    if (delay > 0) {
      this.announce(conversation, record);
      this.timers.after(delay, commit);
    } else {
      commit();
      this.announce(conversation, record);
    }
    return record;
  }

  private announce(conversation: Conversation, record: StatusRecord): void {
    for (const listener of this.announced) {
      listener(conversation, record);
    }
  }

  private enqueueStatus(id: number): void {
    this.statusQueue.set(id, true);
    if (this.statusQueue.size > 100_000) {
      const oldest = this.statusQueue.keys().next();
      if (!oldest.done) {
        this.statusQueue.delete(oldest.value);
      }
    }
  }

  /** `StatusQueue.receiveStatus`: a browse, so the head stays until it is deleted. */
  peekQueue(): StatusRecord | undefined {
    for (const id of this.statusQueue.keys()) {
      const status = this.statuses.get(id);
      if (status !== undefined) {
        return status;
      }
      this.statusQueue.delete(id);
    }
    return undefined;
  }

  removeFromQueue(id: number): boolean {
    return this.statusQueue.delete(id);
  }

  queueLength(): number {
    return this.statusQueue.size;
  }

  clear(): void {
    this.conversations.clear();
    this.byMessageId.clear();
    this.outMessages.clear();
    this.statuses.clear();
    this.statusQueue.clear();
    this.contents.clear();
  }

  /** `DELETE /api/conversations/...`: unlike deleting the out-message, this frees the messageId. */
  deleteConversation(messageId: string): void {
    const conversation = this.byMessageId.get(messageId);
    if (conversation !== undefined) {
      this.removeConversation(conversation);
    }
  }

  private removeConversation(conversation: Conversation): void {
    this.conversations.delete(conversation.id);
    this.byMessageId.delete(conversation.messageId);
    this.outMessages.delete(conversation.messageId);
    for (const status of conversation.statuses) {
      this.statuses.delete(status.id);
      this.statusQueue.delete(status.id);
    }
    for (const file of conversation.trace.files) {
      if (file.filename !== null) {
        this.contents.remove(`${conversation.messageId}\u0000${file.filename}`);
      }
    }
  }

  /** Past capacity, drop about a tenth: the oldest finished conversations first, then the oldest. */
  private evictPastCapacity(): void {
    const capacity = this.settings.capacity;
    if (this.conversations.size <= capacity) {
      return;
    }
    const target = Math.max(1, this.conversations.size - capacity + Math.floor(capacity / 10));
    const victims = new Set<Conversation>();
    for (const conversation of this.conversations.values()) {
      if (victims.size >= target) {
        break;
      }
      if (conversation.finished) {
        victims.add(conversation);
      }
    }
    for (const conversation of this.conversations.values()) {
      if (victims.size >= target) {
        break;
      }
      victims.add(conversation);
    }
    for (const conversation of victims) {
      this.removeConversation(conversation);
    }
  }
}
