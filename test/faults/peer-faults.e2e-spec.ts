import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from '../support/bridge-harness';
import { isClean, judge } from './checker';
import { collectRecords } from './run-records';
import { reportVerdict } from './verdict-log';

/** FAULTS_SCALE=full for the long run; the bounded one runs in .ci/run. */
const FULL = process.env.FAULTS_SCALE === 'full';
const COUNT = FULL ? 100 : 30;

// Every peer at once, 10 %: most forwards meet a fault somewhere. 30 % from one peer at a time is
// network-faults.e2e-spec.ts; 30 % from all three at once keeps forwards in multi-minute backoffs.
const ERROR_RATE = 0.1;

describe.each([
  [`${ERROR_RATE * 100} % 5xx from every peer`, { errorRate: ERROR_RATE, seed: 7 }],
  ['added latency on every peer', { latencyMs: 40, seed: 8 }],
])('peer faults: %s', (name, faults) => {
  const env = useBridgeEnvironment();

  it('loses nothing, confirms nothing early, delivers nothing twice', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: COUNT, sizeBytes: 20_000 } });
    for (const url of [sims.brreg.url, sims.integrasjonspunkt.url, sims.maskinporten.url]) {
      await control(url, '/faults', { body: faults });
    }
    // A send answered 5xx is never repeated under its messageId (the IP's send is not idempotent): it is
    // cancelled after EFM_SEND_GRACE_MS and goes out as the next attempt. Ten attempts keep the faults (on the
    // send, the cancel and the reads around them) from exhausting them.
    const bridge = await env.start({
      RECONCILE_INTERVAL_MS: '2000',
      RECONCILE_STALE_MS: '5000',
      MAX_SEND_ATTEMPTS: '10',
    });
    // Mid-run, every token is revoked once.
    await eventually(
      async () => ((await forsendelseRows(bridge)).some((r) => r.state === 'CONFIRMED') ? true : undefined),
      60_000,
      'a first confirm',
    );
    await control(sims.brreg.url, '/faults/revoke-tokens', { body: {} });
    await eventually(
      async () => {
        const rows = await forsendelseRows(bridge);
        if (rows.length === COUNT && rows.every((r) => r.state === 'CONFIRMED' || r.state === 'FAILED')) {
          return true;
        }
        // What the IP's TTL job does when a deadline passes, brought forward: a SENT message the IP never
        // accepted for sending (its send was answered 5xx) gets LEVETID_UTLOPT.
        for (const row of rows.filter((r) => r.state === 'SENT')) {
          const message = await control<{ sendAccepted: number; statuses: { status: string }[] }>(
            sims.integrasjonspunkt.url,
            `/messages/${row.messageId}`,
          );
          const expired = message.statuses.some((s) => s.status === 'LEVETID_UTLOPT');
          if (message.sendAccepted === 0 && !expired && Date.now() - row.stateChangedAt.getTime() > 3_000) {
            await control(sims.integrasjonspunkt.url, `/messages/${row.messageId}/statuses`, {
              body: { status: 'LEVETID_UTLOPT' },
            });
          }
        }
        return undefined;
      },
      FULL ? 900_000 : 240_000,
      `all ${COUNT} settled under ${name}`,
    );
    for (const url of [sims.brreg.url, sims.integrasjonspunkt.url, sims.maskinporten.url]) {
      await control(url, '/faults', { method: 'DELETE' });
    }
    const verdict = judge(await collectRecords(name, sims, bridge));
    reportVerdict(verdict);
    expect(verdict).toMatchObject({ lost: [], early: [], duplicate: [], double: [], unexpected: [] });
    expect(isClean(verdict)).toBe(true);
    // Transient faults park nothing: every one is confirmed.
    expect((await forsendelseRows(bridge)).filter((r) => r.state !== 'CONFIRMED')).toEqual([]);
  }, 1_000_000);
});
