/** The life of one forsendelse (docs/architecture.md, "State machine"). */
export const FORSENDELSE_STATES = ['DISCOVERED', 'FORWARDING', 'SENT', 'DELIVERED', 'CONFIRMED', 'FAILED'] as const;
export type ForsendelseState = (typeof FORSENDELSE_STATES)[number];

/**
 * Every allowed move. CONFIRMED only from DELIVERED: nothing is confirmed at Brreg before the IP said LEVERT.
 * SENT → FORWARDING is a new attempt after LEVETID_UTLOPT; FAILED → FORWARDING is an operator's replay;
 * FORWARDING → FORWARDING is a new attempt after the previous one was cancelled at the IP (its send answered 5xx).
 * DELIVERED is entered only on an observed LEVERT/LEST for one of the row's attempts, and such a status counts
 * whenever it comes: from FORWARDING (a late LEVERT of the previous attempt while the next is being sent) and
 * from FAILED (a late LEVERT after the attempts ran out) as well as from SENT.
 */
const ALLOWED: Readonly<Record<ForsendelseState, readonly ForsendelseState[]>> = {
  DISCOVERED: ['FORWARDING', 'FAILED'],
  FORWARDING: ['SENT', 'DELIVERED', 'FAILED', 'FORWARDING'],
  SENT: ['DELIVERED', 'FORWARDING', 'FAILED'],
  DELIVERED: ['CONFIRMED'],
  CONFIRMED: [],
  FAILED: ['FORWARDING', 'DELIVERED'],
};

export function canTransition(from: ForsendelseState, to: ForsendelseState): boolean {
  return ALLOWED[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: ForsendelseState,
    readonly to: ForsendelseState,
  ) {
    super(`illegal transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}
