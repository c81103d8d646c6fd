import { FORSENDELSE_STATES, type ForsendelseState } from './forsendelse-state';
import { decide, DECISIVE_STATUSES, IP_STATUSES, isDecisive, MOVING_COMBINATIONS, ruleFor } from './status-rules';

const STATUSES = [...IP_STATUSES, 'INNKOMMENDE_MOTTATT'] as const;

/**
 * docs/architecture.md, "The status rules", written out by hand: per state, per status, the rule for a status of
 * the row's current attempt and then for one of another attempt (d deliver, e expire, f fail, l late, r record).
 */
const TABLE = `
             OPPRETTET SENDT MOTTATT LEVERT LEST LEVETID_UTLOPT FEIL ANNET INNKOMMENDE_MOTTATT
DISCOVERED   rr        rr    rr      rr     rr   rr             rr   rr    rr
FORWARDING   rr        rr    rr      dd     dd   rr             rr   rr    rr
SENT         rr        rr    rr      dd     dd   er             fr   rr    rr
DELIVERED    rr        rr    rr      rr     rr   rr             ll   rr    rr
CONFIRMED    rr        rr    rr      rr     rr   rr             ll   rr    rr
FAILED       rr        rr    rr      dd     dd   rr             rr   rr    rr
`;
const RULE = { d: 'deliver', e: 'expire', f: 'fail', l: 'late', r: 'record' } as const;

function expectedTable(): Map<string, string> {
  const [header, ...rows] = TABLE.trim().split('\n');
  const statuses = header.trim().split(/\s+/);
  expect(statuses).toEqual([...STATUSES]);
  const expected = new Map<string, string>();
  for (const row of rows) {
    const [state, ...cells] = row.trim().split(/\s+/);
    cells.forEach((cell, i) => {
      expected.set(`${state}|${statuses[i]}|current`, RULE[cell[0] as keyof typeof RULE]);
      expected.set(`${state}|${statuses[i]}|other`, RULE[cell[1] as keyof typeof RULE]);
    });
  }
  expect(expected.size).toBe(FORSENDELSE_STATES.length * STATUSES.length * 2);
  return expected;
}

describe('status rules', () => {
  const expected = expectedTable();

  it.each(FORSENDELSE_STATES.flatMap((state) => STATUSES.map((status) => [state, status] as const)))(
    '%s + %s follows the table',
    (state: ForsendelseState, status: string) => {
      expect(ruleFor(state, status, true)).toBe(expected.get(`${state}|${status}|current`));
      expect(ruleFor(state, status, false)).toBe(expected.get(`${state}|${status}|other`));
    },
  );

  it('decides the outcome for every state, status, attempt, first sighting and attempts left', () => {
    let checked = 0;
    for (const state of FORSENDELSE_STATES) {
      for (const status of STATUSES) {
        for (const current of [true, false]) {
          for (const firstSeen of [true, false]) {
            for (const attemptsLeft of [true, false]) {
              const rowAttempt = 2;
              const decision = decide({
                state,
                rowAttempt,
                status,
                statusAttempt: current ? 2 : 1,
                firstSeen,
                maxAttempts: attemptsLeft ? 3 : 2,
              });
              const rule = expected.get(`${state}|${status}|${current ? 'current' : 'other'}`);
              const outcome = {
                deliver: 'delivered',
                expire: attemptsLeft ? 'new-attempt' : 'failed',
                fail: 'failed',
                late: firstSeen ? 'late' : 'recorded',
                record: 'recorded',
              }[rule!];
              expect({ state, status, current, firstSeen, attemptsLeft, outcome: decision.outcome }).toEqual({
                state,
                status,
                current,
                firstSeen,
                attemptsLeft,
                outcome,
              });
              checked += 1;
            }
          }
        }
      }
    }
    expect(checked).toBe(6 * 9 * 2 * 2 * 2);
  });

  it('names the next attempt, the reason and the follow-up', () => {
    const facts = { rowAttempt: 2, statusAttempt: 2, firstSeen: true, maxAttempts: 3 } as const;
    expect(decide({ ...facts, state: 'SENT', status: 'LEVETID_UTLOPT' })).toEqual({
      rule: 'expire',
      outcome: 'new-attempt',
      nextAttempt: 3,
      followUp: 'forward',
    });
    expect(decide({ ...facts, state: 'SENT', status: 'LEVETID_UTLOPT', maxAttempts: 2 })).toEqual({
      rule: 'expire',
      outcome: 'failed',
      failureKind: 'attempts-exhausted',
      reason: 'LEVETID_UTLOPT on attempt 2 of 2',
    });
    expect(decide({ ...facts, state: 'SENT', status: 'FEIL' }, 'arkivet avviste')).toMatchObject({
      failureKind: 'feil',
      reason: 'FEIL from the integrasjonspunkt: arkivet avviste',
    });
    expect(decide({ ...facts, state: 'FAILED', status: 'LEST', statusAttempt: 1 })).toEqual({
      rule: 'deliver',
      outcome: 'delivered',
      from: 'FAILED',
      followUp: 'confirm',
    });
  });

  it('warns of an unknown status only the first time it is seen', () => {
    const facts = { state: 'SENT', rowAttempt: 1, statusAttempt: 1, maxAttempts: 3 } as const;
    expect(decide({ ...facts, status: 'NYTT_I_V5', firstSeen: true })).toMatchObject({ unknownStatus: true });
    expect(decide({ ...facts, status: 'NYTT_I_V5', firstSeen: false })).toMatchObject({ unknownStatus: false });
    expect(decide({ ...facts, status: 'MOTTATT', firstSeen: true })).toMatchObject({ unknownStatus: false });
  });

  it('locks rows only for the statuses some rule acts on, and for unknown ones (to warn once)', () => {
    expect([...DECISIVE_STATUSES].sort()).toEqual(['FEIL', 'LEST', 'LEVERT', 'LEVETID_UTLOPT']);
    expect(isDecisive('SENDT')).toBe(false);
    expect(isDecisive('NYTT_I_V5')).toBe(true);
  });

  it('lists exactly the combinations that move a row, for the SQL', () => {
    const moving = [...expected].filter(([, rule]) => ['deliver', 'expire', 'fail'].includes(rule)).map(([k]) => k);
    expect(MOVING_COMBINATIONS.map((m) => `${m.state}|${m.status}|${m.current ? 'current' : 'other'}`).sort()).toEqual(
      moving.sort(),
    );
  });
});
