import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IntegrasjonspunktSimulator } from '../../src/simulator/integrasjonspunkt/integrasjonspunkt.simulator';
import {
  anSbd,
  EX,
  expectSpringError,
  IpTestClient,
  messageIdOf,
  OFFSET_DATE_TIME,
  RECEIVER,
  startIp,
  waitFor,
  type PageBody,
  type StatusBody,
} from './integrasjonspunkt.test-kit';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A tiny webhook endpoint that records what it receives and answers with a configurable status. */
class Receiver {
  readonly received: Received[] = [];
  answer = 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        });
        res.statusCode = this.answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  statusEvents(messageId: string): Record<string, unknown>[] {
    return this.received.map((r) => r.body).filter((b) => b.event === 'status' && b.messageId === messageId);
  }
}

interface SubscriptionBody {
  id: number;
  name: string;
  pushEndpoint: string;
  resource: string;
  event: string;
  filter?: string;
}

describe('integrasjonspunkt simulator: webhook subscriptions', () => {
  let sim: IntegrasjonspunktSimulator;
  let ip: IpTestClient;
  let receiver: Receiver;

  beforeAll(async () => {
    sim = await startIp();
    ip = new IpTestClient(sim.url);
    receiver = new Receiver();
    await receiver.start();
  });

  afterAll(async () => {
    await sim.close();
    await receiver.stop();
  });

  beforeEach(async () => {
    await ip.control('POST', '/reset');
    await ip.control('POST', '/settings', { statusCommitDelayMs: 0 });
    receiver.received.length = 0;
    receiver.answer = 200;
  });

  async function subscribe(body: Record<string, unknown>): Promise<{ status: number; body: SubscriptionBody }> {
    return ip.json<SubscriptionBody>('POST', '/api/subscriptions', body);
  }

  it('pings the endpoint, then pushes each matching status event without auth', async () => {
    const created = await subscribe({
      name: 'bridge',
      pushEndpoint: `${receiver.url}/hook/secret`,
      resource: 'messages',
      event: 'status',
      filter: 'status=LEVERT,lest,FEIL,LEVETID_UTLOPT&direction=OUTGOING',
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: created.body.id,
      name: 'bridge',
      pushEndpoint: `${receiver.url}/hook/secret`,
      resource: 'messages',
      event: 'status',
      filter: 'status=LEVERT,lest,FEIL,LEVETID_UTLOPT&direction=OUTGOING',
    });
    expect(receiver.received).toHaveLength(1);
    const ping = receiver.received[0];
    expect(ping.path).toBe('/hook/secret');
    expect(ping.headers['content-type']).toMatch(/^application\/json/);
    expect(ping.headers.authorization).toBeUndefined();
    expect(Object.keys(ping.body).sort()).toEqual(['createdTs', 'event']);
    expect(ping.body.event).toBe('ping');
    expect(ping.body.createdTs).toMatch(OFFSET_DATE_TIME);

    const sbd = anSbd();
    const messageId = await ip.createReadyMessage(sbd);
    const [event] = await waitFor(async () => {
      const events = receiver.statusEvents(messageId);
      return Promise.resolve(events.length > 0 ? events : undefined);
    });
    expect(event).toEqual({
      createdTs: event.createdTs,
      resource: 'messages',
      event: 'status',
      messageId,
      conversationId: sbd.standardBusinessDocumentHeader.businessScope.scope[0].instanceIdentifier,
      direction: 'OUTGOING',
      serviceIdentifier: 'DPO',
      status: 'LEVERT',
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.statusEvents(messageId).map((e) => e.status)).toEqual(['LEVERT']);
  });

  it('pushes every status without a filter, and the description when there is one', async () => {
    await subscribe({ name: 'all', pushEndpoint: `${receiver.url}/all`, resource: 'all', event: 'all' });
    const sbd = anSbd();
    await ip.control('POST', '/scripts', { match: { messageId: messageIdOf(sbd) }, preset: 'FEIL' });
    const messageId = await ip.createReadyMessage(sbd);
    const events = await waitFor(async () => {
      const found = receiver.statusEvents(messageId);
      return Promise.resolve(found.length === 4 ? found : undefined);
    });
    // Pushes are asynchronous and concurrent, as in the IP: their arrival order is not guaranteed.
    expect(events.map((e) => e.status).sort()).toEqual(['FEIL', 'MOTTATT', 'OPPRETTET', 'SENDT']);
    expect(events.find((e) => e.status === 'FEIL')?.description).toBe('Simulert feil fra mottaker');
    expect(events.filter((e) => 'description' in e)).toHaveLength(1);
  });

  it('filters on serviceIdentifier', async () => {
    await subscribe({
      name: 'dpv',
      pushEndpoint: `${receiver.url}/dpv`,
      resource: 'all',
      event: 'all',
      filter: 'serviceIdentifier=DPV',
    });
    const messageId = await ip.createReadyMessage();
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.statusEvents(messageId)).toEqual([]);
  });

  it('creates the subscription even when the ping fails, and does not retry a failed push', async () => {
    const unreachable = await subscribe({
      name: 'down',
      pushEndpoint: 'http://127.0.0.1:1/hook',
      resource: 'all',
      event: 'all',
    });
    expect(unreachable.status).toBe(200);
    receiver.answer = 500;
    const failing = await subscribe({
      name: 'failing',
      pushEndpoint: `${receiver.url}/fail`,
      resource: 'all',
      event: 'all',
    });
    expect(failing.status).toBe(200);
    const messageId = await ip.createReadyMessage();
    await waitFor(async () => Promise.resolve(receiver.statusEvents(messageId).length === 4 ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.statusEvents(messageId)).toHaveLength(4);
    const log = await ip.control<{ url: string; responseStatus: number; error?: string }[]>('GET', '/webhooks');
    expect(
      log.body.some((p) => p.url === 'http://127.0.0.1:1/hook' && p.responseStatus === 0 && p.error !== undefined),
    ).toBe(true);
  });

  it('can announce an event before the status is readable (statusCommitDelayMs)', async () => {
    await ip.control('POST', '/settings', { statusCommitDelayMs: 400 });
    await subscribe({
      name: 'early',
      pushEndpoint: `${receiver.url}/early`,
      resource: 'all',
      event: 'status',
      filter: 'status=OPPRETTET',
    });
    const sbd = anSbd();
    await ip.create(sbd);
    const messageId = messageIdOf(sbd);
    await waitFor(async () => Promise.resolve(receiver.statusEvents(messageId).length === 1 ? true : undefined));
    const page = await ip.json<PageBody<StatusBody>>('GET', `/api/statuses/${messageId}`);
    expect(page.body.totalElements).toBe(0);
    await waitFor(async () => {
      const res = await ip.json<PageBody<StatusBody>>('GET', `/api/statuses/${messageId}`);
      return res.body.totalElements === 1 ? true : undefined;
    });
  });

  describe('validation and the other subscription routes', () => {
    it.each([
      [{ name: 'x', pushEndpoint: 'not a url', resource: 'all', event: 'all' }, 'pushEndpoint', 'URL'],
      [{ name: 'x', pushEndpoint: 'http://localhost/x', resource: 'conversations', event: 'all' }, 'resource', 'OneOf'],
      [{ name: 'x', pushEndpoint: 'http://localhost/x', resource: 'all', event: 'created' }, 'event', 'OneOf'],
      [
        { name: 'x', pushEndpoint: 'http://localhost/x', resource: 'all', event: 'all', filter: 'colour=red' },
        'filter',
        'WebhookFilter',
      ],
      [
        { name: 'x', pushEndpoint: 'http://localhost/x', resource: 'all', event: 'all', filter: 'status' },
        'filter',
        'WebhookFilter',
      ],
      [{ pushEndpoint: 'http://localhost/x', resource: 'all', event: 'all' }, 'name', 'NotNull'],
      [{ id: 5, name: 'x', pushEndpoint: 'http://localhost/x', resource: 'all', event: 'all' }, 'id', 'Null'],
    ])('refuses %j with 400 on %s', async (body, field, code) => {
      const res = await ip.json('POST', '/api/subscriptions', body);
      expect(res.status).toBe(400);
      expectSpringError(
        res.body,
        400,
        'org.springframework.web.bind.MethodArgumentNotValidException',
        '/api/subscriptions',
      );
      expect(res.body.errors?.map((e) => [e.field, e.code])).toEqual([[field, code]]);
      expect(receiver.received).toEqual([]);
    });

    it('refuses the same name and endpoint twice', async () => {
      const body = { name: 'twice', pushEndpoint: `${receiver.url}/twice`, resource: 'all', event: 'all' };
      expect((await subscribe(body)).status).toBe(200);
      const again = await ip.json('POST', '/api/subscriptions', body);
      expectSpringError(
        again.body,
        400,
        `${EX}SubscriptionWithSameNameAndPushEndpointAlreadyExists`,
        '/api/subscriptions',
      );
      expect(again.body.message).toBe('Subscription with same name and push endpoint already exists.');
    });

    it('lists, reads, updates and deletes subscriptions; unknown ids are 404', async () => {
      const created = (await subscribe({ name: 'a', pushEndpoint: `${receiver.url}/a`, resource: 'all', event: 'all' }))
        .body;
      const page = await ip.json<PageBody<SubscriptionBody>>('GET', '/api/subscriptions');
      expect(page.body.content).toEqual([created]);
      expect((await ip.json<SubscriptionBody>('GET', `/api/subscriptions/${created.id}`)).body).toEqual(created);
      receiver.received.length = 0;
      const put = await ip.call('PUT', `/api/subscriptions/${created.id}`, {
        pushEndpoint: `${receiver.url}/b`,
        filter: 'status=LEVERT',
      });
      expect(put.status).toBe(200);
      expect(receiver.received.map((r) => r.path)).toEqual(['/b']);
      expect((await ip.json<SubscriptionBody>('GET', `/api/subscriptions/${created.id}`)).body).toMatchObject({
        name: 'a',
        pushEndpoint: `${receiver.url}/b`,
        filter: 'status=LEVERT',
      });
      const badPut = await ip.json('PUT', `/api/subscriptions/${created.id}`, { event: 'nope' });
      expect(badPut.status).toBe(400);
      expect((await ip.call('DELETE', `/api/subscriptions/${created.id}`)).status).toBe(200);
      const missing = await ip.json('GET', `/api/subscriptions/${created.id}`);
      expectSpringError(missing.body, 404, `${EX}SubscriptionNotFoundException`, `/api/subscriptions/${created.id}`);
      expect(missing.body.message).toBe(`Subscription with id = ${created.id} was not found`);
      expect((await ip.json('DELETE', `/api/subscriptions/${created.id}`)).status).toBe(404);
      expect((await ip.json('PUT', `/api/subscriptions/${created.id}`, { name: 'z' })).status).toBe(404);
    });
  });

  it('pushes for a DPV receiver with serviceIdentifier DPV', async () => {
    await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'DPV' });
    await subscribe({
      name: 'dpv',
      pushEndpoint: `${receiver.url}/dpv`,
      resource: 'messages',
      event: 'status',
      filter: 'serviceIdentifier=dpv&status=LEVERT',
    });
    const messageId = await ip.createReadyMessage();
    const events = await waitFor(async () => {
      const found = receiver.statusEvents(messageId);
      return Promise.resolve(found.length > 0 ? found : undefined);
    });
    expect(events[0]).toMatchObject({ serviceIdentifier: 'DPV', status: 'LEVERT' });
  });
});
