import { ZipFile } from 'yazl';
import { z } from 'zod';
import type { IpContext } from './ip.context';
import { formatInZone } from './ip-time';
import type { Conversation, StatusRecord } from './ip.store';
import type { IncomingMessage } from './incoming-queue';
import { RECEIPT_TYPES } from './incoming-queue';
import { parsePartnerId, type JsonObject } from './sbd.validation';

/** The IP's `difi.move.arkivmelding.receipt-process` and `receipt-document-type`. */
export const RECEIPT_PROCESS = 'urn:no:difi:profile:arkivmelding:response:ver1.0';
const RECEIPT_STANDARD = 'urn:no:difi:arkivmelding:xsd::arkivmelding_kvittering';
const ADMIN_PROCESS = 'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0';
const ARKIVMELDING_STANDARD = 'urn:no:difi:arkivmelding:xsd::arkivmelding';
const AUTHORITY = 'iso6523-actorid-upis';
/** `difi.move.nextmove.default-ttl-hours`. */
const DEFAULT_TTL_MS = 24 * 3600 * 1000;

/** `ArkivmeldingKvitteringType`. */
const RECEIPT_TYPE = z.enum(['OK', 'WARNING', 'ERROR', 'NOTSUPPORTED']);
/** `KvitteringStatusMessage`: a code and a text, both optional. */
const statusMessages = z.array(z.strictObject({ code: z.string().max(200).optional(), text: z.string().max(4000) }));

/** `POST /_sim/incoming/kvittering`: the receiver answers one of our messages. */
export const kvitteringSchema = z.strictObject({
  /** The messageId of the outgoing message the receipt is about (its conversation must exist). */
  messageId: z.string().min(1),
  receiptType: RECEIPT_TYPE.default('OK'),
  messages: statusMessages.default([]),
});

/** `POST /_sim/incoming`: any other incoming message (another client's, another conversation's). */
export const incomingSchema = z.strictObject({
  type: z.enum(['arkivmelding', 'arkivmelding_kvittering']).default('arkivmelding'),
  conversationId: z.uuid().optional(),
  process: z.string().min(1).optional(),
  /** 9-digit organisation numbers. */
  sender: z
    .string()
    .regex(/^\d{9}$/)
    .default('910000099'),
  receiver: z
    .string()
    .regex(/^\d{9}$/)
    .optional(),
  service: z.enum(['DPO', 'DPF', 'DPV']).default('DPO'),
  receiptType: RECEIPT_TYPE.default('OK'),
  relatedToMessageId: z.string().min(1).optional(),
  messages: statusMessages.default([]),
  /** The ASiC-E a pop returns (base64); default a small zip holding an arkivmelding.xml. */
  asicBase64: z.base64().optional(),
});

interface Envelope {
  sender: string;
  receiver: string;
  conversationId: string;
  process: string;
  type: string;
  standard: string;
  business: JsonObject;
}

/** An SBD as the IP's `SBDFactory.createNextMoveSBD` writes it (created 5 s ago, the default TTL). */
function sbdOf(ctx: IpContext, messageId: string, e: Envelope): JsonObject {
  const now = Date.now();
  const zone = ctx.settings.timeZone;
  return {
    standardBusinessDocumentHeader: {
      headerVersion: '1.0',
      sender: [{ identifier: { value: `0192:${e.sender}`, authority: AUTHORITY } }],
      receiver: [{ identifier: { value: `0192:${e.receiver}`, authority: AUTHORITY } }],
      documentIdentification: {
        standard: e.standard,
        typeVersion: '2.0',
        instanceIdentifier: messageId,
        type: e.type,
        creationDateAndTime: formatInZone(now - 5000, zone),
      },
      businessScope: {
        scope: [
          {
            type: 'ConversationId',
            instanceIdentifier: e.conversationId,
            identifier: e.process,
            scopeInformation: [{ expectedResponseDateTime: formatInZone(now + DEFAULT_TTL_MS, zone) }],
          },
        ],
      },
    },
    [e.type]: e.business,
  };
}

function enqueue(ctx: IpContext, e: Envelope, service: string, asic?: Buffer): IncomingMessage {
  const messageId = ctx.random.uuid();
  const message: IncomingMessage = {
    id: ctx.store.nextId(),
    messageId,
    conversationId: e.conversationId,
    processIdentifier: e.process,
    receiverIdentifier: e.receiver,
    senderIdentifier: e.sender,
    serviceIdentifier: service,
    type: e.type,
    sbd: sbdOf(ctx, messageId, e),
    asic: RECEIPT_TYPES.has(e.type) ? undefined : asic,
    locks: 0,
    pops: 0,
  };
  ctx.incoming.add(message);
  return message;
}

function kvitteringBody(
  receiptType: string,
  relatedToMessageId: string | undefined,
  messages: { code?: string; text: string }[],
): JsonObject {
  const body: JsonObject = { receiptType };
  if (relatedToMessageId !== undefined) {
    body.relatedToMessageId = relatedToMessageId;
  }
  body.messages = messages;
  return body;
}

/**
 * The receiver's `arkivmelding_kvittering` for one of our conversations, into our incoming queue: from the
 * receiver to us, in the same conversation, a new messageId, the receipt process (`SBDFactory
 * .createArkivmeldingReceiptFrom`). No ASiC: the IP's pop answers 204 for a receipt.
 */
export function kvitteringFor(
  ctx: IpContext,
  conversation: Conversation,
  receiptType: string,
  messages: { code?: string; text: string }[],
): IncomingMessage {
  const us = conversation.sender === undefined ? undefined : parsePartnerId(conversation.sender)?.primary;
  return enqueue(
    ctx,
    {
      sender: conversation.receiverIdentifier ?? '000000000',
      receiver: us ?? ctx.settings.orgnr ?? '000000000',
      conversationId: conversation.conversationId,
      process: RECEIPT_PROCESS,
      type: 'arkivmelding_kvittering',
      standard: RECEIPT_STANDARD,
      business: kvitteringBody(receiptType, conversation.messageId, messages),
    },
    conversation.serviceIdentifier,
  );
}

async function defaultAsic(): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from('application/vnd.etsi.asic-e+zip'), 'mimetype', { compress: false });
  zip.addBuffer(
    Buffer.from('<arkivmelding xmlns="http://www.arkivverket.no/standarder/noark5/arkivmelding"/>'),
    'arkivmelding.xml',
  );
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Another party's message in the queue, for tests that prove a client leaves what is not its own alone. */
export async function otherIncoming(ctx: IpContext, input: z.infer<typeof incomingSchema>): Promise<IncomingMessage> {
  const receipt = input.type === 'arkivmelding_kvittering';
  const asic = receipt
    ? undefined
    : input.asicBase64 === undefined
      ? await defaultAsic()
      : Buffer.from(input.asicBase64, 'base64');
  return enqueue(
    ctx,
    {
      sender: input.sender,
      receiver: input.receiver ?? ctx.settings.orgnr ?? '000000000',
      conversationId: input.conversationId ?? ctx.random.uuid(),
      process: input.process ?? (receipt ? RECEIPT_PROCESS : ADMIN_PROCESS),
      type: input.type,
      standard: receipt ? RECEIPT_STANDARD : ARKIVMELDING_STANDARD,
      business: receipt
        ? kvitteringBody(input.receiptType, input.relatedToMessageId, input.messages)
        : { sikkerhetsnivaa: 3, hoveddokument: 'arkivmelding.xml' },
    },
    input.service,
    asic,
  );
}

/**
 * What the IP does on its own (`difi.move.arkivmelding.generate-arkivmelding-receipts`, on by default): an OK
 * kvittering into the sender's queue, for DPV at LEVERT and for DPF at LEST; a DPO receipt comes from the
 * receiver's archive. The simulator posts one at LEVERT for a share of arkivmelding conversations, spread evenly.
 */
export function autoKvittering(ctx: IpContext): (conversation: Conversation, status: StatusRecord) => void {
  return (conversation, status) => {
    const rate = ctx.settings.autoKvitteringRate;
    if (status.status !== 'LEVERT' || rate <= 0 || conversation.trace.type !== 'arkivmelding') {
      return;
    }
    const n = ctx.incoming.autoKvitteringCount++;
    if (Math.floor((n + 1) * rate) > Math.floor(n * rate)) {
      kvitteringFor(ctx, conversation, 'OK', []);
    }
  };
}
