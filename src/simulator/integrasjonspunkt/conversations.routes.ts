import type { Request, Router } from 'express';
import { bindingTypeMismatch, conversationJson, pathLong, queryString, type IpContext } from './ip.context';
import { ipErrors, springErrors, type SpringFieldError } from './ip.errors';
import { zoneOffsetSeconds } from './ip-time';
import type { Conversation } from './ip.store';
import { parsePageable, sortItems, toPage, type SortValue } from './spring-page';

const CONVERSATION_PROPERTIES: Record<string, (c: Conversation) => SortValue> = {
  id: (c) => c.id,
  conversationId: (c) => c.conversationId,
  messageId: (c) => c.messageId,
  sender: (c) => c.sender,
  senderIdentifier: (c) => c.senderIdentifier,
  receiver: (c) => c.receiver,
  receiverIdentifier: (c) => c.receiverIdentifier,
  processIdentifier: (c) => c.processIdentifier,
  documentIdentifier: (c) => c.documentIdentifier,
  messageReference: (c) => c.messageReference,
  messageTitle: (c) => c.messageTitle ?? undefined,
  lastUpdate: (c) => c.lastUpdateMs,
  finished: (c) => c.finished,
  expiry: (c) => c.expiryMs,
  direction: () => 'OUTGOING',
  serviceIdentifier: (c) => c.serviceIdentifier,
};

const STRING_FILTERS = [
  'conversationId',
  'messageId',
  'receiver',
  'receiverIdentifier',
  'sender',
  'senderIdentifier',
  'serviceIdentifier',
  'messageReference',
  'messageTitle',
] as const;

/** The IP polls a DPO/DPV conversation's status from SENDT until it is finished. */
function isPollable(c: Conversation): boolean {
  return c.statusNames.has('SENDT') && !c.finished && (c.serviceIdentifier === 'DPO' || c.serviceIdentifier === 'DPV');
}

/** Start of a calendar day in the simulator's zone. */
function dayStart(text: string, zone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) {
    return undefined;
  }
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(utc).getUTCDate() !== Number(m[3])) {
    return undefined;
  }
  return utc - zoneOffsetSeconds(zone, utc) * 1000;
}

/** `ConversationQueryInput` bound from the query string. */
function conversationFilter(req: Request, ctx: IpContext): (c: Conversation) => boolean {
  const errors: SpringFieldError[] = [];
  const checks: ((c: Conversation) => boolean)[] = [];
  for (const key of STRING_FILTERS) {
    const wanted = queryString(req, key);
    if (wanted !== undefined) {
      checks.push((c) => CONVERSATION_PROPERTIES[key](c) === wanted);
    }
  }
  for (const key of ['finished', 'pollable'] as const) {
    const text = queryString(req, key);
    if (text === undefined || text === '') {
      continue;
    }
    if (!['true', 'false', 'on', 'off', 'yes', 'no', '1', '0'].includes(text.toLowerCase())) {
      errors.push(
        bindingTypeMismatch(
          'conversationQueryInput',
          key,
          'java.lang.Boolean',
          text,
          `Invalid boolean value [${text}]`,
        ),
      );
      continue;
    }
    const wanted = ['true', 'on', 'yes', '1'].includes(text.toLowerCase());
    checks.push((c) => (key === 'finished' ? c.finished : isPollable(c)) === wanted);
  }
  const direction = queryString(req, 'direction');
  if (direction !== undefined && direction !== '') {
    if (direction !== 'INCOMING' && direction !== 'OUTGOING') {
      errors.push(
        bindingTypeMismatch(
          'conversationQueryInput',
          'direction',
          'no.difi.meldingsutveksling.status.ConversationDirection',
          direction,
          `No enum constant no.difi.meldingsutveksling.status.ConversationDirection.${direction}`,
        ),
      );
    } else {
      checks.push(() => direction === 'OUTGOING');
    }
  }
  for (const key of ['lastUpdateFrom', 'lastUpdateTo'] as const) {
    const text = queryString(req, key);
    if (text === undefined || text === '') {
      continue;
    }
    const start = dayStart(text, ctx.settings.timeZone);
    if (start === undefined) {
      errors.push(
        bindingTypeMismatch(
          'conversationQueryInput',
          key,
          'java.time.LocalDate',
          text,
          `Parse attempt failed for value [${text}]`,
        ),
      );
      continue;
    }
    checks.push((c) => (key === 'lastUpdateFrom' ? c.lastUpdateMs >= start : c.lastUpdateMs < start + 86_400_000));
  }
  if (errors.length > 0) {
    throw springErrors.argumentNotValid('conversationQueryInput', errors);
  }
  return (c) => checks.every((check) => check(c));
}

/** ConversationController: outgoing conversations only (the simulator has no incoming ones). */
export function registerConversationRoutes(router: Router, ctx: IpContext): void {
  router.get('/api/conversations', (req, res) => {
    const pageable = parsePageable(req.query, [{ property: 'lastUpdate', direction: 'DESC' }]);
    const filter = conversationFilter(req, ctx);
    const sorted = sortItems(
      ctx.store.allConversations().filter(filter),
      pageable.sort,
      'Conversation',
      CONVERSATION_PROPERTIES,
    );
    res.json(toPage(sorted, pageable, (c) => conversationJson(ctx, c)));
  });

  router.get('/api/conversations/queue', (req, res) => {
    const pageable = parsePageable(req.query, [{ property: 'lastUpdate', direction: 'DESC' }]);
    const sorted = sortItems(
      ctx.store.allConversations().filter(isPollable),
      pageable.sort,
      'Conversation',
      CONVERSATION_PROPERTIES,
    );
    res.json(toPage(sorted, pageable, (c) => conversationJson(ctx, c)));
  });

  router.get('/api/conversations/messageId/:messageId', (req, res) => {
    const conversation = ctx.store.conversationByMessageId(req.params.messageId);
    if (conversation === undefined) {
      throw ipErrors.messageNotFound(req.params.messageId);
    }
    res.json(conversationJson(ctx, conversation));
  });

  router.delete('/api/conversations/messageId/:messageId', (req, res) => {
    ctx.store.deleteConversation(req.params.messageId);
    res.status(200).end();
  });

  router.get('/api/conversations/:id', (req, res) => {
    const id = pathLong(req.params.id);
    const conversation = ctx.store.conversation(id);
    if (conversation === undefined) {
      throw ipErrors.conversationNotFound(id);
    }
    res.json(conversationJson(ctx, conversation));
  });

  router.delete('/api/conversations/:id', (req, res) => {
    const conversation = ctx.store.conversation(pathLong(req.params.id));
    if (conversation !== undefined) {
      ctx.store.deleteConversation(conversation.messageId);
    }
    res.status(200).end();
  });
}
