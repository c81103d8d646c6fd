import { createHash, randomUUID } from 'node:crypto';
import type { IntegrasjonspunktSimulator } from '../../src/simulator/integrasjonspunkt/integrasjonspunkt.simulator';
import {
  anArkivmelding,
  anSbd,
  EX,
  expectOk,
  expectSpringError,
  IpTestClient,
  messageIdOf,
  rawRequest,
  RECEIVER,
  useIpSimulator,
  waitFor,
  waitForStatuses,
  type ConversationBody,
  type SpringErrorBody,
  type TraceBody,
} from './integrasjonspunkt.test-kit';

const MISSING_HEADER = 'org.springframework.web.bind.MissingRequestHeaderException';

describe('integrasjonspunkt simulator: upload and send', () => {
  const simulator = useIpSimulator({ sendDelayMs: 0, statusDelayMs: 0, ttlCheckIntervalMs: 0 });
  let sim: IntegrasjonspunktSimulator;
  let ip: IpTestClient;

  beforeAll(() => {
    ({ sim, ip } = simulator);
  });

  async function created(sbd = anSbd()): Promise<string> {
    const res = await ip.create(sbd);
    expect(res.status).toBe(200);
    return messageIdOf(sbd);
  }

  async function errorOf(res: Response): Promise<SpringErrorBody> {
    return (await res.json()) as SpringErrorBody;
  }

  describe('PUT /api/messages/out/{id}', () => {
    it('refuses an upload without Content-Disposition with 400 MissingRequestHeaderException', async () => {
      const messageId = await created();
      const res = await ip.call('PUT', `/api/messages/out/${messageId}`, Buffer.from('x'), {
        'Content-Type': 'application/zip',
      });
      expect(res.status).toBe(400);
      const body = await errorOf(res);
      expectSpringError(body, 400, MISSING_HEADER, `/api/messages/out/${messageId}`);
      expect(body.message).toBe("Required header 'Content-Disposition' is not present.");
    });

    it('names Content-Type when it is missing, also when both are missing and for an unknown id', async () => {
      const messageId = await created();
      for (const [id, headers] of [
        [messageId, { 'Content-Disposition': 'attachment; filename="a.zip"' }],
        [messageId, {}],
        [randomUUID(), {}],
      ] as [string, Record<string, string>][]) {
        const res = await ip.call('PUT', `/api/messages/out/${id}`, Buffer.from('x'), headers);
        expect(res.status).toBe(400);
        expect((await errorOf(res)).message).toBe("Required header 'Content-Type' is not present.");
      }
    });

    it('answers 404 MessageNotFoundException for an unknown id', async () => {
      const id = randomUUID();
      const res = await ip.upload(id, 'a.zip', 'x');
      expect(res.status).toBe(404);
      expectSpringError(await errorOf(res), 404, `${EX}MessageNotFoundException`, `/api/messages/out/${id}`);
    });

    it('stores size and sha256 of each file and keeps small files readable', async () => {
      const messageId = await created();
      const xml = anArkivmelding({ files: ['forsendelse.zip'] });
      const zip = Buffer.from('PK\u0003\u0004 pretend zip');
      const res = await ip.upload(messageId, 'arkivmelding.xml', xml);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      await expectOk(ip.upload(messageId, 'forsendelse.zip', zip, { title: 'Forsendelse' }));
      const trace = await ip.trace(messageId);
      expect(trace.files).toEqual([
        {
          filename: 'arkivmelding.xml',
          title: 'arkivmelding.xml',
          contentType: 'application/xml',
          declaredSize: Buffer.byteLength(xml),
          size: Buffer.byteLength(xml),
          sha256: createHash('sha256').update(xml).digest('hex'),
          stored: true,
        },
        {
          filename: 'forsendelse.zip',
          title: 'Forsendelse',
          contentType: 'application/zip',
          declaredSize: zip.length,
          size: zip.length,
          sha256: createHash('sha256').update(zip).digest('hex'),
          stored: true,
        },
      ]);
      const file = await fetch(`${sim.url}/_sim/messages/${messageId}/files/arkivmelding.xml`);
      expect(file.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(await file.text()).toBe(xml);
    });

    it('accepts a chunked upload (no Content-Length) with size −1', async () => {
      const messageId = await created();
      const chunks = [Buffer.from('first part, '), Buffer.from('second part')];
      const res = await rawRequest(sim.url, {
        method: 'PUT',
        path: `/api/messages/out/${messageId}`,
        headers: {
          'Content-Type': 'application/zip',
          'Content-Disposition': 'attachment; name="Z"; filename="big.zip"',
        },
        chunks,
      });
      expect(res.status).toBe(200);
      const [file] = (await ip.trace(messageId)).files;
      expect(file).toMatchObject({
        filename: 'big.zip',
        declaredSize: -1,
        size: Buffer.concat(chunks).length,
        sha256: createHash('sha256').update(Buffer.concat(chunks)).digest('hex'),
      });
    });

    it('refuses an oversize DPV upload from its Content-Length before reading the body', async () => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'DPV' });
      const messageId = await created();
      const res = await rawRequest(sim.url, {
        method: 'PUT',
        path: `/api/messages/out/${messageId}`,
        headers: {
          'Content-Type': 'application/zip',
          'Content-Disposition': 'attachment; name="Z"; filename="huge.zip"',
          'Content-Length': 300_000_000,
        },
        chunks: [Buffer.alloc(1000)],
        holdOpen: true,
      });
      expect(res.status).toBe(400);
      expect(res.headers.connection).toBe('close');
      const body = JSON.parse(res.body) as SpringErrorBody;
      expectSpringError(body, 400, `${EX}MaxFileSizeExceededException`, `/api/messages/out/${messageId}`);
      expect(body.message).toBe(
        'The combined file size for all attachments (286MB) exceeds the maximum allowed upload size for the target service (DPV, 250MB)',
      );
      expect((await ip.trace(messageId)).files).toEqual([]);
    });

    it('counts the files already uploaded against the limit, in binary units (DPO 1 GB = 2^30 bytes)', async () => {
      const messageId = await created();
      await expectOk(ip.upload(messageId, 'a.zip', Buffer.alloc(2000)));
      const res = await rawRequest(sim.url, {
        method: 'PUT',
        path: `/api/messages/out/${messageId}`,
        headers: {
          'Content-Type': 'application/zip',
          'Content-Disposition': 'attachment; filename="b.zip"',
          'Content-Length': 2 ** 30 - 1000,
        },
        chunks: [],
        holdOpen: true,
      });
      expect(res.status).toBe(400);
      expect((JSON.parse(res.body) as SpringErrorBody).message).toContain(
        '(1024MB) exceeds the maximum allowed upload size for the target service (DPO, 1024MB)',
      );
    });

    it('applies per-service uploadLimits that replace the defaults (an IP whose limits were raised)', async () => {
      expect((await ip.control('POST', '/settings', { uploadLimits: { DPO: 3000 } })).status).toBe(200);
      try {
        const messageId = await created();
        await expectOk(ip.upload(messageId, 'a.zip', Buffer.alloc(2000)));
        const res = await ip.upload(messageId, 'b.zip', Buffer.alloc(1001));
        expect(res.status).toBe(400);
        expect((await errorOf(res)).message).toContain(
          '(3001b) exceeds the maximum allowed upload size for the target service (DPO, 3000b)',
        );
      } finally {
        await ip.control('POST', '/settings', { uploadLimits: {} });
      }
    });

    it('requires a title for DPV (name= or ?title=) but not for DPO', async () => {
      const dpoMessage = await created();
      await expectOk(ip.upload(dpoMessage, 'a.zip', 'x', { title: null }));
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'DPV' });
      const messageId = await created();
      const res = await ip.upload(messageId, 'a.zip', 'x', { title: null });
      expect(res.status).toBe(400);
      const body = await errorOf(res);
      expectSpringError(body, 400, `${EX}MissingFileTitleException`, `/api/messages/out/${messageId}`);
      expect(body.message).toBe('Title is required for the following capabilities: DPV');
      const withQuery = await ip.call('PUT', `/api/messages/out/${messageId}?title=Vedlegg`, Buffer.from('x'), {
        'Content-Type': 'application/zip',
        'Content-Disposition': 'attachment; filename="a.zip"',
      });
      expect(withQuery.status).toBe(200);
      expect((await ip.trace(messageId)).files[0].title).toBe('Vedlegg');
    });

    it('refuses the same filename twice with DuplicateFilenameException', async () => {
      const messageId = await created();
      await expectOk(ip.upload(messageId, 'a.zip', 'x'));
      const res = await ip.upload(messageId, 'a.zip', 'y');
      expect(res.status).toBe(400);
      const body = await errorOf(res);
      expectSpringError(body, 400, `${EX}DuplicateFilenameException`, `/api/messages/out/${messageId}`);
      expect(body.message).toBe('Filename already exists in message: a.zip.');
    });

    it('answers 500 for a Content-Disposition the IP cannot parse', async () => {
      const messageId = await created();
      const res = await ip.call('PUT', `/api/messages/out/${messageId}`, Buffer.from('x'), {
        'Content-Type': 'application/zip',
        'Content-Disposition': 'attachment; broken',
      });
      expect(res.status).toBe(500);
      const body = await errorOf(res);
      expectSpringError(body, 500, 'java.lang.IllegalArgumentException', `/api/messages/out/${messageId}`);
      expect(body.message).toBe('Invalid content disposition format');
    });

    it('reads arkivmelding.xml: offentligTittel becomes messageTitle, journalpostnummer the messageReference', async () => {
      const messageId = await created();
      const before = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      expect(before.body.messageTitle).toBe('');
      expect(before.body.messageReference).toBe(before.body.conversationId);
      await expectOk(
        ip.upload(
          messageId,
          'arkivmelding.xml',
          anArkivmelding({ offentligTittel: 'Tittel &amp; mer', journalpostnummer: 7 }),
        ),
      );
      const after = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      expect(after.body.messageTitle).toBe('Tittel & mer');
      expect(after.body.messageReference).toBe('0b9d6f0e-3c55-5a7e-8f12-6d1c2b3a4e50-7');
    });

    it('leaves messageTitle out when the journalpost has no offentligTittel', async () => {
      const messageId = await created();
      await expectOk(ip.upload(messageId, 'arkivmelding.xml', anArkivmelding({ offentligTittel: null })));
      const conversation = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      expect('messageTitle' in conversation.body).toBe(false);
    });

    it('answers 500 for malformed arkivmelding.xml and does not keep the file', async () => {
      const messageId = await created();
      const res = await ip.upload(messageId, 'arkivmelding.xml', '<arkivmelding><mappe></arkivmelding>');
      expect(res.status).toBe(500);
      const body = await errorOf(res);
      expectSpringError(
        body,
        500,
        'no.difi.meldingsutveksling.nextmove.NextMoveRuntimeException',
        `/api/messages/out/${messageId}`,
      );
      expect(body.message).toBe('Failed to get Arkivmelding');
      expect((await ip.trace(messageId)).files).toEqual([]);
      await expectOk(ip.upload(messageId, 'arkivmelding.xml', anArkivmelding()));
    });

    it('answers 500 when no saksmappe is found (e.g. the KS Fiks /v2 namespace)', async () => {
      const messageId = await created();
      const xml = anArkivmelding({ namespace: 'http://www.arkivverket.no/standarder/noark5/arkivmelding/v2' });
      const res = await ip.upload(messageId, 'arkivmelding.xml', xml);
      expect(res.status).toBe(500);
      const body = await errorOf(res);
      expect(body.exception).toBe('no.difi.meldingsutveksling.arkivmelding.ArkivmeldingRuntimeException');
      expect(body.message).toBe('No "Saksmappe" found in Arkivmelding');
    });
  });

  describe('POST /api/messages/out/{id}', () => {
    it('answers 404 for an unknown id', async () => {
      const id = randomUUID();
      const res = await ip.send(id);
      expect(res.status).toBe(404);
      expectSpringError(await errorOf(res), 404, `${EX}MessageNotFoundException`, `/api/messages/out/${id}`);
    });

    it('answers MissingFileException without files', async () => {
      const messageId = await created();
      const res = await ip.send(messageId);
      const body = await errorOf(res);
      expectSpringError(body, 400, `${EX}MissingFileException`, `/api/messages/out/${messageId}`);
      expect(body.message).toBe('There must always be at least one attachment');
    });

    it('answers MissingArkivmeldingException when arkivmelding.xml is missing', async () => {
      const messageId = await created();
      await expectOk(ip.upload(messageId, 'forsendelse.zip', 'x'));
      const body = await errorOf(await ip.send(messageId));
      expectSpringError(body, 400, `${EX}MissingArkivmeldingException`, `/api/messages/out/${messageId}`);
      expect(body.message).toBe('DPO message type requires arkivmelding.xml attachment');
    });

    it('answers MissingArkivmeldingFileException naming each referenced file not uploaded', async () => {
      const messageId = await created();
      await expectOk(ip.upload(messageId, 'arkivmelding.xml', anArkivmelding({ files: ['a.pdf', 'b.pdf', 'c.pdf'] })));
      await expectOk(ip.upload(messageId, 'a.pdf', 'x'));
      const body = await errorOf(await ip.send(messageId));
      expectSpringError(body, 400, `${EX}MissingArkivmeldingFileException`, `/api/messages/out/${messageId}`);
      expect(body.message).toBe('File(s) defined in arkivmelding, but not found in message: b.pdf,c.pdf');
      expect((await ip.trace(messageId)).sendRejected).toBe(1);
    });

    it('answers TimeToLiveException once the deadline passed, and records LEVETID_UTLOPT', async () => {
      await ip.control('POST', '/settings', { ttlCheckIntervalMs: 600_000 });
      const deadline = new Date(Date.now() + 400).toISOString();
      const messageId = await created(anSbd({ expectedResponseDateTime: deadline }));
      await expectOk(ip.upload(messageId, 'arkivmelding.xml', anArkivmelding()));
      await expectOk(ip.upload(messageId, 'forsendelse.zip', 'x'));
      await new Promise((r) => setTimeout(r, 500));
      const body = await errorOf(await ip.send(messageId));
      expectSpringError(body, 400, `${EX}TimeToLiveException`, `/api/messages/out/${messageId}`);
      expect(body.message).toBe(
        `ExpectedResponseDateTime ${deadline.replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f === '' ? 'Z' : `.${f}Z`))} has been exceeded. Please resend the message`,
      );
      const trace = await ip.trace(messageId);
      expect(trace.statuses.map((s) => [s.status, s.description])).toEqual([
        ['OPPRETTET', undefined],
        ['LEVETID_UTLOPT', 'Levetiden for meldingen er utgått. Må sendes på nytt'],
      ]);
    });

    it('sends an avtalt message without files', async () => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'DPO', avtalt: true });
      const sbd = anSbd({ type: 'avtalt' });
      const messageId = await created(sbd);
      await expectOk(ip.send(messageId));
      await waitForStatuses(ip, messageId, ['SENDT', 'LEVERT']);
    });

    it('sends asynchronously: SENDT, then the out-message is gone while the conversation remains', async () => {
      await ip.control('POST', '/settings', { sendDelayMs: 100, statusDelayMs: 60_000 });
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      const res = await ip.send(messageId);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      expect(await ip.statusNames(messageId)).toEqual(['OPPRETTET']);
      await waitForStatuses(ip, messageId, ['SENDT']);
      expect((await ip.json('GET', `/api/messages/out/${messageId}`)).status).toBe(404);
      expect((await ip.send(messageId)).status).toBe(404);
      expect((await ip.upload(messageId, 'late.zip', 'x')).status).toBe(404);
      const conversation = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      expect(conversation.status).toBe(200);
      const again = await ip.create(anSbd({ messageId }));
      expect(again.body.exception).toBe(`${EX}MessageAlreadyExistsException`);
      const trace = await ip.trace(messageId);
      expect(trace).toMatchObject({ outMessage: 'sent', sendAccepted: 1, copiesDelivered: 1, doubleDelivery: false });
    });

    it('delivers twice when a second send POST comes before the async send finished', async () => {
      await ip.control('POST', '/settings', { sendDelayMs: 200 });
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await expectOk(ip.send(messageId));
      await expectOk(ip.send(messageId));
      const trace = await waitFor(async () => {
        const t = await ip.trace(messageId);
        return t.copiesDelivered === 2 ? t : undefined;
      });
      expect(trace).toMatchObject({ sendAccepted: 2, copiesDelivered: 2, doubleDelivery: true });
      await waitForStatuses(ip, messageId, ['LEVERT']);
      const statuses = await ip.statusNames(messageId);
      expect(statuses.filter((s) => s === 'SENDT')).toHaveLength(1);
      const list = await ip.control<TraceBody[]>('GET', '/messages');
      expect(list.body.find((m) => m.messageId === messageId)?.copiesDelivered).toBe(2);
    });
  });
});
