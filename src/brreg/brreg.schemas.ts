import { z } from 'zod';
import { canonicalMottakId } from '../forsendelse/forsendelse-ids';

/**
 * One entry of GET /available. Older revisions add version, orgnr and dokumentId: accepted, never required;
 * unknown fields are ignored (docs/peers/brreg-mottak.md).
 */
export const availableItemSchema = z.object({
  // Canonical where it enters: every id the bridge derives from it hashes this string (forsendelse-ids.ts).
  mottakId: z.uuid({ error: 'mottakId is not a UUID' }).transform(canonicalMottakId),
  status: z.string(),
  // Local Norwegian time without zone, fraction optional.
  oppdatert: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/, 'oppdatert is not a local date-time')
    .nullish(),
});
export type AvailableItem = z.infer<typeof availableItemSchema>;

export const errorBodySchema = z.object({
  feilId: z.string().optional(),
  mottakId: z.string().nullish(),
  kilde: z.string().optional(),
  feilkode: z.string().optional(),
  beskrivelse: z.string().optional(),
});
