import { v5 as uuidv5 } from 'uuid';

/**
 * Fixed namespace for the bridge's deterministic ids. Never change it: a resumed forward recomputes the
 * messageId of its attempt from it, and the IP refuses an id it has seen (docs/architecture.md, "Idempotency and ids").
 */
const NAMESPACE = '0c8e5b2a-6f4d-5e1b-9a7c-3d2f1e0b4a68';

/**
 * A mottakId as the bridge keeps it: lower case. A UUID's case carries no meaning and Brreg may list either, but
 * every id below is a hash of the string, so one spelling must be fixed before anything is derived from it (the
 * Brreg client does it where the id enters; Postgres's uuid type returns lower case too).
 */
export function canonicalMottakId(mottakId: string): string {
  return mottakId.toLowerCase();
}

/** The IP messageId of attempt `attempt` (1-based) of a forsendelse. */
export function messageIdFor(mottakId: string, attempt: number): string {
  return uuidv5(`${canonicalMottakId(mottakId)}:${attempt}`, NAMESPACE);
}

/** One conversation per forsendelse, whatever the attempt. */
export function conversationIdFor(mottakId: string): string {
  return uuidv5(`${canonicalMottakId(mottakId)}:conversation`, NAMESPACE);
}

/** Stable systemIDs for arkivmelding.xml (docs/peers/arkivmelding.md §5: the same across attempts). */
export function systemIdFor(mottakId: string, part: 'saksmappe' | 'journalpost' | `dokument:${number}`): string {
  return uuidv5(`${canonicalMottakId(mottakId)}:${part}`, NAMESPACE);
}
