import { BoundedLog } from '../common/bounded-log';
import type { Conversation, StatusRecord } from './ip.store';
import { formatInZone } from './ip-time';
import { WebhookFaults } from './webhook-faults';

export interface Subscription {
  id: number;
  name: string;
  pushEndpoint: string;
  resource: string;
  event: string;
  filter?: string;
}

/** One push the simulator made, for `GET /_sim/webhooks`. */
export interface PushRecord {
  time: string;
  subscriptionId?: number;
  url: string;
  event: 'ping' | 'status';
  messageId?: string;
  status?: string;
  /** The endpoint's HTTP status, or 0 when it could not be reached (then `error`) or was dropped. */
  responseStatus: number;
  error?: string;
  /** Not sent: the drop fault was on. */
  dropped?: true;
}

export const FILTER_KEYS = ['status', 'serviceIdentifier', 'direction'] as const;

/** `WebhookFilterParser`: parts joined by `&`, each `name=value`; unknown names are errors. */
export function parseFilter(filter: string): { key: string; values: string[] }[] | undefined {
  const parts = filter.split('&');
  const parsed: { key: string; values: string[] }[] = [];
  for (const part of parts) {
    const match = /^(\w+)(=)(.+)$/.exec(part);
    if (match === null || !(FILTER_KEYS as readonly string[]).includes(match[1])) {
      return undefined;
    }
    parsed.push({ key: match[1], values: match[3].split(',') });
  }
  return parsed;
}

interface StatusEvent {
  createdTs: string;
  resource: 'messages';
  event: 'status';
  messageId: string;
  conversationId: string;
  direction: 'OUTGOING';
  serviceIdentifier: string;
  status: string;
  description?: string;
}

function matchesFilter(subscription: Subscription, content: StatusEvent): boolean {
  if (subscription.filter === undefined || subscription.filter.trim() === '') {
    return true;
  }
  const parts = parseFilter(subscription.filter) ?? [];
  return parts.every((part) => {
    const actual =
      part.key === 'status' ? content.status : part.key === 'direction' ? content.direction : content.serviceIdentifier;
    return part.values.some((v) => v.toLowerCase() === actual.toLowerCase());
  });
}

/**
 * Pushes webhook events as the IP's `WebhookPusher`/`UrlPusher`: a JSON POST per matching subscription,
 * no authentication, no retry; an unreachable endpoint or an error answer is only logged.
 */
export class WebhookPusher {
  readonly log = new BoundedLog<PushRecord>(10_000);
  readonly faults = new WebhookFaults();
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly subscriptions: () => Iterable<Subscription>,
    private readonly timeoutMs: () => number,
    private readonly timeZone: string,
  ) {}

  /** Sends the ping a new subscription gets; resolves when it is answered or failed (never rejects). */
  async ping(url: string): Promise<PushRecord> {
    const body = { createdTs: formatInZone(Date.now(), this.timeZone), event: 'ping' };
    return this.post(url, body, { event: 'ping' });
  }

  publishStatus(conversation: Conversation, status: StatusRecord): void {
    const content: StatusEvent = {
      createdTs: formatInZone(Date.now(), this.timeZone),
      resource: 'messages',
      event: 'status',
      messageId: conversation.messageId,
      conversationId: conversation.conversationId,
      direction: 'OUTGOING',
      serviceIdentifier: conversation.serviceIdentifier,
      status: status.status,
    };
    if (status.description !== undefined) {
      content.description = status.description;
    }
    for (const subscription of this.subscriptions()) {
      const resourceOk = subscription.resource === 'all' || subscription.resource === 'messages';
      const eventOk = subscription.event === 'all' || subscription.event === 'status';
      if (resourceOk && eventOk && matchesFilter(subscription, content)) {
        const meta = {
          event: 'status' as const,
          subscriptionId: subscription.id,
          messageId: conversation.messageId,
          status: status.status,
        };
        const sent = this.faults.dispatch(() => void this.post(subscription.pushEndpoint, content, meta));
        if (!sent) {
          this.log.push({
            time: new Date().toISOString(),
            url: subscription.pushEndpoint,
            responseStatus: 0,
            dropped: true,
            ...meta,
          });
        }
      }
    }
  }

  private async post(
    url: string,
    body: object,
    meta: Omit<PushRecord, 'time' | 'url' | 'responseStatus'>,
  ): Promise<PushRecord> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.timeoutMs());
    const record: PushRecord = { time: new Date().toISOString(), url, responseStatus: 0, ...meta };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      record.responseStatus = response.status;
      await response.body?.cancel();
    } catch (error) {
      record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
    this.log.push(record);
    return record;
  }

  /** Aborts pushes still waiting (on close, so the server stops promptly). */
  abortAll(): void {
    this.faults.discard();
    for (const controller of this.inFlight) {
      controller.abort();
    }
    this.inFlight.clear();
  }
}
