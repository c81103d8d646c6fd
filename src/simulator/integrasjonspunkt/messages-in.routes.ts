import type { Request, Router } from 'express';
import { queryString, type IpContext } from './ip.context';
import { IpHttpError, ipErrors, springErrors } from './ip.errors';
import { RECEIPT_TYPES, type IncomingFilter, type IncomingMessage } from './incoming-queue';
import { parsePageable, sortItems, toPage } from './spring-page';

/** The IP's `ServiceIdentifier` values: the filter is `ServiceIdentifier.valueOf`, so anything else is a 500. */
const SERVICE_IDENTIFIERS = new Set(['DPO', 'DPV', 'DPI', 'DPF', 'DPFIO', 'DPE', 'DPH', 'UNKNOWN']);
const ASIC_FILE = 'asic.zip';
const MIMETYPE_ASICE = 'application/vnd.etsi.asic-e+zip';

const IN_MESSAGE_PROPERTIES: Record<string, (m: IncomingMessage) => string | number | undefined> = {
  id: (m) => m.id,
  messageId: (m) => m.messageId,
  conversationId: (m) => m.conversationId,
  processIdentifier: (m) => m.processIdentifier,
  receiverIdentifier: (m) => m.receiverIdentifier,
  senderIdentifier: (m) => m.senderIdentifier,
  serviceIdentifier: (m) => m.serviceIdentifier,
};

/** `NextMoveInMessageQueryInput`, bound from the query. */
function filterOf(req: Request): IncomingFilter {
  const serviceIdentifier = queryString(req, 'serviceIdentifier');
  if (serviceIdentifier !== undefined && !SERVICE_IDENTIFIERS.has(serviceIdentifier)) {
    throw springErrors.internal(
      'java.lang.IllegalArgumentException',
      `No enum constant no.difi.meldingsutveksling.ServiceIdentifier.${serviceIdentifier}`,
    );
  }
  return {
    conversationId: queryString(req, 'conversationId'),
    messageId: queryString(req, 'messageId'),
    receiverIdentifier: queryString(req, 'receiverIdentifier'),
    senderIdentifier: queryString(req, 'senderIdentifier'),
    serviceIdentifier,
    process: queryString(req, 'process'),
  };
}

/** Pop and DELETE need the message and its lock (`MessageNotLockedException` otherwise). */
function lockedMessage(ctx: IpContext, messageId: string): IncomingMessage {
  const message = ctx.incoming.get(messageId);
  if (message === undefined) {
    throw ipErrors.messageNotFound(messageId);
  }
  if (!ctx.incoming.isLocked(message)) {
    throw new IpHttpError(
      400,
      'no.difi.meldingsutveksling.exceptions.MessageNotLockedException',
      `Message with messageId = ${messageId} was not locked`,
    );
  }
  return message;
}

/** `NextMoveMessageInController`: the client's side of the incoming queue. */
export function registerMessageInRoutes(router: Router, ctx: IpContext): void {
  router.get('/api/messages/in', (req, res) => {
    const pageable = parsePageable(req.query, []);
    const messages = ctx.incoming.find(filterOf(req));
    const sorted = sortItems(messages, pageable.sort, 'NextMoveInMessage', IN_MESSAGE_PROPERTIES);
    res.json(toPage(sorted, pageable, (m) => m.sbd));
  });

  router.get('/api/messages/in/peek', (req, res) => {
    const message = ctx.incoming.peek(filterOf(req));
    if (message === undefined) {
      throw ipErrors.noContent();
    }
    res.json(message.sbd);
  });

  router.get('/api/messages/in/pop/:messageId', (req, res) => {
    const message = lockedMessage(ctx, req.params.messageId);
    message.pops += 1;
    if (RECEIPT_TYPES.has(message.type) || message.asic === undefined) {
      // A receipt has no ASiC: the whole of it is the SBD the peek returned.
      res.status(204).end();
      return;
    }
    res.setHeader('Content-Disposition', `attachment; filename=${ASIC_FILE}`);
    res.status(200).type(MIMETYPE_ASICE).send(message.asic);
  });

  router.delete('/api/messages/in/:messageId', (req, res) => {
    const message = lockedMessage(ctx, req.params.messageId);
    ctx.incoming.remove(message.messageId);
    res.json(message.sbd);
  });
}
