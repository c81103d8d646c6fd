import { z } from 'zod';

/**
 * `status` stays a string: unknown values (INNKOMMENDE_*, future ones) are recorded and never acted on
 * (src/forsendelse/status-rules.ts holds the known ones).
 */
export const messageStatusSchema = z.object({
  id: z.number().int(),
  convId: z.number().int().optional(),
  messageId: z.string(),
  conversationId: z.string().optional(),
  status: z.string(),
  description: z.string().nullish(),
  lastUpdate: z.string(),
});
export type MessageStatus = z.infer<typeof messageStatusSchema>;

/** The page's frame; its items are read one by one, so one bad item cannot hide the others. */
export const pageFrameSchema = z.object({
  content: z.array(z.unknown()),
  totalElements: z.number().optional(),
  totalPages: z.number().optional(),
  number: z.number().optional(),
  size: z.number().optional(),
  numberOfElements: z.number().optional(),
  first: z.boolean().optional(),
  last: z.boolean(),
  empty: z.boolean().optional(),
});

export interface Page<T> {
  content: T[];
  /** Items that failed validation, with why: logged by the reader, never silently dropped. */
  rejected: { raw: unknown; reason: string }[];
  last: boolean;
  totalPages?: number;
  number?: number;
}

export const capabilitiesSchema = z.object({
  capabilities: z.array(
    z.object({
      process: z.string(),
      serviceIdentifier: z.string(),
      // The IP derives `type` from the standard and leaves it out when it knows no type for it.
      documentTypes: z.array(z.object({ type: z.string().nullish(), standard: z.string() })).optional(),
    }),
  ),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;

export const conversationSchema = z.object({
  id: z.number().optional(),
  conversationId: z.string().optional(),
  messageId: z.string(),
  serviceIdentifier: z.string().nullish(),
  processIdentifier: z.string().nullish(),
  finished: z.boolean().optional(),
  expiry: z.string().nullish(),
  messageStatuses: z.array(
    z.object({ id: z.number().int(), status: z.string(), lastUpdate: z.string(), description: z.string().nullish() }),
  ),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** The IP's Spring error body; every field optional, since a proxy's error page may stand in its place. */
export const ipErrorBodySchema = z.object({
  status: z.number().optional(),
  error: z.string().optional(),
  exception: z.string().optional(),
  message: z.string().optional(),
  path: z.string().optional(),
});

export const subscriptionSchema = z.object({ id: z.number().int() }).loose();

/** The process a receiver's arkivmelding_kvittering comes in (the IP's `difi.move.arkivmelding.receipt-process`). */
export const RECEIPT_PROCESS = 'urn:no:difi:profile:arkivmelding:response:ver1.0';

/** `ArkivmeldingKvitteringType`: WARNING is the IP's too, although no archive we know sends it. */
export const RECEIPT_TYPES = ['OK', 'WARNING', 'ERROR', 'NOTSUPPORTED'] as const;

const partnerSchema = z.object({ identifier: z.object({ value: z.string() }).loose() }).loose();

/**
 * A receiver's `arkivmelding_kvittering` as the incoming queue's peek returns it (`SBDFactory
 * .createArkivmeldingReceiptFrom`): the SBD is all of it, there is no ASiC. Only what the bridge records is
 * required; the rest of the header is the IP's business.
 */
export const receiptSbdSchema = z
  .object({
    standardBusinessDocumentHeader: z
      .object({
        sender: z.array(partnerSchema).optional(),
        documentIdentification: z
          .object({
            instanceIdentifier: z.string().min(1),
            type: z.literal('arkivmelding_kvittering'),
            standard: z.string().optional(),
          })
          .loose(),
        businessScope: z
          .object({
            scope: z.array(
              z
                .object({
                  type: z.string(),
                  instanceIdentifier: z.string().optional(),
                  identifier: z.string().optional(),
                })
                .loose(),
            ),
          })
          .loose(),
      })
      .loose(),
    arkivmelding_kvittering: z
      .object({
        receiptType: z.enum(RECEIPT_TYPES),
        relatedToMessageId: z.string().nullish(),
        messages: z.array(z.object({ code: z.string().nullish(), text: z.string().nullish() }).loose()).nullish(),
      })
      .loose(),
  })
  .loose()
  .transform((sbd, ctx) => {
    const header = sbd.standardBusinessDocumentHeader;
    const conversationId = header.businessScope.scope.find((s) => s.type === 'ConversationId')?.instanceIdentifier;
    if (conversationId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'no ConversationId scope', path: ['standardBusinessDocumentHeader'] });
      return z.NEVER;
    }
    const body = sbd.arkivmelding_kvittering;
    return {
      messageId: header.documentIdentification.instanceIdentifier,
      conversationId,
      process: header.businessScope.scope.find((s) => s.type === 'ConversationId')?.identifier,
      sender: header.sender?.[0]?.identifier.value,
      receiptType: body.receiptType,
      relatedToMessageId: body.relatedToMessageId ?? undefined,
      messages: (body.messages ?? []).map((m) => ({ code: m.code ?? undefined, text: m.text ?? undefined })),
    };
  });
export type Receipt = z.output<typeof receiptSbdSchema>;
