import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { messageIdFor } from '../src/forsendelse/forsendelse-ids';
import type { ForwardJobData } from '../src/queues/job-catalogue';
import { QueueName } from '../src/queues/queue-names';
import {
  control,
  eventually,
  forsendelseRows,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from './support/bridge-harness';

interface Seeded {
  mottakId: string;
  files: { name: string; entryName: string }[];
}
interface BrregItem {
  state: string;
  confirmedAt: string | null;
  downloads: number;
}
interface IpMessage {
  messageId: string;
  sendAccepted: number;
  statuses: { status: string }[];
}

const ADMIN = { ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'admin-password-1' };
const AUTH = { authorization: `Basic ${Buffer.from('ops:admin-password-1').toString('base64')}` };

async function seed(url: string, shapes: string[]): Promise<Seeded> {
  const { orgnr } = await testKeys();
  const [item] = await control<Seeded[]>(url, '/forsendelser', {
    body: { orgnr, count: 1, kind: 'vedtak', attachments: 2, shapes },
  });
  return item;
}

async function rowOf(bridge: RunningBridge, mottakId: string) {
  return (await forsendelseRows(bridge)).find((r) => r.mottakId === mottakId);
}

async function eventsOf(
  bridge: RunningBridge,
  mottakId: string,
): Promise<{ detail: Record<string, unknown> | null }[]> {
  const response = await fetch(`${bridge.url}/admin/forsendelser/${mottakId}`, { headers: AUTH });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: { detail: Record<string, unknown> | null }[] }).events;
}

/** Issue 12 point 3 through the whole bridge: the zip's CRC-32 blocks; a DataRef sjekksum only when enforced. */
describe('integrity of a forsendelse (EFM_PAYLOAD=documents)', () => {
  describe('a CRC-32 mismatch, and a wrong sjekksum with BRREG_SJEKKSUM=warn (the default)', () => {
    const env = useBridgeEnvironment();

    it('never sends or confirms the broken one, retries it from fresh downloads, and parks it naming the file', async () => {
      const { sims } = env;
      const corrupted = await seed(sims.brreg.url, ['corrupted-entry']);
      const wrongSum = await seed(sims.brreg.url, ['wrong-sjekksum']);
      const bridge = await env.start({ EFM_PAYLOAD: 'documents', ...ADMIN });

      // wrong-sjekksum under warn: delivered and confirmed, with an event and the metric.
      await eventually(
        async () => ((await rowOf(bridge, wrongSum.mottakId))?.state === 'CONFIRMED' ? true : undefined),
        60_000,
        'the wrong-sjekksum forsendelse confirmed',
      );
      const sumEvents = (await eventsOf(bridge, wrongSum.mottakId)).filter((e) => e.detail?.sjekksumMismatch);
      expect(sumEvents).toHaveLength(1);
      expect(sumEvents[0].detail?.mode).toBe('warn');
      expect(await (await fetch(`${bridge.url}/metrics`)).text()).toMatch(/^bridge_sjekksum_mismatches_total 1$/m);

      // corrupted-entry: each try downloads afresh and fails on the CRC-32 before anything is sent.
      const brregItem = () => control<BrregItem>(sims.brreg.url, `/forsendelser/${corrupted.mottakId}`);
      await eventually(
        async () => ((await brregItem()).downloads >= 2 ? true : undefined),
        60_000,
        'a second download of the corrupted forsendelse',
      );
      // The tries are not configurable (WORK_JOB_OPTIONS.attempts: 300, about a day): this job is given 3 in
      // Redis, so BullMQ's own last failure drives the bridge's real give-up path.
      const queue = bridge.app.get<Queue<ForwardJobData>>(getQueueToken(QueueName.Forward));
      const job = await eventually(
        async () =>
          (await queue.getJobs(['delayed', 'wait', 'active'])).find((j) => j.data.mottakId === corrupted.mottakId),
        30_000,
        'the forward job of the corrupted forsendelse',
      );
      const redis = new Redis('redis://127.0.0.1:6379');
      try {
        const key = queue.toKey(job.id as string);
        const opts = JSON.parse((await redis.hget(key, 'opts')) as string) as object;
        await redis.hset(key, 'opts', JSON.stringify({ ...opts, attempts: 3 }));
      } finally {
        redis.disconnect();
      }

      const parked = await eventually(
        async () => {
          const row = await rowOf(bridge, corrupted.mottakId);
          return row?.state === 'FAILED' ? row : undefined;
        },
        90_000,
        'the corrupted forsendelse parked',
      );
      const pdf = corrupted.files.find((f) => f.name.toLowerCase().endsWith('.pdf')) as Seeded['files'][number];
      expect(parked.failureReason).toMatch(/gave up after 3 tries/);
      expect(parked.failureReason).toContain(pdf.entryName);
      const item = await brregItem();
      expect(item.downloads).toBeGreaterThanOrEqual(3);
      expect(item.confirmedAt).toBeNull();
      const messages = await control<IpMessage[]>(sims.integrasjonspunkt.url, '/messages');
      // Only the wrong-sjekksum forsendelse was ever sent; no attempt of the corrupted one.
      expect(messages.filter((m) => m.sendAccepted > 0).map((m) => m.messageId)).toEqual([
        messageIdFor(wrongSum.mottakId, 1),
      ]);
    }, 240_000);
  });

  describe('a wrong sjekksum with BRREG_SJEKKSUM=enforce', () => {
    const env = useBridgeEnvironment();

    it('is parked with the reason, never sent or confirmed', async () => {
      const { sims } = env;
      const wrongSum = await seed(sims.brreg.url, ['wrong-sjekksum']);
      const bridge = await env.start({ EFM_PAYLOAD: 'documents', BRREG_SJEKKSUM: 'enforce', ...ADMIN });
      const parked = await eventually(
        async () => {
          const row = await rowOf(bridge, wrongSum.mottakId);
          return row?.state === 'FAILED' ? row : undefined;
        },
        60_000,
        'the wrong-sjekksum forsendelse parked',
      );
      expect(parked.failureReason).toMatch(/sjekksum/i);
      expect(wrongSum.files.some((f) => parked.failureReason?.includes(f.name))).toBe(true);
      const item = await control<BrregItem>(sims.brreg.url, `/forsendelser/${wrongSum.mottakId}`);
      expect(item.confirmedAt).toBeNull();
      const messages = await control<IpMessage[]>(sims.integrasjonspunkt.url, '/messages');
      expect(messages.filter((m) => m.sendAccepted > 0)).toEqual([]);
      expect(await (await fetch(`${bridge.url}/metrics`)).text()).toMatch(/^bridge_sjekksum_mismatches_total 1$/m);
    }, 120_000);
  });
});
