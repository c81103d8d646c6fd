import {
  anSbd,
  EX,
  expectSpringError,
  IpTestClient,
  messageIdOf,
  OUR_ORGNR,
  RECEIVER,
  useIpSimulator,
  waitFor,
  waitForStatuses,
  type SbdJson,
  type SpringErrorBody,
} from './integrasjonspunkt.test-kit';
import type { IncomingView } from '../../src/simulator/integrasjonspunkt/ip-control.routes';

const RECEIPT_PROCESS = 'urn:no:difi:profile:arkivmelding:response:ver1.0';

interface Kvittering {
  receiptType: string;
  relatedToMessageId: string;
  messages: { code?: string; text: string }[];
}

describe('integrasjonspunkt simulator: incoming messages and receipts', () => {
  const simulator = useIpSimulator({
    sendDelayMs: 0,
    statusDelayMs: 0,
    lestRate: 0,
    annetRate: 0,
    autoKvitteringRate: 0,
    incomingLockTimeoutMs: 300_000,
    incomingUnlockIntervalMs: 5_000,
  });
  let ip: IpTestClient;

  beforeAll(() => {
    ({ ip } = simulator);
  });

  async function sent(): Promise<{ messageId: string; conversationId: string }> {
    const sbd = anSbd();
    const messageId = await ip.createReadyMessage(sbd);
    await waitForStatuses(ip, messageId, ['LEVERT']);
    return { messageId, conversationId: sbd.standardBusinessDocumentHeader.businessScope.scope[0].instanceIdentifier! };
  }

  async function kvittering(messageId: string, body: Record<string, unknown> = {}): Promise<IncomingView> {
    const res = await ip.control<IncomingView>('POST', '/incoming/kvittering', { messageId, ...body });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function peek(query: string): Promise<{ status: number; body: SbdJson & SpringErrorBody }> {
    return ip.json<SbdJson & SpringErrorBody>('GET', `/api/messages/in/peek${query}`);
  }

  it('puts the receiver’s arkivmelding_kvittering for our conversation in the queue, in the IP’s shape', async () => {
    const ours = await sent();
    const posted = await kvittering(ours.messageId, {
      receiptType: 'ERROR',
      messages: [{ code: 'AVVIST', text: 'Arkivet avviste meldingen' }],
    });
    const peeked = await peek(`?conversationId=${ours.conversationId}&process=${encodeURIComponent(RECEIPT_PROCESS)}`);
    expect(peeked.status).toBe(200);
    const header = peeked.body.standardBusinessDocumentHeader;
    expect(header.documentIdentification).toEqual(
      expect.objectContaining({
        standard: 'urn:no:difi:arkivmelding:xsd::arkivmelding_kvittering',
        type: 'arkivmelding_kvittering',
        typeVersion: '2.0',
        instanceIdentifier: posted.messageId,
      }),
    );
    expect(posted.messageId).not.toBe(ours.messageId);
    expect(header.businessScope.scope[0]).toEqual(
      expect.objectContaining({
        type: 'ConversationId',
        identifier: RECEIPT_PROCESS,
        instanceIdentifier: ours.conversationId,
      }),
    );
    expect(header.sender).toEqual([{ identifier: { value: `0192:${RECEIVER}`, authority: 'iso6523-actorid-upis' } }]);
    expect(header.receiver).toEqual([
      { identifier: { value: `0192:${OUR_ORGNR}`, authority: 'iso6523-actorid-upis' } },
    ]);
    expect(peeked.body.arkivmelding_kvittering as Kvittering).toEqual({
      receiptType: 'ERROR',
      relatedToMessageId: ours.messageId,
      messages: [{ code: 'AVVIST', text: 'Arkivet avviste meldingen' }],
    });
    expect(Object.keys(peeked.body)).toEqual(['standardBusinessDocumentHeader', 'arkivmelding_kvittering']);
  });

  it('locks on peek: the next peek skips it, pop answers 204 for a receipt, DELETE removes it', async () => {
    const ours = await sent();
    const posted = await kvittering(ours.messageId);
    const query = `?conversationId=${ours.conversationId}`;
    expect((await peek(query)).status).toBe(200);
    expect((await peek(query)).status).toBe(204);
    const pop = await ip.call('GET', `/api/messages/in/pop/${posted.messageId}`);
    expect(pop.status).toBe(204);
    expect(await pop.text()).toBe('');
    const deleted = await ip.json<SbdJson>('DELETE', `/api/messages/in/${posted.messageId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier).toBe(
      posted.messageId,
    );
    const again = await ip.json('DELETE', `/api/messages/in/${posted.messageId}`);
    expectSpringError(again.body, 404, `${EX}MessageNotFoundException`, `/api/messages/in/${posted.messageId}`);
    expect((await ip.control<IncomingView[]>('GET', '/incoming')).body).toEqual([]);
  });

  it('refuses pop and DELETE of a message that is not locked', async () => {
    const posted = await kvittering((await sent()).messageId);
    for (const [method, path] of [
      ['GET', `/api/messages/in/pop/${posted.messageId}`],
      ['DELETE', `/api/messages/in/${posted.messageId}`],
    ]) {
      const res = await ip.json(method, path);
      expectSpringError(res.body, 400, `${EX}MessageNotLockedException`, path);
      expect(res.body.message).toBe(`Message with messageId = ${posted.messageId} was not locked`);
    }
  });

  it('filters the peek exactly, so other clients’ and conversations’ messages stay untouched', async () => {
    const ours = await sent();
    const foreign = await ip.control<IncomingView>('POST', '/incoming', { sender: '910000077' });
    const otherReceipt = await ip.control<IncomingView>('POST', '/incoming', {
      type: 'arkivmelding_kvittering',
      relatedToMessageId: 'not-ours',
    });
    const posted = await kvittering(ours.messageId);
    const peeked = await peek(`?conversationId=${ours.conversationId}&process=${encodeURIComponent(RECEIPT_PROCESS)}`);
    expect(peeked.body.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier).toBe(posted.messageId);
    const views = (await ip.control<IncomingView[]>('GET', '/incoming')).body;
    const byId = new Map(views.map((v) => [v.messageId, v]));
    expect(byId.get(foreign.body.messageId)).toEqual(expect.objectContaining({ locked: false, locks: 0, pops: 0 }));
    expect(byId.get(otherReceipt.body.messageId)).toEqual(expect.objectContaining({ locked: false, locks: 0 }));
    expect(byId.get(posted.messageId)).toEqual(expect.objectContaining({ locked: true, locks: 1 }));
    // Without filters the oldest unlocked one comes first: another client's arkivmelding, with its ASiC-E.
    const any = await peek('');
    expect(any.body.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier).toBe(
      foreign.body.messageId,
    );
    const pop = await ip.call('GET', `/api/messages/in/pop/${foreign.body.messageId}`);
    expect(pop.status).toBe(200);
    expect(pop.headers.get('content-type')).toBe('application/vnd.etsi.asic-e+zip');
    expect(pop.headers.get('content-disposition')).toBe('attachment; filename=asic.zip');
    expect(
      Buffer.from(await pop.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });

  it('answers 500 for an unknown serviceIdentifier filter, as ServiceIdentifier.valueOf does', async () => {
    const res = await peek('?serviceIdentifier=XYZ');
    expectSpringError(res.body, 500, 'java.lang.IllegalArgumentException', '/api/messages/in/peek');
    expect((await peek('?serviceIdentifier=DPO')).status).toBe(204);
  });

  it('releases a timed-out lock when the unlocker next runs, and locks it again on the next peek', async () => {
    await ip.control('POST', '/settings', { incomingLockTimeoutMs: 0, incomingUnlockIntervalMs: 200 });
    const posted = await kvittering((await sent()).messageId);
    expect((await peek('')).status).toBe(200);
    await waitFor(async () => ((await peek('')).status === 200 ? true : undefined));
    const view = (await ip.control<IncomingView[]>('GET', '/incoming')).body.find(
      (v) => v.messageId === posted.messageId,
    );
    expect(view?.locks).toBe(2);
    await ip.control('POST', '/settings', { incomingLockTimeoutMs: 300_000, incomingUnlockIntervalMs: 5_000 });
  });

  it('posts an OK kvittering at LEVERT on its own at autoKvitteringRate', async () => {
    await ip.control('POST', '/settings', { autoKvitteringRate: 1 });
    const ours = await sent();
    await ip.control('POST', '/settings', { autoKvitteringRate: 0 });
    const views = await waitFor(async () => {
      const all = (await ip.control<IncomingView[]>('GET', '/incoming')).body;
      return all.length > 0 ? all : undefined;
    });
    expect(views).toHaveLength(1);
    expect(views[0].conversationId).toBe(ours.conversationId);
    expect(views[0].sbd.arkivmelding_kvittering).toEqual({
      receiptType: 'OK',
      relatedToMessageId: ours.messageId,
      messages: [],
    });
  });

  it('refuses a kvittering for an unknown message and a bad receiptType', async () => {
    expect((await ip.control('POST', '/incoming/kvittering', { messageId: messageIdOf(anSbd()) })).status).toBe(404);
    const ours = await sent();
    expect(
      (await ip.control('POST', '/incoming/kvittering', { messageId: ours.messageId, receiptType: 'MAYBE' })).status,
    ).toBe(400);
  });
});
