import { randomUUID } from 'node:crypto';
import {
  anSbd,
  EX,
  expectSpringError,
  IpTestClient,
  messageIdOf,
  OFFSET_DATE_TIME,
  RECEIVER,
  startIp,
  useIpSimulator,
  waitFor,
  waitForStatuses,
  type ConversationBody,
  type PageBody,
  type SpringErrorBody,
  type StatusBody,
} from './integrasjonspunkt.test-kit';

type StatusPage = PageBody<StatusBody>;

describe('integrasjonspunkt simulator: statuses, conversations and status progression', () => {
  const simulator = useIpSimulator({
    sendDelayMs: 0,
    statusDelayMs: 0,
    ttlCheckIntervalMs: 0,
    statusQueueIncludes: [],
    statusTimeFilterExclusive: false,
    statusCommitDelayMs: 0,
    lestRate: 0,
    annetRate: 0,
  });
  let ip: IpTestClient;

  beforeAll(() => {
    ({ ip } = simulator);
  });

  async function statusPage(query: string): Promise<{ status: number; body: StatusPage }> {
    return ip.json<StatusPage>('GET', `/api/statuses${query}`);
  }

  async function delivered(receiver = RECEIVER): Promise<string> {
    const messageId = await ip.createReadyMessage(anSbd({ receiver }));
    await waitForStatuses(ip, messageId, ['LEVERT']);
    return messageId;
  }

  describe('automatic progression after the send', () => {
    it.each([
      ['DPO', ['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT']],
      ['DPV', ['OPPRETTET', 'SENDT', 'LEVERT']],
      ['DPF', ['OPPRETTET', 'SENDT', 'LEVERT']],
    ])('reaches LEVERT with delay 0 for %s', async (service, expected) => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service });
      const messageId = await delivered();
      expect(await ip.statusNames(messageId)).toEqual(expected);
      const conversation = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      expect(conversation.body.finished).toBe(true);
      expect(conversation.body.serviceIdentifier).toBe(service);
    });

    it('adds ANNET before LEVERT and LEST after it at their rates, spread evenly over the messages', async () => {
      await ip.control('POST', '/settings', { lestRate: 0.5, annetRate: 0.5 });
      const plain = await delivered();
      const second = await ip.createReadyMessage();
      await waitForStatuses(ip, second, ['LEST']);
      await ip.control('POST', '/settings', { lestRate: 0, annetRate: 0 });
      expect(await ip.statusNames(plain)).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT']);
      expect(await ip.statusNames(second)).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT', 'ANNET', 'LEVERT', 'LEST']);
      const conversation = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${second}`);
      expect(conversation.body.finished).toBe(true);
    });

    it.each([
      ['DPV', ['OPPRETTET', 'SENDT', 'ANNET', 'LEVERT', 'LEST']],
      ['DPF', ['OPPRETTET', 'SENDT', 'LEVERT', 'LEST']],
    ])('gives %s its own extras (DPF never reports ANNET)', async (service, expected) => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service });
      await ip.control('POST', '/settings', { lestRate: 1, annetRate: 1 });
      const messageId = await ip.createReadyMessage();
      await waitForStatuses(ip, messageId, ['LEST']);
      await ip.control('POST', '/settings', { lestRate: 0, annetRate: 0 });
      expect(await ip.statusNames(messageId)).toEqual(expected);
    });

    it('refuses a rate outside 0–1', async () => {
      expect((await ip.control('POST', '/settings', { lestRate: 1.5 })).status).toBe(400);
      expect((await ip.control('POST', '/settings', { annetRate: -0.1 })).status).toBe(400);
      await expect(startIp({ lestRate: 2 })).rejects.toThrow('lestRate must be a number from 0 to 1');
    });

    it('waits statusDelayMs between steps', async () => {
      await ip.control('POST', '/settings', { statusDelayMs: 1000 });
      const messageId = await ip.createReadyMessage();
      await waitForStatuses(ip, messageId, ['SENDT']);
      expect(await ip.statusNames(messageId)).not.toContain('MOTTATT');
      await waitForStatuses(ip, messageId, ['MOTTATT']);
      expect(await ip.statusNames(messageId)).not.toContain('LEVERT');
      await waitForStatuses(ip, messageId, ['LEVERT']);
    });
  });

  describe('GET /api/statuses/{messageId}', () => {
    it('returns a Spring page sorted by id, with the MessageStatus shape', async () => {
      const messageId = await delivered();
      const res = await statusPage(`/${messageId}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        totalElements: 4,
        totalPages: 1,
        number: 0,
        size: 10,
        numberOfElements: 4,
        first: true,
        last: true,
        empty: false,
        pageable: { pageNumber: 0, pageSize: 10, offset: 0, paged: true, unpaged: false },
        sort: { sorted: true, unsorted: false, empty: false },
      });
      const ids = res.body.content.map((s) => s.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      const conversation = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      for (const status of res.body.content) {
        expect(Object.keys(status).sort()).toEqual([
          'convId',
          'conversationId',
          'id',
          'lastUpdate',
          'messageId',
          'status',
        ]);
        expect(status).toMatchObject({
          messageId,
          convId: conversation.body.id,
          conversationId: conversation.body.conversationId,
        });
        expect(status.lastUpdate).toMatch(OFFSET_DATE_TIME);
      }
    });

    it('returns an empty page for an unknown messageId', async () => {
      const res = await statusPage(`/${randomUUID()}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        content: [],
        totalElements: 0,
        totalPages: 0,
        empty: true,
        numberOfElements: 0,
      });
    });
  });

  describe('GET /api/statuses', () => {
    it('pages with size and page, cuts size 5000 to 2000 and treats junk sizes as 10', async () => {
      await delivered();
      await delivered();
      const all = await statusPage('');
      expect(all.body.totalElements).toBe(8);
      expect(all.body.content.map((s) => s.id)).toEqual([...all.body.content.map((s) => s.id)].sort((a, b) => a - b));
      const second = await statusPage('?size=3&page=1');
      expect(second.body.content.map((s) => s.id)).toEqual(all.body.content.slice(3, 6).map((s) => s.id));
      expect(second.body).toMatchObject({ number: 1, size: 3, totalPages: 3, first: false, last: false });
      expect((await statusPage('?size=5000')).body.size).toBe(2000);
      expect((await statusPage('?size=5000')).body.pageable.pageSize).toBe(2000);
      for (const size of ['0', '-5', 'abc']) {
        expect((await statusPage(`?size=${size}`)).body.size).toBe(10);
      }
      expect((await statusPage('?page=-1')).body.number).toBe(0);
    });

    it('sorts by sort=prop,desc and answers 500 for a property MessageStatus lacks', async () => {
      await delivered();
      const desc = await statusPage('?sort=id,desc');
      const ids = desc.body.content.map((s) => s.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const bad = await ip.json('GET', '/api/statuses?sort=messageId');
      expectSpringError(bad.body, 500, 'org.springframework.data.mapping.PropertyReferenceException', '/api/statuses');
      expect(bad.body.message).toBe("No property 'messageId' found for type 'MessageStatus'");
    });

    it('filters exactly on status, messageId, conversationId and id', async () => {
      const first = await delivered();
      await delivered();
      const levert = await statusPage('?status=LEVERT');
      expect(levert.body.content.map((s) => s.status)).toEqual(['LEVERT', 'LEVERT']);
      const byMessage = await statusPage(`?messageId=${first}`);
      expect(byMessage.body.totalElements).toBe(4);
      const conversationId = byMessage.body.content[0].conversationId;
      expect((await statusPage(`?conversationId=${conversationId}`)).body.totalElements).toBe(4);
      const one = byMessage.body.content[2];
      expect((await statusPage(`?id=${one.id}`)).body.content).toEqual([one]);
      expect((await statusPage('?status=levert')).body.totalElements).toBe(0);
    });

    it('ignores a lone fromDateTime (no filter, no error)', async () => {
      await delivered();
      const future = encodeURIComponent(new Date(Date.now() + 3600_000).toISOString());
      expect((await statusPage(`?fromDateTime=${future}`)).body.totalElements).toBe(4);
      expect((await statusPage(`?toDateTime=2000-01-01T00:00:00Z`)).body.totalElements).toBe(4);
    });

    it('applies both bounds inclusively, or exclusively when so configured', async () => {
      await ip.control('POST', '/settings', { statusDelayMs: 30 });
      const messageId = await delivered();
      const statuses = (await statusPage(`/${messageId}`)).body.content;
      const from = encodeURIComponent(statuses[1].lastUpdate);
      const to = encodeURIComponent(statuses[2].lastUpdate);
      const inclusive = await statusPage(`?fromDateTime=${from}&toDateTime=${to}`);
      expect(inclusive.body.content.map((s) => s.id)).toEqual([statuses[1].id, statuses[2].id]);
      await ip.control('POST', '/settings', { statusTimeFilterExclusive: true });
      const wider = `?fromDateTime=${encodeURIComponent(statuses[0].lastUpdate)}&toDateTime=${encodeURIComponent(statuses[3].lastUpdate)}`;
      expect((await statusPage(wider)).body.content.map((s) => s.id)).toEqual([statuses[1].id, statuses[2].id]);
    });

    it('compares bounds as instants, whatever their offset', async () => {
      await delivered();
      const from = encodeURIComponent('2000-01-01T01:00:00+01:00');
      const to = encodeURIComponent(new Date(Date.now() + 60_000).toISOString().replace('Z', '+00:00'));
      expect((await statusPage(`?fromDateTime=${from}&toDateTime=${to}`)).body.totalElements).toBe(4);
    });

    it('answers 400 for a raw + (decoded as a space) and for a date-time without offset', async () => {
      for (const value of ['2024-05-01T10:00:00+02:00', '2024-05-01T10:00:00']) {
        const res = await ip.json('GET', `/api/statuses?fromDateTime=${value}&toDateTime=2030-01-01T00:00:00Z`);
        expect(res.status).toBe(400);
        expectSpringError(
          res.body,
          400,
          'org.springframework.web.bind.MethodArgumentNotValidException',
          '/api/statuses',
        );
        expect(res.body.message).toBe("Validation failed for object='messageStatusQueryInput'. Error count: 1");
        expect(res.body.errors?.[0]).toMatchObject({
          field: 'fromDateTime',
          code: 'typeMismatch',
          bindingFailure: true,
        });
      }
      const lone = await ip.json('GET', '/api/statuses?toDateTime=2024-05-01T10:00:00+02:00');
      expect(lone.status).toBe(400);
    });
  });

  describe('status queue (peek + DELETE)', () => {
    it('answers 204 while the queue does not include the service (the IP default)', async () => {
      await delivered();
      const res = await ip.call('GET', '/api/statuses/peek');
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
    });

    it('peeks the oldest queued status until it is deleted', async () => {
      await ip.control('POST', '/settings', { statusQueueIncludes: ['DPO'] });
      const messageId = await delivered();
      const first = await ip.json<StatusBody>('GET', '/api/statuses/peek');
      expect(first.body).toMatchObject({ messageId, status: 'OPPRETTET' });
      expect((await ip.json<StatusBody>('GET', '/api/statuses/peek')).body.id).toBe(first.body.id);
      const deleted = await ip.call('DELETE', `/api/statuses/${first.body.id}`);
      expect(deleted.status).toBe(200);
      const again = await ip.call('DELETE', `/api/statuses/${first.body.id}`);
      expect(again.status).toBe(404);
      expect(await again.text()).toBe('');
      expect((await ip.json<StatusBody>('GET', '/api/statuses/peek')).body.status).toBe('SENDT');
      expect((await ip.json('DELETE', '/api/statuses/abc')).body.exception).toBe(
        'org.springframework.web.method.annotation.MethodArgumentTypeMismatchException',
      );
    });
  });

  describe('conversations', () => {
    it('returns the conversation by messageId with all statuses (in no fixed order)', async () => {
      const sbd = anSbd();
      const messageId = messageIdOf(sbd);
      await ip.createReadyMessage(sbd);
      await waitForStatuses(ip, messageId, ['LEVERT']);
      const res = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        messageId,
        conversationId: sbd.standardBusinessDocumentHeader.businessScope.scope[0].instanceIdentifier,
        receiverIdentifier: RECEIVER,
        receiver: `0192:${RECEIVER}`,
        serviceIdentifier: 'DPO',
        processIdentifier: 'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0',
        documentIdentifier: 'urn:no:difi:arkivmelding:xsd::arkivmelding',
        direction: 'OUTGOING',
        finished: true,
      });
      expect(res.body.expiry).toMatch(OFFSET_DATE_TIME);
      expect(res.body.messageStatuses.map((s) => s.status).sort()).toEqual(['LEVERT', 'MOTTATT', 'OPPRETTET', 'SENDT']);
      const byId = await ip.json<ConversationBody>('GET', `/api/conversations/${res.body.id}`);
      expect(byId.body.messageId).toBe(messageId);
      const page = await ip.json<PageBody<ConversationBody>>('GET', `/api/conversations?messageId=${messageId}`);
      expect(page.body.content.map((c) => c.id)).toEqual([res.body.id]);
    });

    it('answers 404 MessageNotFoundException and ConversationNotFoundException for unknown ones', async () => {
      const id = randomUUID();
      const res = await ip.json('GET', `/api/conversations/messageId/${id}`);
      expectSpringError(res.body, 404, `${EX}MessageNotFoundException`, `/api/conversations/messageId/${id}`);
      const byId = await ip.json('GET', '/api/conversations/1234567');
      expectSpringError(byId.body, 404, `${EX}ConversationNotFoundException`, '/api/conversations/1234567');
      expect(byId.body.message).toBe('Conversation with id = 1,234,567 was not found');
      const junk = await ip.json('GET', '/api/conversations/abc');
      expect(junk.status).toBe(400);
    });

    it('uses one id sequence for conversations and statuses, increasing monotonically', async () => {
      const a = await delivered();
      const b = await delivered();
      const ids = [...(await statusPage(`/${a}`)).body.content, ...(await statusPage(`/${b}`)).body.content].map(
        (s) => s.id,
      );
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('ages out the oldest finished conversations past its capacity', async () => {
      const small = await startIp({ capacity: 3 });
      try {
        const client = new IpTestClient(small.url);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const messageId = await client.createReadyMessage();
          await waitForStatuses(client, messageId, ['LEVERT']);
          ids.push(messageId);
        }
        expect((await client.json('GET', `/api/conversations/messageId/${ids[0]}`)).status).toBe(404);
        expect((await client.json('GET', `/api/conversations/messageId/${ids[4]}`)).status).toBe(200);
      } finally {
        await small.close();
      }
    });
  });

  describe('status scripts', () => {
    it.each([
      ['FEIL', ['OPPRETTET', 'SENDT', 'MOTTATT', 'FEIL']],
      ['LEVETID_UTLOPT', ['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVETID_UTLOPT']],
      ['LATE_LEVERT', ['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVETID_UTLOPT', 'LEVERT']],
      ['FEIL_AFTER_LEVERT', ['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT', 'FEIL']],
      ['LEST', ['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT', 'LEST']],
      ['ANNET', ['OPPRETTET', 'SENDT', 'MOTTATT', 'ANNET', 'LEVERT']],
    ])('preset %s for a messageId', async (preset, expected) => {
      const sbd = anSbd();
      await ip.control('POST', '/scripts', { match: { messageId: messageIdOf(sbd) }, preset });
      const messageId = await ip.createReadyMessage(sbd);
      await waitForStatuses(ip, messageId, [expected[expected.length - 1]]);
      await new Promise((r) => setTimeout(r, 30));
      expect(await ip.statusNames(messageId)).toEqual(expected);
      expect((await ip.trace(messageId)).script).toBe(preset);
    });

    it('holds a DPO message at MOTTATT', async () => {
      const sbd = anSbd();
      await ip.control('POST', '/scripts', { match: { messageId: messageIdOf(sbd) }, preset: 'HOLD' });
      const messageId = await ip.createReadyMessage(sbd);
      await waitForStatuses(ip, messageId, ['MOTTATT']);
      await new Promise((r) => setTimeout(r, 50));
      expect(await ip.statusNames(messageId)).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT']);
    });

    it('applies a rule to the next N messages of a receiver only', async () => {
      await ip.control('POST', '/scripts', { match: { receiver: RECEIVER }, preset: 'FEIL', count: 1 });
      const first = await ip.createReadyMessage();
      await waitForStatuses(ip, first, ['FEIL']);
      const second = await delivered();
      expect(await ip.statusNames(second)).not.toContain('FEIL');
      const rules = await ip.control<{ applied: number; remaining: number }[]>('GET', '/scripts');
      expect(rules.body[0]).toMatchObject({ applied: 1, remaining: 0 });
    });

    it('matches on arkivmelding content and file names, with custom steps and descriptions', async () => {
      await ip.control('POST', '/scripts', {
        match: { filename: '^special-.*\\.zip$' },
        steps: [{ status: 'FEIL', description: 'Arkivet avviste meldingen' }],
      });
      const special = await ip.createReadyMessage(anSbd(), { files: ['special-1.zip'] });
      await waitForStatuses(ip, special, ['FEIL']);
      const trace = await ip.trace(special);
      expect(trace.statuses.find((s) => s.status === 'FEIL')?.description).toBe('Arkivet avviste meldingen');
      await ip.control('DELETE', '/scripts');
      await ip.control('POST', '/scripts', {
        match: { arkivmeldingContains: 'special-2.zip' },
        preset: 'LEVETID_UTLOPT',
      });
      const other = await ip.createReadyMessage(anSbd(), { files: ['special-2.zip'] });
      await waitForStatuses(ip, other, ['LEVETID_UTLOPT']);
    });

    it('takes over a message already past SENDT, and injects any status now (a repeat is dropped)', async () => {
      await ip.control('POST', '/settings', { statusDelayMs: 60_000 });
      const messageId = await ip.createReadyMessage();
      await waitForStatuses(ip, messageId, ['SENDT']);
      await ip.control('POST', '/settings', { statusDelayMs: 0 });
      await ip.control('POST', '/scripts', { match: { messageId }, preset: 'FEIL' });
      await waitForStatuses(ip, messageId, ['FEIL']);
      const injected = await ip.control<{ added: boolean; status: StatusBody }>(
        'POST',
        `/messages/${messageId}/statuses`,
        {
          status: 'LEVERT',
          description: 'sent late',
        },
      );
      expect(injected.body).toMatchObject({
        added: true,
        status: { status: 'LEVERT', description: 'sent late', messageId },
      });
      const repeat = await ip.control<{ added: boolean }>('POST', `/messages/${messageId}/statuses`, {
        status: 'LEVERT',
      });
      expect(repeat.body.added).toBe(false);
      expect((await ip.statusNames(messageId)).filter((s) => s === 'LEVERT')).toHaveLength(1);
    });

    it('refuses a bad script with 400', async () => {
      const res = await ip.control('POST', '/scripts', { match: {}, preset: 'FEIL' });
      expect(res.status).toBe(400);
      const both = await ip.control('POST', '/scripts', { match: { receiver: RECEIVER }, preset: 'FEIL', steps: [] });
      expect(both.status).toBe(400);
    });
  });

  describe('TTL expiry', () => {
    it('sets LEVETID_UTLOPT (no description) when the deadline passes without LEVERT', async () => {
      const sbd = anSbd({ expectedResponseDateTime: new Date(Date.now() + 1500).toISOString() });
      await ip.control('POST', '/scripts', { match: { messageId: messageIdOf(sbd) }, preset: 'HOLD' });
      const messageId = await ip.createReadyMessage(sbd);
      await waitForStatuses(ip, messageId, ['LEVETID_UTLOPT']);
      const trace = await ip.trace(messageId);
      expect(trace.statuses.map((s) => s.status)).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVETID_UTLOPT']);
      expect(trace.statuses[3].description).toBeUndefined();
      expect(trace.finished).toBe(true);
    });

    it('also expires an unsent message, and leaves a delivered one alone', async () => {
      const unsent = anSbd({ expectedResponseDateTime: new Date(Date.now() + 1500).toISOString() });
      await ip.create(unsent);
      const deliveredSbd = anSbd({ expectedResponseDateTime: new Date(Date.now() + 1500).toISOString() });
      const deliveredId = await ip.createReadyMessage(deliveredSbd);
      await waitForStatuses(ip, deliveredId, ['LEVERT']);
      await waitForStatuses(ip, messageIdOf(unsent), ['LEVETID_UTLOPT']);
      await new Promise((r) => setTimeout(r, 100));
      expect(await ip.statusNames(deliveredId)).not.toContain('LEVETID_UTLOPT');
    });
  });

  describe('late commit', () => {
    it('keeps a status out of the API until it is committed when statusCommitDelayMs is set', async () => {
      const sbd = anSbd();
      const messageId = messageIdOf(sbd);
      await ip.create(sbd);
      await ip.control('POST', '/settings', { statusCommitDelayMs: 300 });
      await ip.control('POST', `/messages/${messageId}/statuses`, { status: 'ANNET' });
      expect((await statusPage(`/${messageId}`)).body.content.map((s) => s.status)).toEqual(['OPPRETTET']);
      const page = await waitFor(async () => {
        const res = await statusPage(`/${messageId}`);
        return res.body.totalElements === 2 ? res.body : undefined;
      });
      expect(page.content.map((s) => s.status)).toEqual(['OPPRETTET', 'ANNET']);
    });
  });

  it('answers unknown control routes and bad control bodies with 400/404', async () => {
    expect((await ip.control('POST', '/settings', { statusDelayMs: -1 })).status).toBe(400);
    expect((await ip.control('GET', '/nothing')).status).toBe(404);
    expect((await ip.control<SpringErrorBody>('GET', `/messages/${randomUUID()}`)).status).toBe(404);
  });
});
