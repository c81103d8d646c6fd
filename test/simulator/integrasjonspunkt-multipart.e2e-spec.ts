import {
  anArkivmelding,
  anSbd,
  EX,
  expectSpringError,
  IpTestClient,
  messageIdOf,
  RECEIVER,
  useIpSimulator,
  waitForStatuses,
  type SbdJson,
  type SpringErrorBody,
} from './integrasjonspunkt.test-kit';

interface Part {
  name: string;
  filename?: string;
  type?: string;
  content: string | Buffer;
}

/** The one-step send as a client builds it: the SBD as a plain form field, each file as a file part. */
function form(sbd: unknown, parts: Part[]): FormData {
  const data = new FormData();
  data.append('sbd', typeof sbd === 'string' ? sbd : JSON.stringify(sbd));
  for (const part of parts) {
    const blob = new Blob([part.content], { type: part.type ?? 'application/octet-stream' });
    data.append(part.name, blob, part.filename ?? part.name);
  }
  return data;
}

function ready(sbd: SbdJson, extra: Part[] = []): FormData {
  return form(sbd, [
    { name: 'arkivmelding', filename: 'arkivmelding.xml', type: 'application/xml', content: anArkivmelding() },
    { name: 'Forsendelse', filename: 'forsendelse.zip', type: 'application/zip', content: 'pretend zip' },
    ...extra,
  ]);
}

describe('integrasjonspunkt simulator: POST /api/messages/out/multipart', () => {
  const simulator = useIpSimulator({ sendDelayMs: 0, statusDelayMs: 0, lestRate: 0, annetRate: 0 });
  let ip: IpTestClient;

  beforeAll(() => {
    ({ ip } = simulator);
  });

  async function post<T = SpringErrorBody>(body: FormData | string, contentType?: string) {
    const res = await fetch(`${ip.url}/api/messages/out/multipart`, {
      method: 'POST',
      headers: contentType === undefined ? {} : { 'Content-Type': contentType },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
  }

  it('creates the message with its files and sends it in one call', async () => {
    const sbd = anSbd();
    const messageId = messageIdOf(sbd);
    const res = await post<SbdJson>(ready(sbd));
    expect(res.status).toBe(200);
    expect(res.body.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier).toBe(messageId);
    await waitForStatuses(ip, messageId, ['LEVERT']);
    const trace = await ip.trace(messageId);
    expect(trace.files.map((f) => [f.filename, f.title, f.contentType, f.size])).toEqual([
      ['arkivmelding.xml', 'arkivmelding', 'application/xml', Buffer.byteLength(anArkivmelding())],
      ['forsendelse.zip', 'Forsendelse', 'application/zip', 11],
    ]);
    expect(trace.sendAccepted).toBe(1);
    expect(await ip.statusNames(messageId)).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT']);
  });

  it('refuses a file over 5 MiB with MultipartFileToLargeException and creates nothing', async () => {
    const sbd = anSbd();
    const big = Buffer.alloc(5 * 1024 * 1024 + 1);
    const res = await post(ready(sbd, [{ name: 'Stor', filename: 'stor.bin', content: big }]));
    expectSpringError(res.body, 400, `${EX}MultipartFileToLargeException`, '/api/messages/out/multipart');
    expect(res.body.message).toBe(
      "The attachment named 'stor.bin' is too large. The maximum size for multipart requests is 5,242,880 bytes. " +
        'Please use the non-multipart API to avoid such problems.',
    );
    expect((await ip.control('GET', `/messages/${messageIdOf(sbd)}`)).status).toBe(404);
    const exact = await post(ready(anSbd(), [{ name: 'Akkurat', filename: 'akkurat.bin', content: big.subarray(1) }]));
    expect(exact.status).toBe(200);
  });

  it('refuses duplicate file names, naming each occurrence', async () => {
    const sbd = anSbd();
    const res = await post(ready(sbd, [{ name: 'Igjen', filename: 'forsendelse.zip', content: 'again' }]));
    expectSpringError(res.body, 400, `${EX}DuplicateFilenameException`, '/api/messages/out/multipart');
    expect(res.body.message).toBe('Filename already exists in message: forsendelse.zip, forsendelse.zip.');
  });

  it('answers 400 without the sbd part, and a type mismatch for an unreadable one', async () => {
    const data = new FormData();
    data.append('arkivmelding', new Blob(['<x/>']), 'arkivmelding.xml');
    const missing = await post(data);
    expectSpringError(
      missing.body,
      400,
      'org.springframework.web.bind.MissingServletRequestParameterException',
      '/api/messages/out/multipart',
    );
    const shape = await post(form({ ...anSbd(), extra: {} }, []));
    expectSpringError(
      shape.body,
      400,
      'org.springframework.web.method.annotation.MethodArgumentTypeMismatchException',
      '/api/messages/out/multipart',
    );
    expect(shape.body.message).toMatch(/StandardBusinessDocument'; .*Expected token END_OBJECT, but found FIELD_NAME$/);
  });

  it('rolls the message back when a file is refused, but keeps it when only the send is refused', async () => {
    await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'DPV' });
    const untitled = anSbd();
    const data = form(untitled, [{ name: '', filename: 'arkivmelding.xml', content: anArkivmelding() }]);
    const refusedFile = await post(data);
    expect(refusedFile.body.exception).toBe(`${EX}MissingFileTitleException`);
    expect((await ip.control('GET', `/messages/${messageIdOf(untitled)}`)).status).toBe(404);

    const noArkivmelding = anSbd();
    const refusedSend = await post(
      form(noArkivmelding, [{ name: 'Forsendelse', filename: 'forsendelse.zip', content: 'zip' }]),
    );
    expect(refusedSend.body.exception).toBe(`${EX}MissingArkivmeldingException`);
    const trace = await ip.trace(messageIdOf(noArkivmelding));
    expect(trace.outMessage).toBe('present');
    expect(trace.sendRejected).toBe(1);
  });

  it('sends as POST /{messageId} does: the same send faults and the same copy queue', async () => {
    await ip.control('POST', '/settings', { sendDelayMs: 86_400_000 });
    await ip.control('POST', '/faults/send', { when: 'before-queue' });
    const before = anSbd();
    const failed = await post(ready(before));
    expectSpringError(
      failed.body,
      500,
      'org.springframework.jms.UncategorizedJmsException',
      '/api/messages/out/multipart',
    );
    expect(await ip.trace(messageIdOf(before))).toMatchObject({
      outMessage: 'present',
      sendAccepted: 0,
      sendFailed: { beforeQueue: 1, afterQueue: 0 },
    });
    expect((await ip.control('GET', '/send-queue')).body).toEqual({ queue: 0, transmission: 0 });

    await ip.control('POST', '/faults/send', { when: 'after-queue', status: 504 });
    const after = anSbd();
    const res = await fetch(`${ip.url}/api/messages/out/multipart`, { method: 'POST', body: ready(after) });
    expect(res.status).toBe(504);
    expect(await res.text()).toContain('504 Proxy Error');
    expect((await ip.control('GET', '/send-queue')).body).toEqual({ queue: 1, transmission: 0 });
    expect((await ip.control('POST', '/send-queue/release', { stage: 'queue' })).body).toMatchObject({ released: 1 });
    expect(await waitForStatuses(ip, messageIdOf(after), ['LEVERT'])).toEqual([
      'OPPRETTET',
      'SENDT',
      'MOTTATT',
      'LEVERT',
    ]);
    expect(await ip.trace(messageIdOf(after))).toMatchObject({
      sendAccepted: 1,
      sendFailed: { beforeQueue: 0, afterQueue: 1 },
      copiesDelivered: 1,
    });
  });

  it('treats a non-multipart POST as the send of a message named "multipart", as Spring does', async () => {
    const res = await post(JSON.stringify(anSbd()), 'application/json');
    expectSpringError(res.body, 404, `${EX}MessageNotFoundException`, '/api/messages/out/multipart');
    expect(res.body.message).toBe('Message with messageId = multipart was not found');
  });
});
