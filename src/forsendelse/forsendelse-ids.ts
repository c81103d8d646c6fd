import { v5 as uuidv5 } from 'uuid';

/**
 * Fixed namespace for the bridge's deterministic ids. Never change it: a resumed forward recomputes the
 * messageId of its attempt from it, and the IP refuses an id it has seen (docs/architecture.md, "Idempotency and ids").
 */
const NAMESPACE = '0c8e5b2a-6f4d-5e1b-9a7c-3d2f1e0b4a68';

/** The IP messageId of attempt `attempt` (1-based) of a forsendelse. */
export function messageIdFor(mottakId: string, attempt: number): string {
  return uuidv5(`${mottakId}:${attempt}`, NAMESPACE);
}

/** One conversation per forsendelse, whatever the attempt. */
export function conversationIdFor(mottakId: string): string {
  return uuidv5(`${mottakId}:conversation`, NAMESPACE);
}

/** Stable systemIDs for arkivmelding.xml (docs/peers/arkivmelding.md §5: the same across attempts). */
export function systemIdFor(mottakId: string, part: 'saksmappe' | 'journalpost' | `dokument:${number}`): string {
  return uuidv5(`${mottakId}:${part}`, NAMESPACE);
}
