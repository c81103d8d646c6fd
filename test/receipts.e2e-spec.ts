import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { RECEIPT_PROCESS } from '../src/eformidling/integrasjonspunkt.schemas';
import { ForsendelseTransitions } from '../src/forsendelse/forsendelse-transitions';
import { QueueName } from '../src/queues/queue-names';
import {
  control,
  eventually,
  forsendelseRows,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from './support/bridge-harness';
import { BuiltBridge } from './support/bridge-process';
import { LogCapture } from './support/log-capture';
import { aValidEnv } from './support/test-config';
import type { IncomingView } from '../src/simulator/integrasjonspunkt/ip-control.routes';

const ADMIN = { ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'admin-password-1' };
const AUTH = { authorization: `Basic ${Buffer.from('ops:admin-password-1').toString('base64')}` };
/** Another organisation's message in the IP's queue: a different conversation, or ours under another process. */
const FOREIGN_CONVERSATION = '5b0f3c2e-8d41-4e6a-9f07-2a1c3e4d5f60';

interface ReceiptNote {
  mottak_id: string;
  attempt: number | null;
  message_id: string | null;
  detail: { receipt: string; text: string | null; receiptMessageId: string; relatedToMessageId?: string };
}

describe("the receivers' receipts (arkivmelding_kvittering)", () => {
  const env = useBridgeEnvironment();

  async function receiptNotes(bridge: RunningBridge): Promise<ReceiptNote[]> {
    return bridge.dataSource.query<ReceiptNote[]>(
      `SELECT mottak_id, attempt, message_id, detail FROM forsendelse_event
        WHERE kind = 'note' AND detail ? 'receiptMessageId' ORDER BY id`,
    );
  }

  async function inCalls(): Promise<string[]> {
    const calls = await control<{ method: string; url: string }[]>(env.sims.integrasjonspunkt.url, '/calls');
    return calls.filter((c) => c.url.startsWith('/api/messages/in')).map((c) => `${c.method} ${c.url}`);
  }

  it('records OK and ERROR receipts of its own conversations once, lists the rejection, and leaves every other message alone', async () => {
    const { sims, db } = env;
    const ip = sims.integrasjonspunkt.url;
    const { orgnr } = await testKeys();
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 4 } });

    // EFM_RECEIPTS unset, with an interval that would tick many times: nothing is scheduled, nothing peeked.
    const off = await env.start({ ...ADMIN, EFM_RECEIPTS_INTERVAL_MS: '100' });
    const rows = await eventually(
      async () => {
        const current = await forsendelseRows(off);
        return current.length === 4 && current.every((r) => r.state === 'CONFIRMED') ? current : undefined;
      },
      30_000,
      'four forsendelser confirmed',
    );
    rows.sort((a, b) => a.mottakId.localeCompare(b.mottakId));
    const [ok, error, crashed, unreadable] = rows;

    const okReceipt = await control<IncomingView>(ip, '/incoming/kvittering', { body: { messageId: ok.messageId } });
    const errorReceipt = await control<IncomingView>(ip, '/incoming/kvittering', {
      body: {
        messageId: error.messageId,
        receiptType: 'ERROR',
        messages: [{ code: 'AVVIST', text: 'Arkivet avviste meldingen' }],
      },
    });
    // Recorded before a crash that came before its DELETE: read again, it must not be recorded twice.
    const crashedReceipt = await control<IncomingView>(ip, '/incoming/kvittering', {
      body: { messageId: crashed.messageId, receiptType: 'NOTSUPPORTED' },
    });
    await off.app.get(ForsendelseTransitions).recordReceipt(crashed.mottakId, {
      receiptMessageId: crashedReceipt.messageId,
      receipt: 'NOTSUPPORTED',
      text: null,
      relatedToMessageId: crashed.messageId,
      attempt: 1,
    });
    // In our conversation under the receipt process, but no receipt: unreadable, so left where it is.
    const notAReceipt = await control<IncomingView>(ip, '/incoming', {
      body: { type: 'arkivmelding', conversationId: unreadable.conversationId, process: RECEIPT_PROCESS },
    });
    const others = [
      await control<IncomingView>(ip, '/incoming', { body: { sender: '910000077' } }),
      await control<IncomingView>(ip, '/incoming', {
        body: { type: 'arkivmelding_kvittering', conversationId: FOREIGN_CONVERSATION, receiptType: 'ERROR' },
      }),
      // Our conversation, another process: another client's business.
      await control<IncomingView>(ip, '/incoming', {
        body: { type: 'arkivmelding', conversationId: ok.conversationId },
      }),
    ];

    const statusReads = async () =>
      (await control<{ url: string }[]>(ip, '/calls')).filter((c) => c.url.startsWith('/api/statuses')).length;
    const before = await statusReads();
    // Twenty status ticks (200 ms) is twenty receipt ticks' time at 100 ms, had one been scheduled.
    await eventually(async () => ((await statusReads()) >= before + 20 ? true : undefined), 30_000, 'status ticks');
    expect(
      await off.app
        .get<Queue>(getQueueToken(QueueName.Receipts), { strict: false })
        .getJobScheduler(`${QueueName.Receipts}-scheduler`),
    ).toBeUndefined();
    expect(await inCalls()).toEqual([]);
    expect(await receiptNotes(off)).toHaveLength(1);
    await off.close();

    const logs = new LogCapture();
    const bridge = await env.start(
      { ...ADMIN, EFM_RECEIPTS: 'true', EFM_RECEIPTS_INTERVAL_MS: '200' },
      { logger: logs },
    );
    const ours = new Set([okReceipt.messageId, errorReceipt.messageId, crashedReceipt.messageId]);
    const queue = await eventually(
      async () => {
        const current = await control<IncomingView[]>(ip, '/incoming');
        const done =
          !current.some((m) => ours.has(m.messageId)) &&
          current.some((m) => m.messageId === notAReceipt.messageId && m.locks > 0);
        return done ? current : undefined;
      },
      30_000,
      'our three receipts deleted at the IP, and the unreadable one peeked',
    );

    const notes = await receiptNotes(bridge);
    expect(notes).toHaveLength(3);
    expect(notes).toEqual(
      expect.arrayContaining([
        {
          mottak_id: ok.mottakId,
          attempt: 1,
          message_id: ok.messageId,
          detail: {
            receipt: 'OK',
            text: null,
            receiptMessageId: okReceipt.messageId,
            relatedToMessageId: ok.messageId,
          },
        },
        {
          mottak_id: error.mottakId,
          attempt: 1,
          message_id: error.messageId,
          detail: {
            receipt: 'ERROR',
            text: 'AVVIST: Arkivet avviste meldingen',
            receiptMessageId: errorReceipt.messageId,
            relatedToMessageId: error.messageId,
          },
        },
        expect.objectContaining({
          mottak_id: crashed.mottakId,
          detail: expect.objectContaining({ receipt: 'NOTSUPPORTED' }),
        }),
      ]),
    );

    // Every other message is where it was: never locked, never popped; the unreadable one locked once and left.
    const byId = new Map(queue.map((m) => [m.messageId, m]));
    for (const other of others) {
      expect(byId.get(other.messageId)).toMatchObject({ locked: false, locks: 0, pops: 0 });
    }
    expect(byId.get(notAReceipt.messageId)).toMatchObject({ locks: 1, pops: 0 });
    expect(queue).toHaveLength(others.length + 1);
    const peeks = (await inCalls()).filter((c) => c.startsWith('GET /api/messages/in/peek'));
    expect(peeks.length).toBeGreaterThan(0);
    for (const peek of peeks) {
      const query = new URL(peek.slice('GET '.length), 'http://ip').searchParams;
      expect(query.get('process')).toBe(RECEIPT_PROCESS);
      expect(rows.map((r) => r.conversationId)).toContain(query.get('conversationId'));
    }
    expect((await inCalls()).filter((c) => !c.startsWith('GET /api/messages/in/peek'))).toEqual(
      expect.arrayContaining([...ours].map((id) => `DELETE /api/messages/in/${id}`)),
    );
    expect((await inCalls()).filter((c) => c.includes('/pop/'))).toEqual([]);

    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/^bridge_receipts_total\{type="OK"\} 1$/m);
    expect(metrics).toMatch(/^bridge_receipts_total\{type="ERROR"\} 1$/m);
    expect(metrics).not.toMatch(/^bridge_receipts_total\{type="NOTSUPPORTED"\}/m);
    expect(metrics).toMatch(/^bridge_receipts_total\{type="unreadable"\} 1$/m);
    expect(logs.problems({ msg: "the receiver's archive rejected the message; receipt recorded" })).toEqual([
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ mottakId: error.mottakId, messageId: error.messageId, receipt: 'ERROR' }),
      }),
    ]);
    expect(logs.problems({ mottakId: unreadable.mottakId, receiptMessageId: notAReceipt.messageId })).toHaveLength(1);

    const rejected = await fetch(`${bridge.url}/admin/forsendelser?rejected=true`, { headers: AUTH });
    expect(rejected.status).toBe(200);
    const listed = (await rejected.json()) as { items: { mottakId: string }[]; total: number };
    expect(listed.items.map((i) => i.mottakId).sort()).toEqual([error.mottakId, crashed.mottakId].sort());
    expect(listed.total).toBe(2);
    const both = await fetch(`${bridge.url}/admin/forsendelser?rejected=true&late=true`, { headers: AUTH });
    expect(both.status).toBe(400);
    const late = (await (await fetch(`${bridge.url}/admin/forsendelser?late=true`, { headers: AUTH })).json()) as {
      total: number;
    };
    expect(late.total).toBe(0);

    const built = BuiltBridge.prepare();
    try {
      const cli = spawnSync(
        process.execPath,
        [join(dirname(built.main), 'admin', 'cli.js'), 'list', '--rejected', '--json'],
        { env: { ...aValidEnv({ DATABASE_URL: db.url }), PATH: process.env.PATH }, encoding: 'utf8' },
      );
      expect(cli.stderr).toBe('');
      expect(cli.status).toBe(0);
      const page = JSON.parse(cli.stdout) as { items: { mottakId: string }[]; total: number };
      expect(page.items.map((i) => i.mottakId).sort()).toEqual([error.mottakId, crashed.mottakId].sort());
    } finally {
      built.remove();
    }
  });
});
