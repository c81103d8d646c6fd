import { randomUUID } from 'node:crypto';
import type { ObservedRequest } from '../../src/simulator/common/request-observer';
import {
  anSbd,
  EX,
  expectOk,
  expectSpringError,
  useIpSimulator,
  waitForStatuses,
  type ConversationBody,
  type IpTestClient,
  type SpringErrorBody,
  type TraceBody,
} from './integrasjonspunkt.test-kit';

interface SendTrace extends TraceBody {
  sendFailed: { beforeQueue: number; afterQueue: number };
  copiesPending: number;
  copiesFailed: number;
}

interface SendQueue {
  queue: number;
  transmission: number;
}

/** Long enough that no copy moves on by itself while a test runs: the tests release them explicitly. */
const HELD = 86_400_000;

describe('integrasjonspunkt simulator: what happens around a send (faults, the queue, DELETE)', () => {
  const simulator = useIpSimulator({ sendDelayMs: HELD, sendTransmitMs: 0, statusDelayMs: 0, ttlCheckIntervalMs: 0 });
  let ip: IpTestClient;

  beforeAll(() => {
    ({ ip } = simulator);
  });

  async function trace(messageId: string): Promise<SendTrace> {
    return (await ip.trace(messageId)) as SendTrace;
  }

  async function sendQueue(): Promise<SendQueue> {
    return (await ip.control<SendQueue>('GET', '/send-queue')).body;
  }

  async function release(stage: 'queue' | 'transmission'): Promise<number> {
    const res = await ip.control<{ released: number }>('POST', '/send-queue/release', { stage });
    expect(res.status).toBe(200);
    return res.body.released;
  }

  async function armSendFault(fault: Record<string, unknown>): Promise<void> {
    expect((await ip.control('POST', '/faults/send', fault)).status).toBe(200);
  }

  async function outMessageStatus(messageId: string): Promise<number> {
    return (await ip.json('GET', `/api/messages/out/${messageId}`)).status;
  }

  describe('a send answered 5xx before its copy was queued', () => {
    it("answers the IP's 500 (a JMS failure), queues nothing and leaves the out-message for another try", async () => {
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await armSendFault({ when: 'before-queue' });

      const failed = await ip.send(messageId);
      expect(failed.status).toBe(500);
      const body = (await failed.json()) as SpringErrorBody;
      expectSpringError(
        body,
        500,
        'org.springframework.jms.UncategorizedJmsException',
        `/api/messages/out/${messageId}`,
      );
      expect(await sendQueue()).toEqual({ queue: 0, transmission: 0 });
      expect(await outMessageStatus(messageId)).toBe(200);
      expect(await trace(messageId)).toMatchObject({
        sendAccepted: 0,
        sendFailed: { beforeQueue: 1, afterQueue: 0 },
        copiesPending: 0,
        outMessage: 'present',
      });
      expect(await ip.statusNames(messageId)).toEqual(['OPPRETTET']);

      // The fault was used up: the next send is accepted and its one copy delivered.
      await expectOk(ip.send(messageId));
      expect(await release('queue')).toBe(1);
      expect(await trace(messageId)).toMatchObject({ sendAccepted: 1, copiesDelivered: 1, outMessage: 'sent' });
      expect(await waitForStatuses(ip, messageId, ['LEVERT'])).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT']);
    });

    it('fails only the sends of the messageId it names', async () => {
      const named = await ip.createReadyMessage(anSbd(), { send: false });
      const other = await ip.createReadyMessage(anSbd(), { send: false });
      await armSendFault({ when: 'before-queue', messageId: named });
      expect((await ip.send(other)).status).toBe(200);
      expect((await ip.send(named)).status).toBe(500);
      const faults = await ip.control<{ send: { failedBeforeQueue: number; armed: unknown[] } }>('GET', '/faults/ip');
      expect(faults.body.send).toMatchObject({ failedBeforeQueue: 1, armed: [] });
    });

    it('fails a seeded share of the sends with `rate`, the same ones again after a reset', async () => {
      async function draw(): Promise<number[]> {
        const messageId = await ip.createReadyMessage(anSbd(), { send: false });
        await armSendFault({ when: 'before-queue', rate: 0.5, times: 1000, seed: 7 });
        const statuses: number[] = [];
        for (let i = 0; i < 30; i++) {
          const res = await ip.send(messageId);
          await res.arrayBuffer();
          statuses.push(res.status);
        }
        const t = await trace(messageId);
        expect(t.sendFailed.beforeQueue).toBe(statuses.filter((s) => s === 500).length);
        expect(t.sendAccepted).toBe(statuses.filter((s) => s === 200).length);
        return statuses;
      }
      const first = await draw();
      expect(first).toContain(500);
      expect(first).toContain(200);
      await ip.control('POST', '/reset');
      await ip.control('POST', '/settings', { sendDelayMs: HELD, statusDelayMs: 0 });
      expect(await draw()).toEqual(first);
    });
  });

  describe('a send answered 5xx after its copy was queued', () => {
    it('answers 500 (a failed commit) while the copy goes out as a normal send would', async () => {
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await armSendFault({ when: 'after-queue' });

      const failed = await ip.send(messageId);
      expect(failed.status).toBe(500);
      expectSpringError(
        (await failed.json()) as SpringErrorBody,
        500,
        'org.springframework.transaction.TransactionSystemException',
        `/api/messages/out/${messageId}`,
      );
      expect(await sendQueue()).toEqual({ queue: 1, transmission: 0 });
      expect(await outMessageStatus(messageId)).toBe(200);
      expect(await trace(messageId)).toMatchObject({
        sendAccepted: 1,
        sendFailed: { afterQueue: 1 },
        copiesPending: 1,
      });

      expect(await release('queue')).toBe(1);
      expect(await outMessageStatus(messageId)).toBe(404);
      expect(await trace(messageId)).toMatchObject({ copiesPending: 0, copiesDelivered: 1, outMessage: 'sent' });
      expect(await waitForStatuses(ip, messageId, ['LEVERT'])).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT']);
    });

    it("answers another 5xx with a proxy's HTML page instead of the IP's JSON", async () => {
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await armSendFault({ when: 'after-queue', status: 504 });
      const failed = await ip.send(messageId);
      expect(failed.status).toBe(504);
      expect(failed.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await failed.text()).toContain('504');
      expect(await sendQueue()).toEqual({ queue: 1, transmission: 0 });
    });

    it('delivers nothing when the client DELETEs the out-message while the copy still waits on the queue', async () => {
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await armSendFault({ when: 'after-queue' });
      expect((await ip.send(messageId)).status).toBe(500);

      expect((await ip.call('DELETE', `/api/messages/out/${messageId}`)).status).toBe(200);
      expect(await outMessageStatus(messageId)).toBe(404);
      expect(await release('queue')).toBe(1);

      expect(await trace(messageId)).toMatchObject({
        sendAccepted: 1,
        copiesPending: 0,
        copiesDelivered: 0,
        copiesFailed: 1,
        outMessage: 'client',
      });
      // No status for the failed copy: the IP's queue retries it silently until the TTL ends the conversation.
      expect(await ip.statusNames(messageId)).toEqual(['OPPRETTET']);
    });
  });

  describe('DELETE /api/messages/out/{id}', () => {
    it('removes the out-message and its files only: the conversation, its statuses and the messageId stay', async () => {
      const sbd = anSbd();
      const messageId = await ip.createReadyMessage(sbd, { send: false });
      const events: ObservedRequest[] = [];
      const stop = simulator.sim.onRequest((e) => events.push(e));
      try {
        expect((await ip.call('DELETE', `/api/messages/out/${messageId}`)).status).toBe(200);
      } finally {
        stop();
      }
      expect(events.map((e) => [e.operation, e.id])).toContainEqual(['delete-message', messageId]);

      expect(await outMessageStatus(messageId)).toBe(404);
      const list = await ip.json<{ content: unknown[] }>('GET', '/api/messages/out');
      expect(list.body.content).toEqual([]);
      const conversation = await ip.json<ConversationBody>('GET', `/api/conversations/messageId/${messageId}`);
      expect(conversation.status).toBe(200);
      expect(conversation.body.messageStatuses.map((s) => s.status)).toEqual(['OPPRETTET']);
      expect(conversation.body.finished).toBe(false);
      expect((await ip.create(anSbd({ messageId }))).body.exception).toBe(`${EX}MessageAlreadyExistsException`);
    });

    it('answers 404 MessageNotFoundException to an upload and a send afterwards, and 200 to a second DELETE', async () => {
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await expectOk(ip.call('DELETE', `/api/messages/out/${messageId}`));

      const upload = await ip.upload(messageId, 'late.pdf', 'x');
      expect(upload.status).toBe(404);
      expectSpringError(
        (await upload.json()) as SpringErrorBody,
        404,
        `${EX}MessageNotFoundException`,
        `/api/messages/out/${messageId}`,
      );
      const send = await ip.send(messageId);
      expect(send.status).toBe(404);
      const body = (await send.json()) as SpringErrorBody;
      expect(body.message).toBe(`Message with messageId = ${messageId} was not found`);
      expect((await ip.call('DELETE', `/api/messages/out/${messageId}`)).status).toBe(200);
      expect((await ip.call('DELETE', `/api/messages/out/${randomUUID()}`)).status).toBe(200);
      expect(await trace(messageId)).toMatchObject({ sendAccepted: 0, sendRejected: 0, outMessage: 'client' });
    });

    it('makes every copy still waiting on the queue fail, however many were queued', async () => {
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await expectOk(ip.send(messageId));
      await expectOk(ip.send(messageId));
      expect(await trace(messageId)).toMatchObject({ sendAccepted: 2, copiesPending: 2 });
      await expectOk(ip.call('DELETE', `/api/messages/out/${messageId}`));
      expect(await release('queue')).toBe(2);
      expect(await trace(messageId)).toMatchObject({ copiesPending: 0, copiesDelivered: 0, copiesFailed: 2 });
      expect(await ip.statusNames(messageId)).toEqual(['OPPRETTET']);
    });

    it('cannot stop a copy that is already transmitting (its files were read): it goes out and SENDT follows', async () => {
      await ip.control('POST', '/settings', { sendTransmitMs: HELD });
      const messageId = await ip.createReadyMessage(anSbd(), { send: false });
      await expectOk(ip.send(messageId));
      expect(await release('queue')).toBe(1);
      expect(await sendQueue()).toEqual({ queue: 0, transmission: 1 });
      // Until the transmission ends the IP shows nothing of it: the out-message is there, no SENDT.
      expect(await outMessageStatus(messageId)).toBe(200);
      expect(await ip.statusNames(messageId)).toEqual(['OPPRETTET']);

      await expectOk(ip.call('DELETE', `/api/messages/out/${messageId}`));
      expect(await outMessageStatus(messageId)).toBe(404);
      expect(await release('transmission')).toBe(1);

      expect(await trace(messageId)).toMatchObject({
        copiesPending: 0,
        copiesDelivered: 1,
        copiesFailed: 0,
        outMessage: 'client',
      });
      expect(await waitForStatuses(ip, messageId, ['LEVERT'])).toEqual(['OPPRETTET', 'SENDT', 'MOTTATT', 'LEVERT']);
    });
  });

  it('refuses a bad send fault or release with 400, and clears send faults with DELETE /_sim/faults/ip', async () => {
    expect((await ip.control('POST', '/faults/send', { when: 'sometime' })).status).toBe(400);
    expect((await ip.control('POST', '/faults/send', { when: 'before-queue', status: 404 })).status).toBe(400);
    expect((await ip.control('POST', '/faults/send', { when: 'after-queue', rate: 2 })).status).toBe(400);
    expect((await ip.control('POST', '/send-queue/release', { stage: 'sent' })).status).toBe(400);
    await armSendFault({ when: 'before-queue', times: 3 });
    const cleared = await ip.control<{ send: { armed: unknown[] } }>('DELETE', '/faults/ip');
    expect(cleared.body.send.armed).toEqual([]);
    const messageId = await ip.createReadyMessage(anSbd(), { send: false });
    expect((await ip.send(messageId)).status).toBe(200);
  });
});
