import { FORSENDELSE_STATES, type ForsendelseState } from './forsendelse-state';

/**
 * What an IP status does to a forsendelse: the one place it is decided (docs/architecture.md, "The status
 * rules"). Pure: the applier, the SQL that skips settled statuses and the docs' table all follow from here.
 */

/** The IP's outgoing statuses (spec: Statuses). Any other value is recorded and never acted on. */
export const IP_STATUSES = [
  'OPPRETTET',
  'SENDT',
  'MOTTATT',
  'LEVERT',
  'LEST',
  'LEVETID_UTLOPT',
  'FEIL',
  'ANNET',
] as const;
const KNOWN: ReadonlySet<string> = new Set(IP_STATUSES);

/**
 * The rule a status falls under, from the row's state, the status and whether it is of the row's current attempt:
 * - `deliver`: LEVERT/LEST of any attempt while nothing was delivered yet → DELIVERED, then confirm;
 * - `expire`: LEVETID_UTLOPT of the current, sent attempt → the next attempt, or FAILED when they are spent;
 * - `fail`: FEIL of the current, sent attempt → FAILED;
 * - `late`: FEIL after delivery, which a confirm cannot undo → raised to ops the first time it is seen;
 * - `record`: everything else changes nothing.
 */
export type StatusRule = 'deliver' | 'expire' | 'fail' | 'late' | 'record';

export function ruleFor(state: ForsendelseState, status: string, current: boolean): StatusRule {
  switch (status) {
    case 'LEVERT':
    case 'LEST':
      // The first delivered attempt wins; a FORWARDING row's earlier attempt or a FAILED row's may still arrive.
      return state === 'SENT' || state === 'FORWARDING' || state === 'FAILED' ? 'deliver' : 'record';
    case 'LEVETID_UTLOPT':
      // An older attempt's deadline changes nothing (its LEVERT would still count); a FORWARDING row is settled by
      // its forward, which re-reads the statuses once the row is SENT.
      return state === 'SENT' && current ? 'expire' : 'record';
    case 'FEIL':
      if (state === 'DELIVERED' || state === 'CONFIRMED') {
        return 'late';
      }
      return state === 'SENT' && current ? 'fail' : 'record';
    default:
      return 'record';
  }
}

/** Whether the rule changes the row (and so needs it locked, and may still act when the status is read again). */
export function moves(rule: StatusRule): boolean {
  return rule === 'deliver' || rule === 'expire' || rule === 'fail';
}

export type StatusOutcome = 'recorded' | 'delivered' | 'new-attempt' | 'failed' | 'late';

export interface StatusFacts {
  state: ForsendelseState;
  /** The row's current attempt. */
  rowAttempt: number;
  status: string;
  /** The attempt whose messageId carried the status. */
  statusAttempt: number;
  /** Whether this (messageId, status) was recorded just now, not before. */
  firstSeen: boolean;
  maxAttempts: number;
}

export type StatusDecision =
  | { rule: 'record'; outcome: 'recorded'; unknownStatus: boolean }
  | { rule: 'late'; outcome: 'late' | 'recorded'; raise: boolean }
  | { rule: 'deliver'; outcome: 'delivered'; from: ForsendelseState; followUp: 'confirm' }
  | { rule: 'expire'; outcome: 'new-attempt'; nextAttempt: number; followUp: 'forward' }
  | { rule: 'expire' | 'fail'; outcome: 'failed'; failureKind: 'attempts-exhausted' | 'feil'; reason: string };

/** The whole decision for one status: what changes, what follows, what ops hear. */
export function decide(facts: StatusFacts, description?: string | null): StatusDecision {
  const rule = ruleFor(facts.state, facts.status, facts.rowAttempt === facts.statusAttempt);
  switch (rule) {
    case 'deliver':
      return { rule, outcome: 'delivered', from: facts.state, followUp: 'confirm' };
    case 'expire':
      if (facts.rowAttempt >= facts.maxAttempts) {
        return {
          rule,
          outcome: 'failed',
          failureKind: 'attempts-exhausted',
          reason: `LEVETID_UTLOPT on attempt ${facts.rowAttempt} of ${facts.maxAttempts}`,
        };
      }
      return { rule, outcome: 'new-attempt', nextAttempt: facts.rowAttempt + 1, followUp: 'forward' };
    case 'fail':
      return {
        rule,
        outcome: 'failed',
        failureKind: 'feil',
        reason: `FEIL from the integrasjonspunkt${description ? `: ${description}` : ''}`,
      };
    case 'late':
      // Said once: a feed re-reading its overlap must not raise the same FEIL again.
      return { rule, outcome: facts.firstSeen ? 'late' : 'recorded', raise: facts.firstSeen };
    case 'record':
      return { rule, outcome: 'recorded', unknownStatus: facts.firstSeen && !KNOWN.has(facts.status) };
  }
}

/** Statuses that show the IP sent the message (or finished with it): a forward that sees one never sends again. */
const SENT_OR_LATER: ReadonlySet<string> = new Set(['SENDT', 'MOTTATT', 'LEVERT', 'LEST', 'LEVETID_UTLOPT', 'FEIL']);

export function showsSent(statuses: Iterable<string>): boolean {
  return [...statuses].some((s) => SENT_OR_LATER.has(s));
}

/**
 * Whether an attempt with these statuses may still reach the receiver: the IP sent it (SENDT, MOTTATT) and nothing
 * ended it (FEIL, LEVETID_UTLOPT). A replay must not open a new attempt beside it.
 */
export function mayStillDeliver(statuses: Iterable<string>): boolean {
  const seen = new Set(statuses);
  return (seen.has('SENDT') || seen.has('MOTTATT')) && !seen.has('FEIL') && !seen.has('LEVETID_UTLOPT');
}

/** Statuses that fall under a rule other than `record` in some state: these need the row locked to apply. */
export const DECISIVE_STATUSES: ReadonlySet<string> = new Set(
  IP_STATUSES.filter((status) =>
    FORSENDELSE_STATES.some((state) => [true, false].some((current) => ruleFor(state, status, current) !== 'record')),
  ),
);

export function isDecisive(status: string): boolean {
  return DECISIVE_STATUSES.has(status) || !KNOWN.has(status);
}

/**
 * Every (state, status, current) under which a status already recorded can still move the row when read again:
 * the SQL that skips settled statuses (ForsendelseQueries.settledStatuses) takes this list as its parameters, so it
 * cannot drift from `ruleFor`.
 */
export const MOVING_COMBINATIONS: readonly { state: ForsendelseState; status: string; current: boolean }[] =
  FORSENDELSE_STATES.flatMap((state) =>
    IP_STATUSES.flatMap((status) =>
      [true, false]
        .filter((current) => moves(ruleFor(state, status, current)))
        .map((current) => ({ state, status, current })),
    ),
  );
