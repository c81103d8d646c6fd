import type { Request } from 'express';
import type { SeededRandom } from '../common/seeded-random';
import type { CapabilityRegistry } from './capability.registry';
import type { IncomingQueue } from './incoming-queue';
import type { IntegrasjonspunktSimulatorOptions } from './integrasjonspunkt-sim.options';
import { fieldError, springErrors, type SpringFieldError } from './ip.errors';
import { formatInZone } from './ip-time';
import type { Conversation, IpStore, StatusRecord } from './ip.store';
import type { StatusProgression } from './status-progression';
import type { TimerSet } from './timer-set';
import type { TtlWatcher } from './ttl.watcher';
import type { SendFaults } from './send-faults';
import type { UploadHangs } from './upload-hangs';
import type { BusyAnswers } from './busy-answers';
import type { Subscription, WebhookPusher } from './webhook.pusher';

/** The simulator's parts, shared by its route files. */
export interface IpContext {
  settings: IntegrasjonspunktSimulatorOptions;
  store: IpStore;
  registry: CapabilityRegistry;
  progression: StatusProgression;
  ttl: TtlWatcher;
  subscriptions: Map<number, Subscription>;
  pusher: WebhookPusher;
  random: SeededRandom;
  timers: TimerSet;
  uploadHangs: UploadHangs;
  incoming: IncomingQueue;
  sendFaults: SendFaults;
  busy: BusyAnswers;
}

export function timeText(ctx: IpContext, epochMs: number): string {
  return formatInZone(epochMs, ctx.settings.timeZone);
}

/** MessageStatus in `Views.MessageStatus` (the statuses API). */
export function statusJson(ctx: IpContext, status: StatusRecord): Record<string, unknown> {
  const conversation = ctx.store.conversation(status.convId);
  const json: Record<string, unknown> = {
    id: status.id,
    convId: status.convId,
    messageId: conversation?.messageId,
    conversationId: conversation?.conversationId,
    status: status.status,
  };
  if (status.description !== undefined) {
    json.description = status.description;
  }
  json.lastUpdate = timeText(ctx, status.lastUpdateMs);
  return json;
}

/**
 * Conversation in `Views.Conversation`. Its statuses come from a Hibernate Set in no fixed order; the
 * simulator shuffles them (seeded) so a client that forgets to sort by id fails here, not in production.
 */
export function conversationJson(ctx: IpContext, conversation: Conversation): Record<string, unknown> {
  const statuses = [...conversation.statuses];
  for (let i = statuses.length - 1; i > 0; i--) {
    const j = Math.floor(ctx.random.next() * (i + 1));
    [statuses[i], statuses[j]] = [statuses[j], statuses[i]];
  }
  const json: Record<string, unknown> = {
    id: conversation.id,
    conversationId: conversation.conversationId,
    messageId: conversation.messageId,
    sender: conversation.sender,
    senderIdentifier: conversation.senderIdentifier,
    receiver: conversation.receiver,
    receiverIdentifier: conversation.receiverIdentifier,
    processIdentifier: conversation.processIdentifier,
    documentIdentifier: conversation.documentIdentifier,
    messageReference: conversation.messageReference,
    messageTitle: conversation.messageTitle ?? undefined,
    lastUpdate: timeText(ctx, conversation.lastUpdateMs),
    finished: conversation.finished,
    expiry: timeText(ctx, conversation.expiryMs),
    direction: 'OUTGOING',
    serviceIdentifier: conversation.serviceIdentifier,
    messageStatuses: statuses.map((s) => {
      const status: Record<string, unknown> = { id: s.id, lastUpdate: timeText(ctx, s.lastUpdateMs), status: s.status };
      if (s.description !== undefined) {
        status.description = s.description;
      }
      return status;
    }),
  };
  return json;
}

function firstQueryValue(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    return firstQueryValue(value[0]);
  }
  return typeof value === 'string' ? value : undefined;
}

export function queryString(req: Request, name: string): string | undefined {
  return firstQueryValue(req.query[name]);
}

/** A Long path variable: junk is Spring's MethodArgumentTypeMismatchException (400). */
export function pathLong(value: string): number {
  if (!/^[+-]?\d{1,18}$/.test(value)) {
    throw springErrors.typeMismatch(value, 'java.lang.Long');
  }
  return Number(value);
}

/** A failed conversion while binding query parameters onto a `@ModelAttribute` (bindingFailure: true). */
export function bindingTypeMismatch(
  objectName: string,
  field: string,
  javaType: string,
  value: string,
  detail: string,
): SpringFieldError {
  const error = fieldError(
    objectName,
    field,
    'typeMismatch',
    `Failed to convert property value of type 'java.lang.String' to required type '${javaType}' for property '${field}'; ${detail}`,
    value,
  );
  error.codes = [
    `typeMismatch.${objectName}.${field}`,
    `typeMismatch.${field}`,
    `typeMismatch.${javaType}`,
    'typeMismatch',
  ];
  error.bindingFailure = true;
  return error;
}

/** Reads a request body up to a cap (the JSON endpoints; file uploads stream instead). */
export async function readSmallBody(req: Request, capBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > capBytes) {
      throw springErrors.notReadable(`JSON parse error: request body larger than ${capBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Spring's Jackson converter takes application/json and application/*+json; anything else is 415. */
export function requireJsonContentType(req: Request): void {
  const contentType = req.headers['content-type'];
  if (contentType === undefined || contentType.trim() === '') {
    throw springErrors.mediaTypeNotSupported('application/octet-stream');
  }
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json' && !/^application\/[^/]+\+json$/.test(mediaType)) {
    throw springErrors.mediaTypeNotSupported(contentType);
  }
}
