import { judge } from './faults/checker';
import { collectRecords } from './faults/run-records';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from './support/bridge-harness';

interface SeededForsendelse {
  mottakId: string;
  sha256: string;
}
interface ConfirmRecord {
  time: string;
  mottakId: string | null;
  outcome: string;
}
interface IpMessage {
  messageId: string;
  files: { filename: string; sha256: string | null; size: number }[];
  copiesDelivered: number;
  doubleDelivery: boolean;
  statuses: { status: string; lastUpdate: string }[];
}

const SUCCESSFUL_CONFIRM = new Set(['confirmed', 'conflict-fault-applied']);

const rows = forsendelseRows;

describe('the bridge end to end, against the three simulators, real Postgres and real Redis', () => {
  const env = useBridgeEnvironment();

  it('delivers and confirms every forsendelse, never before LEVERT, never twice, and parks the FEIL one', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const brreg = sims.brreg.url;
    const ip = sims.integrasjonspunkt.url;
    const seed = (body: Record<string, unknown>) =>
      control<SeededForsendelse[]>(brreg, '/forsendelser', { body: { orgnr, ...body } });

    const normal = await seed({ count: 18, sizeBytes: 40_000 });
    const [chunked] = await seed({ count: 1, sizeBytes: 300_000, omitContentLength: true });
    const [feil] = await seed({ count: 1 });
    const [expiring] = await seed({ count: 1 });
    const [conflicting] = await seed({ count: 1 });
    const all = [...normal, chunked, feil, expiring, conflicting];

    // The IP scripts match on arkivmelding.xml, which names the mottakId.
    await control(ip, '/scripts', { body: { match: { arkivmeldingContains: feil.mottakId }, preset: 'FEIL' } });
    await control(ip, '/scripts', {
      body: { match: { arkivmeldingContains: expiring.mottakId }, preset: 'LEVETID_UTLOPT', count: 1 },
    });
    await control(brreg, '/faults/confirm-conflict', { body: { mottakId: conflicting.mottakId, applied: true } });

    const bridge = await env.start({ EFM_PAYLOAD: 'zip' });

    // Revoke every token once the first forsendelse is confirmed: the rest must go on with a fresh one.
    await eventually(
      async () => ((await rows(bridge)).some((r) => r.state === 'CONFIRMED') ? true : undefined),
      30_000,
      'a first confirm',
    );
    await control(brreg, '/faults/revoke-tokens', { body: {} });

    const finished = await eventually(
      async () => {
        const current = await rows(bridge);
        const done = current.filter((r) => r.state === 'CONFIRMED' || r.state === 'FAILED');
        return current.length === all.length && done.length === all.length ? current : undefined;
      },
      60_000,
      'every forsendelse to reach CONFIRMED or FAILED',
    );
    const state = new Map(finished.map((r) => [r.mottakId, r]));

    // The FEIL one is parked with the IP's reason; every other one is confirmed.
    expect(state.get(feil.mottakId)).toMatchObject({ state: 'FAILED', failureReason: expect.stringContaining('FEIL') });
    for (const f of all.filter((x) => x !== feil)) {
      expect({ mottakId: f.mottakId, state: state.get(f.mottakId)?.state }).toEqual({
        mottakId: f.mottakId,
        state: 'CONFIRMED',
      });
    }

    // From the simulators' own records:
    const confirms = await control<ConfirmRecord[]>(brreg, '/confirms');
    const messages = await control<IpMessage[]>(ip, '/messages?limit=1000');
    expect(messages.filter((m) => m.doubleDelivery)).toEqual([]);

    // The checker, from the simulators' own records: each confirmed exactly once, none before the IP stored
    // LEVERT for a message carrying its sha256, nothing delivered twice, nothing lost (FEIL is parked).
    const verdict = judge(await collectRecords('pipeline', sims, bridge));
    expect(verdict).toMatchObject({
      items: all.length,
      lost: [],
      early: [],
      duplicate: [],
      double: [],
      documents: [],
      unexpected: [],
    });
    expect(confirms.filter((c) => c.mottakId === feil.mottakId && SUCCESSFUL_CONFIRM.has(c.outcome))).toEqual([]);

    // The expired one was sent again under a new messageId, and confirmed after that message's LEVERT.
    const expiringRow = state.get(expiring.mottakId);
    expect(expiringRow?.attempt).toBe(2);
    const expiringMessages = messages.filter((m) => m.files.some((file) => file.sha256 === expiring.sha256));
    expect(expiringMessages).toHaveLength(2);
    expect(
      expiringMessages.find((m) => m.messageId === expiringRow?.deliveredMessageId)?.statuses.map((s) => s.status),
    ).toContain('LEVERT');
    expect(
      expiringMessages.find((m) => m.messageId !== expiringRow?.deliveredMessageId)?.statuses.map((s) => s.status),
    ).toContain('LEVETID_UTLOPT');

    // The forsendelse without Content-Length arrived whole.
    expect(state.get(chunked.mottakId)).toMatchObject({ bytes: 300_000, sha256: chunked.sha256 });

    // The ERROR-00005 one was verified against /available and counted as confirmed.
    const conflictConfirms = confirms.filter((c) => c.mottakId === conflicting.mottakId);
    expect(conflictConfirms.map((c) => c.outcome)).toContain('conflict-fault-applied');

    // The revoked token was noticed and replaced.
    const authFailures = await control<{ failure: string }[]>(brreg, '/auth-failures');
    expect(authFailures.some((a) => a.failure === 'invalid_token' || a.failure === 'revoked')).toBe(true);
    const grants = await control<{ outcome: string }[]>(sims.maskinporten.url, '/grants');
    expect(grants.filter((g) => g.outcome === 'issued').length).toBeGreaterThanOrEqual(2);

    // The metrics tell the same story, once the background collector (every 5 s) has read the settled table.
    const metrics = await eventually(
      async () => {
        const text = await (await fetch(`${bridge.url}/metrics`)).text();
        return text.includes(`bridge_forsendelser{state="CONFIRMED"} ${all.length - 1}`) ? text : undefined;
      },
      15_000,
      'the collector to read the settled table',
    );
    expect(metrics).toContain('bridge_forsendelser{state="FAILED"} 1');
    expect(metrics).toContain('bridge_oldest_unconfirmed_age_seconds{state="DELIVERED"} 0');
    expect(metrics).toContain('bridge_peer_last_outcome{peer="brreg",outcome="ok"} 1');
    expect(metrics).toMatch(/bridge_transitions_total\{from="DELIVERED",to="CONFIRMED"\} \d+/);
    expect(metrics).toMatch(
      /bridge_external_call_duration_seconds_count\{peer="brreg",operation="download",outcome="2xx"\} \d+/,
    );
    expect(metrics).toContain('bridge_failures_total{kind="feil"} 1');
    expect(metrics).toMatch(/bridge_levert_to_confirm_seconds_count \d+/);
    expect(metrics).toMatch(/bridge_queue_jobs\{queue="forward",state="failed"\} \d+/);

    // And through it all the bridge reports itself ready.
    const ready = await fetch(`${bridge.url}/health/ready`);
    expect(await ready.json()).toMatchObject({ ready: true });
    expect(ready.status).toBe(200);
  });
});

describe('a receiver without the capability', () => {
  const env = useBridgeEnvironment();

  it('is parked with that reason, not retried in a loop', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    await control(sims.integrasjonspunkt.url, '/receivers/310000009', { method: 'PUT', body: { service: 'none' } });
    const [f] = await control<SeededForsendelse[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1 } });
    const bridge = await env.start({ EFM_RECEIVER_ORGNR: '310000009', EFM_PAYLOAD: 'zip' });
    const parked = await eventually(
      async () => (await rows(bridge)).find((r) => r.mottakId === f.mottakId && r.state === 'FAILED'),
      20_000,
      'the forsendelse to be parked',
    );
    expect(parked.failureReason).toContain('no capability');
    const created = await control<IpMessage[]>(sims.integrasjonspunkt.url, '/messages');
    expect(created).toEqual([]);
  });
});
