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
