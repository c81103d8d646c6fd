import { describePeer } from './peer-words';

const NOW = Date.parse('2026-12-06T20:00:00Z');

describe('a peer’s last outcome in words', () => {
  it('names a run of the same failure with its start, the status, the path and what to check', () => {
    const text = describePeer(
      'brreg',
      {
        call: {
          peer: 'brreg',
          outcome: 'not_found',
          operation: 'available',
          path: '/available',
          status: 404,
          detail: 'available answered 404: …',
          advice: 'check BRREG_BASE_URL (it must end in /outbound)',
        },
        atMs: NOW - 1_000,
        sinceMs: NOW - 95_000,
      },
      NOW,
    );
    expect(text).toBe(
      'brreg: every call since 2026-12-06T19:58:25.000Z (95 s) answers 404 Not Found at /available (available) — ' +
        'check BRREG_BASE_URL (it must end in /outbound)',
    );
  });

  it('says what failed when no answer came, and when it went well', () => {
    const call = { peer: 'integrasjonspunkt' as const, operation: 'statuses' };
    expect(
      describePeer(
        'integrasjonspunkt',
        {
          call: { ...call, outcome: 'unreachable', detail: 'statuses: ECONNREFUSED', advice: 'check EFM_BASE_URL' },
          atMs: NOW - 2_000,
          sinceMs: NOW - 2_000,
        },
        NOW,
      ),
    ).toBe('integrasjonspunkt: the last call (2 s ago) fails: statuses: ECONNREFUSED — check EFM_BASE_URL');
    expect(
      describePeer('integrasjonspunkt', { call: { ...call, outcome: 'ok' }, atMs: NOW - 3_000, sinceMs: NOW }, NOW),
    ).toBe('integrasjonspunkt: ok (last call statuses, 3 s ago)');
    expect(describePeer('maskinporten', undefined, NOW)).toBe('maskinporten: no call recorded yet');
  });
});
