import { seedDemoCases } from '../src/demo/demo-cases';
import { arkivmeldingProblems } from './support/arkivmelding-schema';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from './support/bridge-harness';

interface IpMessage {
  messageId: string;
}

/**
 * `npm run demo`'s forsendelser (src/demo/demo-cases.ts) through the bridge as the demo runs them: each reaches the
 * demo's expected state after its expected attempts, and every arkivmelding.xml uploaded on the way — a retried
 * and a parked one included — passes the schema check.
 */
describe("the demo's cases", () => {
  const env = useBridgeEnvironment();

  it('end as the demo expects, and every arkivmelding.xml they upload passes the schema check', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const cases = await seedDemoCases(sims, orgnr);
    const bridge = await env.start();
    await eventually(
      async () => {
        const rows = await forsendelseRows(bridge);
        const done = cases.every((c) => {
          const row = rows.find((r) => r.mottakId === c.mottakId);
          return row?.state === c.expected && row.attempt === c.expectedAttempts;
        });
        return done ? rows : undefined;
      },
      120_000,
      'every demo case in its expected state',
    );

    const messages = await control<IpMessage[]>(sims.integrasjonspunkt.url, '/messages');
    // Every attempt of every case uploads one: the LEVETID_UTLOPT case two.
    expect(messages).toHaveLength(cases.reduce((n, c) => n + c.expectedAttempts, 0));
    for (const m of messages) {
      const response = await fetch(`${sims.integrasjonspunkt.url}/_sim/messages/${m.messageId}/arkivmelding.xml`);
      expect({ messageId: m.messageId, status: response.status }).toEqual({ messageId: m.messageId, status: 200 });
      expect({ messageId: m.messageId, problems: arkivmeldingProblems(await response.text()) }).toEqual({
        messageId: m.messageId,
        problems: [],
      });
    }
  }, 180_000);
});
