import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { OutboundHttp } from '../http/outbound-http';
import type { Metrics } from '../ops/metrics';
import { describeNetworkError, mediaType, readBodyLimited, snippet } from '../http/read-body';
import { retryAfterSeconds } from '../http/retry-after';
import type { PeerOutcomeRecorder } from '../http/peer-outcome';
import { IpError, ipOutcome, kindOfAnswer, type IpOperation } from './integrasjonspunkt.errors';
import {
  capabilitiesSchema,
  conversationSchema,
  ipErrorBodySchema,
  messageStatusSchema,
  pageFrameSchema,
  RECEIPT_PROCESS,
  receiptSbdSchema,
  subscriptionSchema,
  type Capabilities,
  type Conversation,
  type MessageStatus,
  type Page,
  type Receipt,
} from './integrasjonspunkt.schemas';
import type { StandardBusinessDocument } from './sbd.builder';
import { foldToAscii } from '../melding/ascii-fold';

const MAX_JSON_BYTES = 32 * 1024 * 1024;
const MAX_ERROR_BYTES = 64 * 1024;

export interface UploadFile {
  filename: string;
  /** Required by DPV; we always send one. */
  title: string;
  contentType: string;
  body: Readable | Buffer | string;
  /** Sent as Content-Length so the IP checks its size limit before the body; null streams chunked. */
  contentLength: number | null;
}

export type QueuedStatus =
  { id: number; status: MessageStatus } | { id: number; rejected: { raw: unknown; reason: string } };

/**
 * A peeked receipt, now locked for us at the IP; or an incoming message in our conversation that is no readable
 * receipt, with its messageId when it has one (the reader leaves it locked: it is logged, never deleted).
 */
export type PeekedReceipt = { receipt: Receipt } | { rejected: { raw: unknown; reason: string; messageId?: string } };

export interface StatusQuery {
  fromDateTime?: string;
  toDateTime?: string;
  status?: string;
  messageId?: string;
  page?: number;
  size?: number;
}

export interface SubscriptionRequest {
  name: string;
  pushEndpoint: string;
  resource: 'all' | 'messages';
  event: 'all' | 'status';
  filter?: string;
}

/**
 * Pauses before the second and third try of an idempotent read answered 5xx. A forward try makes several IP
 * calls in a row and fails whole on one error, then waits a doubling backoff of up to 5 min: at a 30 % 5xx rate
 * most tries failed somewhere, and the unluckiest forsendelser waited for hours (test/faults, network-faults).
 */
const READ_RETRY_PAUSES_MS = [200, 1_000];

/** The only code that knows the integrasjonspunkt's eFormidling 2 API. */
export class IntegrasjonspunktClient {
  private readonly logger = new Logger('Integrasjonspunkt');
  private readonly authorization?: string;
  /** The path each operation last requested, for the words of its outcome ("404 at /api/…"). */
  private readonly lastPaths = new Map<IpOperation, string>();

  constructor(
    private readonly http: OutboundHttp,
    private readonly baseUrl: string,
    basicAuth?: { username: string; password: string },
    private readonly metrics?: Metrics,
    private readonly outcomes?: PeerOutcomeRecorder,
  ) {
    if (basicAuth) {
      this.authorization = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
    }
  }

  /** The receiver's capabilities, asked as the IP asks its service registry when a message is created. */
  async capabilities(orgnr: string, query: { process?: string; securityLevel?: number } = {}): Promise<Capabilities> {
    return this.observed('capabilities', async () => {
      const params = new URLSearchParams();
      if (query.process) {
        params.set('process', query.process);
      }
      if (query.securityLevel !== undefined) {
        params.set('securityLevel', String(query.securityLevel));
      }
      const search = params.size > 0 ? `?${params.toString()}` : '';
      return this.read('capabilities', undefined, () =>
        this.json('capabilities', 'GET', `/api/capabilities/${orgnr}${search}`, capabilitiesSchema),
      );
    });
  }

  async createMessage(sbd: StandardBusinessDocument): Promise<void> {
    return this.observed('create', async () => {
      const messageId = sbd.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier;
      const response = await this.call('create', 'POST', '/api/messages/out', {
        messageId,
        body: JSON.stringify(sbd),
        headers: { 'content-type': 'application/json' },
      });
      await this.expectOk('create', response, messageId);
    });
  }

  async upload(messageId: string, file: UploadFile): Promise<void> {
    return this.observed('upload', async () => {
      const headers: Record<string, string> = {
        'content-type': file.contentType,
        'content-disposition': `attachment; name="${quoted(file.title)}"; filename="${quoted(file.filename)}"`,
      };
      if (file.contentLength !== null) {
        headers['content-length'] = String(file.contentLength);
      }
      const response = await this.call('upload', 'PUT', `/api/messages/out/${messageId}`, {
        messageId,
        body: file.body,
        headers,
      });
      await this.expectOk('upload', response, messageId);
    });
  }

  /** Not idempotent at the IP: the caller records the request before calling (docs/architecture.md). */
  async send(messageId: string): Promise<void> {
    return this.observed('send', async () => {
      const response = await this.call('send', 'POST', `/api/messages/out/${messageId}`, { messageId });
      await this.expectOk('send', response, messageId);
    });
  }

  /**
   * Cancels an out-message: the IP removes it and its files but not the conversation, and answers 200 for an
   * unknown id too; a copy of it still waiting on the IP's send queue then fails for want of its files
   * (docs/peers/integrasjonspunkt.md, "What a send and a cancel do inside the IP").
   */
  async deleteOutMessage(messageId: string): Promise<void> {
    return this.observed('cancel', async () => {
      const response = await this.call('cancel', 'DELETE', `/api/messages/out/${messageId}`, { messageId });
      await this.expectOk('cancel', response, messageId);
    });
  }

  /** True if the IP still holds the unsent out-message. */
  async hasOutMessage(messageId: string): Promise<boolean> {
    return this.observed('get-message', async () => {
      return this.read('get-message', messageId, () => this.outMessageExists(messageId));
    });
  }

  private async outMessageExists(messageId: string): Promise<boolean> {
    const response = await this.call('get-message', 'GET', `/api/messages/out/${messageId}`, { messageId });
    if (response.statusCode === 404) {
      await response.body.dump();
      return false;
    }
    await this.expectOk('get-message', response, messageId);
    return true;
  }

  async conversationByMessageId(messageId: string): Promise<Conversation | null> {
    return this.observed('conversation', async () => {
      return this.read('conversation', messageId, () => this.conversation(messageId));
    });
  }

  private async conversation(messageId: string): Promise<Conversation | null> {
    const response = await this.call('conversation', 'GET', `/api/conversations/messageId/${messageId}`, { messageId });
    if (response.statusCode === 404) {
      await response.body.dump();
      return null;
    }
    return this.parse('conversation', response, conversationSchema, messageId);
  }

  async statuses(query: StatusQuery): Promise<Page<MessageStatus>> {
    return this.observed('statuses', async () => {
      const params = new URLSearchParams({ sort: 'id,asc' });
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined) {
          params.set(key, String(value));
        }
      }
      // URLSearchParams writes '+' as %2B, which the IP needs (a raw '+' reads as a space and gives 400).
      return this.statusPage(`/api/statuses?${params.toString()}`);
    });
  }

  async statusesOfMessage(messageId: string, page = 0, size = 100): Promise<Page<MessageStatus>> {
    return this.observed('statuses', async () => {
      return this.statusPage(`/api/statuses/${encodeURIComponent(messageId)}?page=${page}&size=${size}`, messageId);
    });
  }

  /** The next queued status, or null (204). An unreadable one comes back with its id, so it can be removed. */
  async peekStatus(): Promise<QueuedStatus | null> {
    return this.observed('status-queue', async () => {
      const response = await this.call('status-queue', 'GET', '/api/statuses/peek', {});
      if (response.statusCode === 204) {
        await response.body.dump();
        return null;
      }
      const raw = await this.parse('status-queue', response, z.object({ id: z.number().int() }).loose());
      const status = messageStatusSchema.safeParse(raw);
      return status.success
        ? { id: raw.id, status: status.data }
        : { id: raw.id, rejected: { raw, reason: status.error.issues[0]?.message ?? 'invalid' } };
    });
  }

  async deleteStatus(id: number): Promise<void> {
    return this.observed('status-queue', async () => {
      const response = await this.call('status-queue', 'DELETE', `/api/statuses/${id}`, {});
      await this.expectOk('status-queue', response);
    });
  }

  /**
   * Locks the oldest unlocked receipt of this conversation in the IP's incoming queue and returns it, or null
   * (204). Always filtered by conversation and process: the queue is shared by every client of the IP, and a
   * peek without a filter would lock another client's message.
   */
  async peekReceipt(conversationId: string): Promise<PeekedReceipt | null> {
    return this.observed('receipts', async () => {
      const params = new URLSearchParams({ conversationId, process: RECEIPT_PROCESS });
      const response = await this.call('receipts', 'GET', `/api/messages/in/peek?${params.toString()}`, {});
      if (response.statusCode === 204) {
        await response.body.dump();
        return null;
      }
      const raw = await this.parse('receipts', response, z.unknown());
      const receipt = receiptSbdSchema.safeParse(raw);
      if (receipt.success) {
        return { receipt: receipt.data };
      }
      const issue = receipt.error.issues[0];
      return {
        rejected: {
          raw,
          reason: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid',
          messageId: instanceIdentifierOf(raw),
        },
      };
    });
  }

  /**
   * Removes an incoming message we hold the lock of (the IP answers its SBD, which we do not need). A receipt
   * needs no pop first: the IP's pop answers 204 for one (it has no ASiC), and DELETE asks only for the lock.
   */
  async deleteIncoming(messageId: string): Promise<void> {
    return this.observed('receipts', async () => {
      const response = await this.call('receipts', 'DELETE', `/api/messages/in/${encodeURIComponent(messageId)}`, {
        messageId,
      });
      await this.expectOk('receipts', response, messageId);
    });
  }

  async createSubscription(subscription: SubscriptionRequest): Promise<number> {
    return this.observed('subscriptions', async () => {
      const response = await this.call('subscriptions', 'POST', '/api/subscriptions', {
        body: JSON.stringify(subscription),
        headers: { 'content-type': 'application/json' },
      });
      return (await this.parse('subscriptions', response, subscriptionSchema)).id;
    });
  }

  /** The IP's subscriptions (first page of up to 2000: a bridge keeps one). */
  async listSubscriptions(): Promise<{ id: number; name?: string; pushEndpoint?: string }[]> {
    return this.observed('subscriptions', async () => {
      const frame = await this.json('subscriptions', 'GET', '/api/subscriptions?size=2000', pageFrameSchema);
      return frame.content.flatMap((raw) => {
        const parsed = subscriptionSchema.safeParse(raw);
        return parsed.success ? [parsed.data] : [];
      });
    });
  }

  private async statusPage(path: string, messageId?: string): Promise<Page<MessageStatus>> {
    const frame = await this.read('statuses', messageId, () =>
      this.json('statuses', 'GET', path, pageFrameSchema, messageId),
    );
    const page: Page<MessageStatus> = { content: [], rejected: [], last: frame.last, totalPages: frame.totalPages };
    for (const raw of frame.content) {
      const status = messageStatusSchema.safeParse(raw);
      if (status.success && !Number.isNaN(Date.parse(status.data.lastUpdate))) {
        page.content.push(status.data);
      } else {
        page.rejected.push({
          raw,
          reason: status.success ? 'lastUpdate is not a date-time' : (status.error.issues[0]?.message ?? 'invalid'),
        });
      }
    }
    return page;
  }

  /**
   * Reports how a call ended (readiness, `bridge_peer_last_outcome`): the one place where this client's outcomes
   * are recorded, after the reads' own tries.
   */
  private async observed<T>(operation: IpOperation, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.outcomes?.record({
        peer: 'integrasjonspunkt',
        operation,
        path: this.lastPaths.get(operation),
        outcome: 'ok',
      });
      return result;
    } catch (error) {
      if (error instanceof IpError) {
        this.outcomes?.record({
          peer: 'integrasjonspunkt',
          operation,
          path: this.lastPaths.get(operation),
          status: error.context.status,
          detail: error.message,
          ...ipOutcome(error),
        });
      }
      throw error;
    }
  }

  /**
   * An idempotent read, tried up to three times while the IP answers 5xx. Anything else (a 4xx, an unreadable
   * 200, a network error, which already waited HTTP_TIMEOUT_MS, a 500 that is an answer, a 503 with Retry-After,
   * which the job's backoff waits out) goes to the caller at once.
   */
  private async read<T>(operation: IpOperation, messageId: string | undefined, get: () => Promise<T>): Promise<T> {
    for (let tried = 0; ; tried += 1) {
      try {
        return await get();
      } catch (error) {
        const ipError = error instanceof IpError ? error : undefined;
        const status = ipError?.context.status;
        if (
          tried >= READ_RETRY_PAUSES_MS.length ||
          status === undefined ||
          status < 500 ||
          ipError?.kind !== 'retryable' ||
          ipError.context.retryAfterSeconds !== undefined
        ) {
          throw error;
        }
        this.logger.warn({
          msg: 'integrasjonspunkt read failed; trying again',
          peer: 'integrasjonspunkt',
          operation,
          messageId,
          status,
          error: (error as Error).message,
        });
        await sleep(READ_RETRY_PAUSES_MS[tried]);
      }
    }
  }

  private async json<T>(
    operation: IpOperation,
    method: 'GET',
    path: string,
    schema: z.ZodType<T>,
    messageId?: string,
  ): Promise<T> {
    const response = await this.call(operation, method, path, { messageId });
    return this.parse(operation, response, schema, messageId);
  }

  private async call(
    operation: IpOperation,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { messageId?: string; body?: Readable | Buffer | string; headers?: Record<string, string> },
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      'user-agent': this.http.userAgent,
      accept: 'application/json',
      ...options.headers,
    };
    if (this.authorization) {
      headers.authorization = this.authorization;
    }
    this.lastPaths.set(operation, URL.parse(`${this.baseUrl}${path}`)?.pathname ?? path);
    const done = this.metrics?.startCall('integrasjonspunkt', operation);
    try {
      const response = await request(`${this.baseUrl}${path}`, {
        method,
        dispatcher: this.http.dispatcher,
        headers,
        body: options.body,
      });
      done?.(response.statusCode);
      if (response.statusCode >= 200 && response.statusCode < 300 && mediaType(response.headers) === 'text/html') {
        // The IP's API never answers with a web page: a proxy or a login page did, and its 2xx is no yes from the IP.
        const text = await readBodyLimited(response.body, MAX_ERROR_BYTES).catch(() => '');
        throw new IpError(
          'retryable',
          `${operation} answered ${response.statusCode} with an HTML page, not the IP's answer: ${snippet(text)}`,
          { operation, messageId: options.messageId, status: response.statusCode },
        );
      }
      return response;
    } catch (cause) {
      if (cause instanceof IpError) {
        throw cause;
      }
      done?.('network');
      throw new IpError(
        'retryable',
        `${operation}: ${describeNetworkError(cause)}`,
        {
          operation,
          messageId: options.messageId,
        },
        { cause },
      );
    }
  }

  private async parse<T>(
    operation: IpOperation,
    response: Dispatcher.ResponseData,
    schema: z.ZodType<T>,
    messageId?: string,
  ): Promise<T> {
    if (response.statusCode !== 200) {
      throw await this.errorFrom(operation, response, messageId);
    }
    const text = await readBodyLimited(response.body, MAX_JSON_BYTES).catch((cause: unknown) => {
      throw new IpError('retryable', `${operation}: body unreadable: ${describeNetworkError(cause)}`, {
        operation,
        messageId,
        status: 200,
      });
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new IpError('retryable', `${operation}: the answer is not JSON (${snippet(text)})`, {
        operation,
        messageId,
        status: 200,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new IpError('retryable', `${operation}: unexpected answer at ${issue?.path.join('.')}: ${issue?.message}`, {
        operation,
        messageId,
        status: 200,
      });
    }
    return parsed.data;
  }

  private async expectOk(operation: IpOperation, response: Dispatcher.ResponseData, messageId?: string): Promise<void> {
    if (response.statusCode >= 200 && response.statusCode < 300) {
      await response.body.dump();
      return;
    }
    throw await this.errorFrom(operation, response, messageId);
  }

  private async errorFrom(
    operation: IpOperation,
    response: Dispatcher.ResponseData,
    messageId?: string,
  ): Promise<IpError> {
    const status = response.statusCode;
    const text = await readBodyLimited(response.body, MAX_ERROR_BYTES).catch(() => '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const body = ipErrorBodySchema.safeParse(json);
    const exception = body.success ? body.data.exception?.split('.').pop() : undefined;
    const message = body.success && body.data.message ? body.data.message : snippet(text);
    return new IpError(
      kindOfAnswer(status, exception, message),
      `${operation} answered ${status}${exception ? ` ${exception}` : ''}: ${message}`,
      {
        operation,
        messageId,
        status,
        exception,
        retryAfterSeconds: retryAfterSeconds(status, response.headers, Date.now()),
      },
    );
  }
}

/** The messageId of an SBD that failed its schema, if it has one where an SBD keeps it. */
function instanceIdentifierOf(raw: unknown): string | undefined {
  const id = (raw as { standardBusinessDocumentHeader?: { documentIdentification?: { instanceIdentifier?: unknown } } })
    ?.standardBusinessDocumentHeader?.documentIdentification?.instanceIdentifier;
  return typeof id === 'string' ? id : undefined;
}

/**
 * A Content-Disposition parameter value: HTTP headers are not UTF-8, so Norwegian letters are folded to
 * ASCII (the title inside arkivmelding.xml keeps them) and quotes and line breaks are replaced.
 */
function quoted(value: string): string {
  return foldToAscii(value).replace(/["\\]/g, '_');
}
