import {
  control,
  eventually,
  forsendelseRows,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from './support/bridge-harness';

const AUTH = { authorization: `Basic ${Buffer.from('ops:admin-password-1').toString('base64')}` };

describe('the admin API', () => {
  const env = useBridgeEnvironment();
  let bridge: RunningBridge;

  async function admin<T>(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${bridge.url}/admin${path}`, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  it('lists, shows and replays a FAILED forsendelse, which then completes under a new messageId', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const [ok, feil] = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', {
      body: { orgnr, count: 2 },
    });
    await control(sims.integrasjonspunkt.url, '/scripts', {
      body: { match: { arkivmeldingContains: feil.mottakId }, preset: 'FEIL', count: 1 },
    });
    bridge = await env.start({ ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'admin-password-1' });
    const rows = () => forsendelseRows(bridge);
    await eventually(
      async () => {
        const current = await rows();
        const byId = new Map(current.map((r) => [r.mottakId, r.state]));
        return byId.get(ok.mottakId) === 'CONFIRMED' && byId.get(feil.mottakId) === 'FAILED' ? true : undefined;
      },
      30_000,
      'one confirmed and one failed',
    );

    expect((await fetch(`${bridge.url}/admin/forsendelser`)).status).toBe(401);
    const wrong = { authorization: `Basic ${Buffer.from('ops:admin-password-2').toString('base64')}` };
    expect((await fetch(`${bridge.url}/admin/forsendelser`, { headers: wrong })).status).toBe(401);
    const replayWithout = await fetch(`${bridge.url}/admin/forsendelser/${feil.mottakId}/replay`, { method: 'POST' });
    expect(replayWithout.status).toBe(401);
    expect(replayWithout.headers.get('www-authenticate')).toMatch(/^Basic /);

    const failed = await admin<{ items: { mottakId: string; failureReason: string }[]; total: number }>(
      '/forsendelser?state=FAILED',
    );
    expect(failed.status).toBe(200);
    expect(failed.body.total).toBe(1);
    expect(failed.body.items[0]).toMatchObject({
      mottakId: feil.mottakId,
      failureReason: expect.stringContaining('FEIL'),
    });
    expect((await admin('/forsendelser?state=NOPE')).status).toBe(400);

    const shown = await admin<{ events: { kind: string; toState: string | null; status: string | null }[] }>(
      `/forsendelser/${feil.mottakId}`,
    );
    expect(shown.body.events.map((e) => e.toState ?? e.status)).toEqual(
      expect.arrayContaining(['DISCOVERED', 'FORWARDING', 'SENT', 'FEIL', 'FAILED']),
    );
    expect((await admin(`/forsendelser/00000000-0000-4000-8000-000000000000`)).status).toBe(404);

    expect((await admin(`/forsendelser/${ok.mottakId}/replay`, 'POST')).body).toEqual({
      mottakId: ok.mottakId,
      outcome: 'not-failed',
    });
    expect((await admin(`/forsendelser/${feil.mottakId}/replay`, 'POST')).body).toEqual({
      mottakId: feil.mottakId,
      outcome: 'replayed',
    });
    const replayed = await eventually(
      async () => (await rows()).find((r) => r.mottakId === feil.mottakId && r.state === 'CONFIRMED'),
      30_000,
      'the replayed one confirmed',
    );
    expect(replayed.attempt).toBe(2);
    expect((await admin(`/forsendelser/${ok.mottakId}/recheck`, 'POST')).body).toEqual({
      mottakId: ok.mottakId,
      outcome: 'nothing-to-do',
    });
    expect((await admin('/replay-failed', 'POST', { reasonContains: 'FEIL' })).body).toEqual({ replayed: [] });
    expect((await admin('/replay-failed', 'POST', { bogus: 1 })).status).toBe(400);
  });
});
