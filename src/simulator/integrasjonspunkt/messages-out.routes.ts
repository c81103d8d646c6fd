import type { Response, Router } from 'express';
import { ARKIVMELDING_FILE } from './arkivmelding.reader';
import { lookupFailure, srParameterText } from './capabilities.routes';
import { handleUpload } from './file-upload.handler';
import { createFromMultipart, isMultipartRequest } from './multipart-send.handler';
import { queryString, readSmallBody, requireJsonContentType, type IpContext } from './ip.context';
import { IpHttpError, ipErrors, springErrors } from './ip.errors';
import { compareIpDateTime, formatIpDateTime, instant, parseIsoDateTime } from './ip-time';
import type { Conversation, OutMessage } from './ip.store';
import type { ProxyError } from './send-faults';
import { parsePageable, sortItems, toPage } from './spring-page';
import {
  completeSbd,
  conversationScope,
  deserializeSbd,
  documentStandard,
  expectedResponseDateTime,
  messageIdOf,
  parsePartnerId,
  receiverValue,
  senderValue,
  validateSbdBean,
  type DeserializedSbd,
  type JsonObject,
} from './sbd.validation';
import { TTL_DESCRIPTION } from './status-progression';

const ENABLED_SERVICES = new Set(['DPO', 'DPF', 'DPV']);
/** Message types that need no attachment (`SBDUtil.isFileRequired`). */
const NO_FILE_TYPES = new Set([
  'status',
  'arkivmelding_kvittering',
  'einnsyn_kvittering',
  'dialogmelding_kvittering',
  'avtalt',
]);

function stringField(holder: JsonObject | undefined, key: string): string | undefined {
  const value = holder?.[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `ServiceRecordProvider.getServiceIdentifier`: the receiver's service record for the process that lists
 * the SBD's document standard. No receiver → UNKNOWN (refused later as not enabled).
 */
function resolveService(ctx: IpContext, sbd: DeserializedSbd): string {
  const receiver = receiverValue(sbd.header);
  if (receiver === undefined) {
    return 'UNKNOWN';
  }
  const scope = conversationScope(sbd.header);
  if (scope === undefined) {
    throw springErrors.internal('java.lang.IllegalStateException', 'SBD missing process');
  }
  const process = stringField(scope, 'identifier');
  if (process === undefined || process === '') {
    throw springErrors.internal(
      'java.lang.IllegalArgumentException',
      'Cannot determine documentType with missing process parameter',
    );
  }
  const partner = parsePartnerId(receiver);
  if (partner === undefined) {
    throw springErrors.internal('java.lang.IllegalArgumentException', `Unable to parse identifier = '${receiver}'`);
  }
  const sikkerhetsnivaa = sbd.business.sikkerhetsnivaa;
  const conversationId = stringField(scope, 'instanceIdentifier');
  const securityLevel =
    sbd.businessKey === 'arkivmelding' && typeof sikkerhetsnivaa === 'number' ? sikkerhetsnivaa : undefined;
  const parameters = srParameterText({
    identifier: partner.primary,
    process,
    securityLevel,
    conversationId: conversationId === '' ? undefined : conversationId,
  });
  const lookup = ctx.registry.serviceRecords(partner.primary, { process, securityLevel });
  if (lookup.kind === 'not-found') {
    throw ipErrors.receiverDoesNotAcceptProcess(process, `Service record not found for parameters: ${parameters}`);
  }
  if (lookup.kind === 'security-level-refused') {
    throw ipErrors.receiverDoesNotAcceptProcess(process, lookupFailure(parameters, lookup.description));
  }
  const standard = documentStandard(sbd.header);
  const record = lookup.records.find((r) => r.documentTypes.some((d) => d.standard === standard));
  if (record === undefined) {
    throw ipErrors.receiverDoesNotAcceptProcess(
      process,
      `Error looking up service record with document type '${standard}' and parameters: ${parameters}`,
    );
  }
  return record.serviceIdentifier;
}

/** `NextMoveValidator.validate(StandardBusinessDocument)`, in its order. */
function validateNewMessage(ctx: IpContext, sbd: DeserializedSbd, messageId: string, service: string): void {
  if (ctx.store.outMessage(messageId) !== undefined || ctx.store.conversationByMessageId(messageId) !== undefined) {
    throw ipErrors.messageAlreadyExists(messageId);
  }
  if (service === 'DPF' && sbd.businessKey === 'arkivmelding' && typeof sbd.business.sikkerhetsnivaa !== 'number') {
    // Asserter with the DPF validation group: a ConstraintViolationException, answered 400 with `errors`.
    throw new IpHttpError(
      400,
      'jakarta.validation.ConstraintViolationException',
      'any.sikkerhetsnivaa: must not be null',
      {
        errors: [
          {
            codes: ['NotNull'],
            defaultMessage: 'must not be null',
            objectName: 'any.sikkerhetsnivaa',
            field: 'any.sikkerhetsnivaa',
            bindingFailure: false,
            code: 'NotNull',
          },
        ],
      },
    );
  }
  if (!ENABLED_SERVICES.has(service)) {
    throw ipErrors.serviceNotEnabled(service);
  }
  const standard = documentStandard(sbd.header);
  if (!standard.endsWith(`::${sbd.type}`)) {
    throw ipErrors.messageTypeDoesNotFitDocumentType(sbd.type, standard);
  }
}

function createMessage(ctx: IpContext, sbd: DeserializedSbd): OutMessage {
  const now = Date.now();
  validateSbdBean(sbd, now);
  const service = resolveService(ctx, sbd);
  completeSbd(sbd, {
    orgnr: ctx.settings.orgnr,
    zone: ctx.settings.timeZone,
    now,
    newUuid: () => ctx.random.uuid(),
  });
  const messageId = messageIdOf(sbd.header) as string;
  validateNewMessage(ctx, sbd, messageId, service);

  const scope = conversationScope(sbd.header) as JsonObject;
  const expiryText = expectedResponseDateTime(sbd.header) as string;
  const expiry = parseIsoDateTime(expiryText, ctx.settings.timeZone) ?? instant(now + 24 * 3600 * 1000);
  const document: JsonObject = { standardBusinessDocumentHeader: sbd.header, [sbd.businessKey]: sbd.business };
  const sender = senderValue(sbd.header);
  const receiver = receiverValue(sbd.header) as string;
  const conversationId = stringField(scope, 'instanceIdentifier') as string;
  const out: OutMessage = {
    id: ctx.store.nextId(),
    messageId,
    conversationId,
    processIdentifier: stringField(scope, 'identifier') as string,
    receiverIdentifier: parsePartnerId(receiver)?.primary,
    serviceIdentifier: service,
    sbd: document,
    type: sbd.type,
    files: [],
    expiry,
    expiryText: formatIpDateTime(expiry),
  };
  const conversation: Conversation = {
    id: ctx.store.nextId(),
    conversationId,
    messageId,
    sender,
    senderIdentifier: sender === undefined ? undefined : parsePartnerId(sender)?.partOrPrimary,
    receiver,
    receiverIdentifier: parsePartnerId(receiver)?.primary,
    processIdentifier: stringField(scope, 'identifier') as string,
    documentIdentifier: documentStandard(sbd.header),
    // Conversation.of passes the conversationId as messageReference; an arkivmelding.xml may replace it.
    messageReference: conversationId,
    messageTitle: '',
    lastUpdateMs: now,
    finished: false,
    expiryMs: expiry.epochMs,
    serviceIdentifier: service,
    statuses: [],
    statusNames: new Set(),
    trace: {
      type: sbd.type,
      createdMs: now,
      files: out.files,
      sendAccepted: 0,
      sendRejected: 0,
      sendFailed: { beforeQueue: 0, afterQueue: 0 },
      copiesPending: 0,
      copiesDelivered: 0,
      copiesFailed: 0,
    },
  };
  ctx.store.addOutMessage(out);
  ctx.store.addConversation(conversation);
  ctx.store.registerStatus(conversation, 'OPPRETTET');
  ctx.ttl.watch(conversation);
  return out;
}

/** `NextMoveValidator.validate(NextMoveOutMessage)`, the checks before a send is queued. */
function validateSend(ctx: IpContext, out: OutMessage, conversation: Conversation): void {
  if (!NO_FILE_TYPES.has(out.type) && out.files.length === 0) {
    throw ipErrors.missingFile();
  }
  if (compareIpDateTime(out.expiry, instant(Date.now())) < 0) {
    ctx.store.registerStatus(conversation, 'LEVETID_UTLOPT', TTL_DESCRIPTION);
    throw ipErrors.timeToLive(out.expiryText);
  }
  if (out.type !== 'arkivmelding') {
    return;
  }
  if (!out.files.some((f) => f.filename === ARKIVMELDING_FILE) || out.arkivmelding === undefined) {
    throw ipErrors.missingArkivmelding();
  }
  const referenced = out.arkivmelding.referencedFiles;
  if (referenced instanceof IpHttpError) {
    throw referenced;
  }
  const uploaded = new Set(out.files.map((f) => f.filename));
  const missing = referenced.filter((name) => !uploaded.has(name));
  if (missing.length > 0) {
    throw ipErrors.missingArkivmeldingFile(missing.map((m) => m ?? 'null').join(','));
  }
}

/** A failed send's answer: the IP's error JSON, or the HTML page of a proxy in front of it. */
function answerSendFault(res: Response, error: IpHttpError | ProxyError): void {
  if (error instanceof IpHttpError) {
    throw error;
  }
  res.status(error.status).type('text/html').send(error.html());
}

const OUT_MESSAGE_PROPERTIES: Record<string, (m: OutMessage) => string | number | undefined> = {
  id: (m) => m.id,
  messageId: (m) => m.messageId,
  conversationId: (m) => m.conversationId,
  processIdentifier: (m) => m.processIdentifier,
  receiverIdentifier: (m) => m.receiverIdentifier,
  serviceIdentifier: (m) => m.serviceIdentifier,
};

export function registerMessageOutRoutes(router: Router, ctx: IpContext): void {
  router.post('/api/messages/out', async (req, res) => {
    requireJsonContentType(req);
    const text = (await readSmallBody(req, 20 * 1024 * 1024)).toString('utf8');
    const out = createMessage(ctx, deserializeSbd(text, ctx.settings.sbdShapeErrorStatus, ctx.settings.timeZone));
    res.json(out.sbd);
  });

  router.get('/api/messages/out', (req, res) => {
    const pageable = parsePageable(req.query, []);
    const filters = ['messageId', 'conversationId', 'receiverIdentifier', 'serviceIdentifier', 'processIdentifier'];
    const messages = ctx.store.allOutMessages().filter((m) =>
      filters.every((f) => {
        const wanted = queryString(req, f);
        return wanted === undefined || String(OUT_MESSAGE_PROPERTIES[f](m)) === wanted;
      }),
    );
    const sorted = sortItems(messages, pageable.sort, 'NextMoveOutMessage', OUT_MESSAGE_PROPERTIES);
    res.json(toPage(sorted, pageable, (m) => m.sbd));
  });

  router.get('/api/messages/out/:messageId', (req, res) => {
    const out = ctx.store.outMessage(req.params.messageId);
    if (out === undefined) {
      throw ipErrors.messageNotFound(req.params.messageId);
    }
    res.json(out.sbd);
  });

  router.delete('/api/messages/out/:messageId', (req, res) => {
    // NextMoveMessageService.deleteMessage: the files, then the out-message row if there is one (an unknown id
    // is no error). The conversation and its statuses stay, so the messageId is not freed; a copy already
    // queued fails when its turn comes (its files are gone), one already transmitting goes out.
    ctx.store.deleteOutMessage(req.params.messageId, 'client');
    res.status(200).end();
  });

  router.put('/api/messages/out/:messageId', (req, res) => handleUpload(ctx, req, res));

  router.post('/api/messages/out/multipart', async (req, res, next) => {
    if (!isMultipartRequest(req)) {
      // Its mapping consumes multipart/form-data only: anything else is the send of a message named "multipart".
      next();
      return;
    }
    const out = await createFromMultipart(ctx, req, (sbd) => createMessage(ctx, sbd));
    // The same send as POST /{messageId} (its faults and its copy queue); the created message stays if it fails.
    const failure = sendMessage(ctx, out.messageId);
    if (failure !== undefined) {
      answerSendFault(res, failure);
      return;
    }
    res.json(out.sbd);
  });

  router.post('/api/messages/out/:messageId', (req, res) => {
    const failure = sendMessage(ctx, req.params.messageId);
    if (failure !== undefined) {
      answerSendFault(res, failure);
      return;
    }
    res.status(200).end();
  });
}

/**
 * `NextMoveMessageService.sendMessage`: the checks, then another copy on the internal queue. A rejected send
 * throws; a send fault armed through the control API comes back as the error to answer with (the copy is queued
 * or not as the fault's point says).
 */
function sendMessage(ctx: IpContext, messageId: string): IpHttpError | ProxyError | undefined {
  const out = ctx.store.outMessage(messageId);
  const conversation = ctx.store.conversationByMessageId(messageId);
  if (out === undefined || conversation === undefined) {
    throw ipErrors.messageNotFound(messageId);
  }
  try {
    validateSend(ctx, out, conversation);
  } catch (error) {
    conversation.trace.sendRejected += 1;
    throw error;
  }
  // Validate, then enqueue, nothing else (no status, no flag, no lock), so every accepted POST queues another copy.
  const fault = ctx.sendFaults.take(messageId);
  if (fault?.when === 'before-queue') {
    conversation.trace.sendFailed.beforeQueue += 1;
    return fault.error;
  }
  ctx.progression.enqueueSend(conversation);
  if (fault?.when === 'after-queue') {
    conversation.trace.sendFailed.afterQueue += 1;
    return fault.error;
  }
  return undefined;
}
