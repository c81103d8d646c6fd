import { canTransition, FORSENDELSE_STATES, type ForsendelseState } from './forsendelse-state';

describe('the forsendelse state machine', () => {
  it('reaches CONFIRMED only from DELIVERED', () => {
    const into = FORSENDELSE_STATES.filter((from) => canTransition(from, 'CONFIRMED'));
    expect(into).toEqual(['DELIVERED']);
  });

  it('reaches DELIVERED from the states a late LEVERT can find a row in, never from DISCOVERED', () => {
    expect(FORSENDELSE_STATES.filter((from) => canTransition(from, 'DELIVERED'))).toEqual([
      'FORWARDING',
      'SENT',
      'FAILED',
    ]);
  });

  it('leaves CONFIRMED for nothing', () => {
    expect(FORSENDELSE_STATES.filter((to) => canTransition('CONFIRMED', to))).toEqual([]);
  });

  it('never sends DELIVERED back to FAILED (a late FEIL after LEVERT is recorded, not applied)', () => {
    expect(canTransition('DELIVERED', 'FAILED')).toBe(false);
  });

  it.each<[ForsendelseState, ForsendelseState]>([
    ['DISCOVERED', 'FORWARDING'],
    ['FORWARDING', 'SENT'],
    ['SENT', 'FORWARDING'],
    ['SENT', 'DELIVERED'],
    ['FAILED', 'FORWARDING'],
    ['FORWARDING', 'FORWARDING'],
  ])('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each<[ForsendelseState, ForsendelseState]>([
    ['DISCOVERED', 'SENT'],
    ['DISCOVERED', 'CONFIRMED'],
    ['DISCOVERED', 'DELIVERED'],
    ['SENT', 'CONFIRMED'],
    ['FAILED', 'CONFIRMED'],
  ])('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });
});
