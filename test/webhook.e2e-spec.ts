import {
  control,
  eventually,
  forsendelseRows,
  freePort,
  testKeys,
  useBridgeEnvironment,
} from './support/bridge-harness';

const SECRET = 'webhook-secret-0123456789';

interface Call {
  method: string;
  url: string;
}

describe('the status webhook', () => {
  const env = useBridgeEnvironment();

  it('keeps a subscription at the IP and confirms on its pushes, with the status poll all but off', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const port = await freePort();
    // The feed reads once at start and then every hour: only the webhook can bring LEVERT in time.
    const bridge = await env.start({
      PORT: String(port),
      EFM_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}`,
      EFM_WEBHOOK_SECRET: SECRET,
      EFM_STATUS_POLL_INTERVAL_MS: '3600000',
    });
    const subscriptions = await fetch(`${sims.integrasjonspunkt.url}/api/subscriptions`);
    const page = (await subscriptions.json()) as { content: { name: string; pushEndpoint: string; filter?: string }[] };
    expect(page.content).toEqual([
      expect.objectContaining({
        name: 'brreg-efm-bridge',
        pushEndpoint: `http://127.0.0.1:${port}/webhook/efm/${SECRET}`,
      }),
    ]);

    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 3 } });
    await eventually(
      async () => {
        const rows = await forsendelseRows(bridge);
        return rows.length === 3 && rows.every((r) => r.state === 'CONFIRMED') ? rows : undefined;
      },
      30_000,
      'all three confirmed through webhook-triggered re-reads',
    );
    // The harness's IP is as unkind as the real one: each event came before its status was readable, and the
    // courses held an ANNET before LEVERT and a LEST after it, which changed nothing.
    await eventually(
      async () => {
        const messages = await control<{ statuses: { status: string }[] }[]>(sims.integrasjonspunkt.url, '/messages');
        const seen = new Set(messages.flatMap((m) => m.statuses.map((s) => s.status)));
        return seen.has('ANNET') && seen.has('LEST') ? seen : undefined;
      },
      10_000,
      'an ANNET and a LEST among the three courses',
    );
    expect((await forsendelseRows(bridge)).every((r) => r.state === 'CONFIRMED')).toBe(true);
    const calls = await control<Call[]>(sims.integrasjonspunkt.url, '/calls');
    expect(calls.filter((c) => c.url.startsWith('/api/statuses?')).length).toBeLessThanOrEqual(1);
    expect(calls.some((c) => /^\/api\/statuses\/[0-9a-f-]{36}/.test(c.url))).toBe(true);
  });

  it('refuses a push without the secret, and never acts on an event by itself', async () => {
    const port = await freePort();
    const bridge = await env.start({
      PORT: String(port),
      EFM_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}`,
      EFM_WEBHOOK_SECRET: SECRET,
      EFM_STATUS_POLL_INTERVAL_MS: '3600000',
    });
    const post = (path: string, body: unknown) =>
      fetch(`${bridge.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const forged = { event: 'status', messageId: '00000000-0000-4000-8000-000000000001', status: 'LEVERT' };
    const rereads = async (messageId: string) =>
      (await control<Call[]>(env.sims.integrasjonspunkt.url, '/calls')).filter((c) =>
        c.url.startsWith(`/api/statuses/${messageId}`),
      ).length;
    expect((await post('/webhook/efm/wrong-secret-0123456789', forged)).status).toBe(404);
    expect((await post(`/webhook/efm/${SECRET.slice(0, -1)}`, forged)).status).toBe(404);
    expect((await post('/webhook/efm/', forged)).status).toBe(404);
    expect((await post('/webhook/efm', forged)).status).toBe(404);
    // A messageId that is not one of ours (not a UUID) is never put into a call to the IP.
    expect(await (await post(`/webhook/efm/${SECRET}`, { ...forged, messageId: '../subscriptions' })).json()).toEqual({
      accepted: false,
    });
    // The refused pushes named one message, the accepted one (sent last) another: once the accepted hint has been
    // re-read, and as long again as any hint waits, the refused ones have caused no re-read.
    const hinted = '00000000-0000-4000-8000-000000000002';
    const accepted = await post(`/webhook/efm/${SECRET}`, { ...forged, messageId: hinted });
    expect(accepted.status).toBe(200);
    await eventually(
      async () => ((await rereads(hinted)) > 0 ? true : undefined),
      10_000,
      'the re-read of the hinted message',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await rereads(forged.messageId)).toBe(0);
    // A forged LEVERT for a message that is not ours changes nothing: the re-read finds no such message.
    const rows = await forsendelseRows(bridge);
    expect(rows.filter((r) => r.state === 'DELIVERED')).toEqual([]);
    expect((await post(`/webhook/efm/${SECRET}`, { createdTs: new Date().toISOString(), event: 'ping' })).status).toBe(
      200,
    );
  });
});
