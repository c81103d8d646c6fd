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
    await bridge.close();
  });

  /**
   * Each case: one forsendelse to a receiver the IP's own lookup at create would refuse. The pre-check asks the
   * capabilities as the IP asks its service registry and parks it with kind `capability`; nothing reaches the IP.
   */
  async function parkedFor(receiver: string, extraEnv: Record<string, string> = {}) {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const [f] = await control<SeededForsendelse[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1 } });
    const bridge = await env.start({ EFM_RECEIVER_ORGNR: receiver, ...extraEnv });
    try {
      const parked = await eventually(
        async () => (await rows(bridge)).find((r) => r.mottakId === f.mottakId && r.state === 'FAILED'),
        20_000,
        'the forsendelse to be parked',
      );
      const [event] = await bridge.dataSource.query<{ detail: { kind?: string } }[]>(
        `SELECT detail FROM forsendelse_event WHERE mottak_id = $1 AND kind = 'transition' AND to_state = 'FAILED'`,
        [f.mottakId],
      );
      const created = await control<IpMessage[]>(sims.integrasjonspunkt.url, `/messages?receiver=${receiver}`);
      return { reason: parked.failureReason ?? '', kind: event?.detail.kind, created };
    } finally {
      await bridge.close();
    }
  }

  it('parks, kind capability, a forsendelse to an organisation the IP does not know', async () => {
    const parked = await parkedFor('310000404');
    expect(parked).toMatchObject({ kind: 'capability', created: [] });
    expect(parked.reason).toContain('receiver 310000404 is unknown to the integrasjonspunkt');
    expect(parked.reason).toContain('IdentifierNotFoundException');
  });

  it('parks, kind capability, when the process lists no document type of the message, naming what was offered', async () => {
    await control(env.sims.integrasjonspunkt.url, '/receivers/310000010', {
      method: 'PUT',
      body: {
        capabilities: [
          {
            process: 'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0',
            serviceIdentifier: 'DPO',
            documentTypes: [{ type: 'avtalt', standard: 'urn:no:difi:avtalt:xsd::avtalt' }],
          },
        ],
      },
    });
    const parked = await parkedFor('310000010');
    expect(parked).toMatchObject({ kind: 'capability', created: [] });
    expect(parked.reason).toContain('does not accept arkivmelding (urn:no:difi:arkivmelding:xsd::arkivmelding)');
    expect(parked.reason).toContain('offered: DPO avtalt (urn:no:difi:avtalt:xsd::avtalt)');
  });

  it('parks, kind capability, at a security level the receiver cannot take (EFM_SECURITY_LEVEL=4, KS at 3 only)', async () => {
    await control(env.sims.integrasjonspunkt.url, '/receivers/310000011', {
      method: 'PUT',
      body: { service: 'DPF', securityLevels: [3] },
    });
    const parked = await parkedFor('310000011', { EFM_SECURITY_LEVEL: '4' });
    expect(parked).toMatchObject({ kind: 'capability', created: [] });
    expect(parked.reason).toContain('cannot receive at security level 4 (EFM_SECURITY_LEVEL)');
    // Asked with the level the SBD would carry, once: the registry's refusal (the IP's 500) is an answer, not
    // trouble to retry.
    const calls = await control<{ url: string }[]>(env.sims.integrasjonspunkt.url, '/calls');
    expect(calls.map((c) => c.url).filter((u) => u.startsWith('/api/capabilities/310000011'))).toEqual([
      '/api/capabilities/310000011?process=urn%3Ano%3Adifi%3Aprofile%3Aarkivmelding%3Aadministrasjon%3Aver1.0&securityLevel=4',
    ]);
  });
});

describe('an integrasjonspunkt that answers 429 with Retry-After', () => {
  const env = useBridgeEnvironment();

  it('is waited out for at least as long as it asked, and the forsendelse is delivered', async () => {
    const { sims } = env;
    const ip = sims.integrasjonspunkt.url;
    const { orgnr } = await testKeys();
    const [f] = await control<SeededForsendelse[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1 } });
    // Longer than the first backoff (2 s), so only the Retry-After can explain the wait.
    await control(ip, '/faults/busy', {
      body: { status: 429, retryAfter: 5, method: 'POST', path: '^/api/messages/out$' },
    });
    const bridge = await env.start({ EFM_PAYLOAD: 'zip' });
    await eventually(
      async () => (await rows(bridge)).find((r) => r.mottakId === f.mottakId && r.state === 'CONFIRMED'),
      40_000,
      'the forsendelse to be confirmed',
    );
    const creates = (await control<{ time: string; method: string; url: string; status: number }[]>(ip, '/calls'))
      .filter((c) => c.method === 'POST' && c.url === '/api/messages/out')
      .map((c) => ({ at: Date.parse(c.time), status: c.status }));
    expect(creates.map((c) => c.status)).toEqual([429, 200]);
    // A lower bound only: however slow the machine, the next try came no sooner than the IP asked.
    expect(creates[1].at - creates[0].at).toBeGreaterThanOrEqual(5_000);
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).not.toContain('bridge_failures_total{kind="capability"}');
  });
});

describe('an integrasjonspunkt whose status feed answers 429 with Retry-After', () => {
  const env = useBridgeEnvironment();

  it('is read by no tick until the wait has passed, and the forsendelse is delivered', async () => {
    const { sims } = env;
    const ip = sims.integrasjonspunkt.url;
    const { orgnr } = await testKeys();
    const [f] = await control<SeededForsendelse[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1 } });
    // The ticks come every 200 ms here (EFM_STATUS_POLL_INTERVAL_MS): only the Retry-After explains a pause.
    await control(ip, '/faults/busy', { body: { status: 429, retryAfter: 5, method: 'GET', path: '^/api/statuses' } });
    const bridge = await env.start({ EFM_PAYLOAD: 'zip' });
    await eventually(
      async () => (await rows(bridge)).find((r) => r.mottakId === f.mottakId && r.state === 'CONFIRMED'),
      40_000,
      'the forsendelse to be confirmed',
    );
    const reads = (await control<{ time: string; method: string; url: string; status: number }[]>(ip, '/calls'))
      .filter((c) => c.method === 'GET' && c.url.startsWith('/api/statuses'))
      .map((c) => ({ at: Date.parse(c.time), status: c.status }));
    expect(reads[0].status).toBe(429);
    expect(reads.slice(1).map((r) => r.status)).not.toContain(429);
    // A lower bound only: however slow the machine, no status was read sooner than the IP asked.
    expect(reads[1].at - reads[0].at).toBeGreaterThanOrEqual(5_000);
  });
});
