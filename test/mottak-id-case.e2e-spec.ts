import { randomUUID } from 'node:crypto';
import { conversationIdFor, messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { jobIds } from '../src/queues/queue-names';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from './support/bridge-harness';

interface IpConversation {
  conversationId: string;
  messageId: string;
}

/** Brreg may list a mottakId in any case (a UUID's case means nothing); every id the bridge derives must not care. */
describe('a mottakId listed in upper or mixed case', () => {
  const env = useBridgeEnvironment();

  it('is kept, sent and confirmed as one canonical lower-case id, and the IP knows the conversation we store', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const lower = [randomUUID(), randomUUID()];
    const listed = [
      lower[0].toUpperCase(),
      lower[1].replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c)),
    ];
    expect(listed[1]).not.toBe(lower[1]);
    for (const mottakId of listed) {
      await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1, mottakId, sizeBytes: 10_000 } });
    }
    const bridge = await env.start();
    await eventually(
      async () => {
        const rows = await forsendelseRows(bridge);
        return rows.length === 2 && rows.every((r) => r.state === 'CONFIRMED') ? rows : undefined;
      },
      60_000,
      'both confirmed',
    );
    const rows = await forsendelseRows(bridge);
    expect(rows.map((r) => r.mottakId).sort()).toEqual([...lower].sort());
    for (const row of rows) {
      expect(row.messageId).toBe(messageIdFor(row.mottakId, 1));
      expect(row.conversationId).toBe(conversationIdFor(row.mottakId));
      // Whatever the spelling it arrives in, every derived id is that of the lower-case one.
      const upper = row.mottakId.toUpperCase();
      expect([messageIdFor(upper, 1), conversationIdFor(upper), jobIds.confirm(upper)]).toEqual([
        row.messageId,
        row.conversationId,
        `confirm-${row.mottakId}`,
      ]);
      const conversation = await fetch(
        `${sims.integrasjonspunkt.url}/api/conversations/messageId/${row.messageId}`,
      ).then((r) => r.json() as Promise<IpConversation>);
      expect(conversation.conversationId).toBe(row.conversationId);
    }
    const confirms = await control<{ mottakId: string | null; outcome: string }[]>(sims.brreg.url, '/confirms');
    expect(
      confirms
        .filter((c) => c.outcome === 'confirmed')
        .map((c) => c.mottakId?.toLowerCase())
        .sort(),
    ).toEqual([...lower].sort());
  }, 90_000);
});
