import { DRAIN_TIMEOUT_MS } from '../src/queues/worker-drain.service';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from './support/bridge-harness';

describe('shutting down mid-run', () => {
  const env = useBridgeEnvironment();

  it('closes within the drain bound and loses nothing: the next start finishes the work', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 12, sizeBytes: 50_000 } });
    // Slow answers keep forwards running when the shutdown comes.
    await control(sims.brreg.url, '/faults', { body: { latencyMs: 150 } });
    const prefix = { QUEUE_PREFIX: `shut${Date.now().toString(36)}` };
    const first = await env.start(prefix);
    const rows = () => forsendelseRows(first);
    await eventually(
      async () => ((await rows()).some((r) => r.state === 'FORWARDING') ? true : undefined),
      20_000,
      'a forward in progress',
    );
    const started = Date.now();
    await first.close();
    const tookMs = Date.now() - started;
    expect(tookMs).toBeLessThan(DRAIN_TIMEOUT_MS + 5_000);

    await control(sims.brreg.url, '/faults', { method: 'DELETE' });
    const second = await env.start(prefix);
    const secondRows = () => forsendelseRows(second);
    const finished = await eventually(
      async () => {
        const current = await secondRows();
        return current.length === 12 && current.every((r) => r.state === 'CONFIRMED') ? current : undefined;
      },
      45_000,
      'all twelve confirmed after the restart',
    );
    expect(finished).toHaveLength(12);
    const messages = await control<{ doubleDelivery: boolean }[]>(sims.integrasjonspunkt.url, '/messages');
    expect(messages.filter((m) => m.doubleDelivery)).toEqual([]);
  });
});
