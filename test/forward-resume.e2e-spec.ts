import { Test, type TestingModule } from '@nestjs/testing';
import { UnrecoverableError } from 'bullmq';
import { BrregClient } from '../src/brreg/brreg.client';
import { SystemClock } from '../src/clock/clock';
import type { AppConfig } from '../src/config/app-config';
import { loadConfig } from '../src/config/config.loader';
import { ConfigModule } from '../src/config/config.module';
import { ARKIVMELDING_FILENAME, buildArkivmelding, zipFilenameFor } from '../src/eformidling/arkivmelding.builder';
import { CapabilitiesCache } from '../src/eformidling/capabilities.cache';
import { SendUnsettledError } from '../src/eformidling/forward.errors';
import { ForwardService, type ForwardOutcome } from '../src/eformidling/forward.service';
import { IntegrasjonspunktClient } from '../src/eformidling/integrasjonspunkt.client';
import { buildSbd } from '../src/eformidling/sbd.builder';
import { messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { ForsendelseModule } from '../src/forsendelse/forsendelse.module';
import { ForsendelseTransitions } from '../src/forsendelse/forsendelse-transitions';
import { ForsendelseQueries } from '../src/forsendelse/forsendelse-queries';
import { Metrics } from '../src/ops/metrics';
import { QueuesModule } from '../src/queues/queues.module';
import { WorkQueues } from '../src/queues/work-queues';
import { OutboundHttp } from '../src/http/outbound-http';
import { MaskinportenTokenProvider } from '../src/maskinporten/maskinporten-token.provider';
import { MaskinportenClient } from '../src/maskinporten/maskinporten.client';
import { loadSigningKey } from '../src/maskinporten/signing-key.loader';
import type { SimulatorSet } from '../src/simulator/start-simulators';
import { control, createTestDatabase, eventually, startTestSimulators, testKeys } from './support/bridge-harness';
import type { TestDatabase } from './support/database';

interface IpMessage {
  messageId: string;
  files: { filename: string }[];
  sendAccepted: number;
  statuses: { status: string }[];
}

/**
 * A forward resumed after a crash asks the IP what exists for its messageId and never sends one attempt twice
 * (docs/architecture.md, "The forward", the table of cases).
 */
/** Short, so the send-5xx rule runs in seconds; each wait is asked for by the forward itself. */
const GRACE_MS = 1_000;

describe('a resumed forward', () => {
  let sims: SimulatorSet;
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let configEnv: Record<string, string>;
  let config: AppConfig;
  let http: OutboundHttp;
  let transitions: ForsendelseTransitions;
  let queries: ForsendelseQueries;
  let ip: IntegrasjonspunktClient;
  let forward: ForwardService;
  let queues: WorkQueues;
  let brreg: BrregClient;
  const clock = new SystemClock();

  beforeAll(async () => {
    const keys = await testKeys();
    sims = await startTestSimulators({ integrasjonspunkt: { statusDelayMs: 60_000 } });
    db = await createTestDatabase();
    configEnv = {
      EFM_PAYLOAD: 'zip',
      EFM_SEND_GRACE_MS: String(GRACE_MS),
      ...keys.env.kid,
      MASKINPORTEN_ISSUER: sims.maskinporten.issuer,
      MASKINPORTEN_TOKEN_URL: sims.maskinporten.tokenUrl,
      BRREG_BASE_URL: sims.brreg.outboundUrl,
      EFM_BASE_URL: sims.integrasjonspunkt.url,
      EFM_SENDER_ORGNR: keys.orgnr,
      EFM_RECEIVER_ORGNR: '310000001',
      DATABASE_URL: db.url,
      QUEUE_PREFIX: `t${Date.now().toString(36)}`,
    };
    config = loadConfig(configEnv);
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), ForsendelseModule, QueuesModule],
    }).compile();
    await moduleRef.init();
    transitions = moduleRef.get(ForsendelseTransitions);
    queries = moduleRef.get(ForsendelseQueries);
    queues = moduleRef.get(WorkQueues);
    http = OutboundHttp.fromConfig(config);
    const tokens = new MaskinportenTokenProvider(
      new MaskinportenClient(http, config.maskinporten, loadSigningKey(config.maskinporten.key)),
      clock,
    );
    ip = new IntegrasjonspunktClient(http, config.efm.baseUrl);
    brreg = new BrregClient(http, config.brreg.baseUrl, tokens);
    forward = aForwardService(config);
  });

  afterAll(async () => {
    await http?.close();
    await moduleRef?.close();
    await sims?.close();
    await db?.drop();
  });

  /** A forsendelse at Brreg and its row, as the poll discovered it. */
  async function aDiscoveredRow(): Promise<{ mottakId: string; messageId: string }> {
    const { orgnr } = await testKeys();
    const [seeded] = await control<{ mottakId: string; oppdatert: string }[]>(sims.brreg.url, '/forsendelser', {
      body: { orgnr, count: 1 },
    });
    await transitions.insertDiscovered([{ mottakId: seeded.mottakId, oppdatert: seeded.oppdatert, tjeneste: null }]);
    return { mottakId: seeded.mottakId, messageId: messageIdFor(seeded.mottakId, 1) };
  }

  /** The same, claimed for attempt 1 (as a forward that crashed would leave it). */
  async function aForwardingRow(): Promise<{ mottakId: string; messageId: string }> {
    const row = await aDiscoveredRow();
    await transitions.startAttempt(row.mottakId, 'DISCOVERED', 1);
    return row;
  }

  async function createdAtIp(mottakId: string, withArkivmelding: boolean): Promise<void> {
    const sbd = buildSbd({
      mottakId,
      attempt: 1,
      senderOrgnr: config.efm.senderOrgnr,
      receiverOrgnr: config.efm.receiverOrgnr,
      messageType: 'arkivmelding',
      process: config.efm.process,
      avtaltIdentifier: config.efm.avtaltIdentifier,
      ttlHours: 24,
      securityLevel: config.efm.securityLevel,
      nowMs: Date.now(),
    });
    await ip.createMessage(sbd);
    if (withArkivmelding) {
      const messageId = messageIdFor(mottakId, 1);
      const xml = buildArkivmelding({
        mottakId,
        messageId,
        zipFilename: zipFilenameFor(mottakId),
        oppdatert: null,
        tjeneste: null,
        nowMs: Date.now(),
      });
      await ip.upload(messageId, {
        filename: ARKIVMELDING_FILENAME,
        title: 'Arkivmelding',
        contentType: 'application/xml',
        body: xml,
        contentLength: Buffer.byteLength(xml),
      });
    }
  }

  /** The forward as the app wires it, with this test's clients, under `withConfig`. */
  function aForwardService(withConfig: AppConfig): ForwardService {
    return new ForwardService(
      withConfig,
      transitions,
      queries,
      brreg,
      ip,
      new CapabilitiesCache(ip, clock),
      clock,
      queues,
      new Metrics(),
    );
  }

  async function ipMessage(messageId: string): Promise<IpMessage> {
    return control<IpMessage>(sims.integrasjonspunkt.url, `/messages/${messageId}`);
  }

  it('with nothing at the IP: creates, uploads both files and sends once', async () => {
    const { mottakId, messageId } = await aForwardingRow();
    expect(await forward.forward({ mottakId, attempt: 1 })).toBe('sent');
    const message = await ipMessage(messageId);
    expect(message.files.map((f) => f.filename)).toEqual([ARKIVMELDING_FILENAME, zipFilenameFor(mottakId)]);
    expect(message.sendAccepted).toBe(1);
    expect((await queries.findById(mottakId))?.state).toBe('SENT');
  });

  it('from DISCOVERED, with the message at the IP all the same (an old backup restored): resumes on the retry, sends once', async () => {
    // A first forward skips the IP lookup (nothing can exist for a row that was never FORWARDING); the IP's
    // create refusing the known messageId is what keeps that safe when the database forgot a forward.
    const { mottakId, messageId } = await aDiscoveredRow();
    await createdAtIp(mottakId, true);
    await expect(forward.forward({ mottakId, attempt: 1 })).rejects.toThrow(/created concurrently/);
    expect((await ipMessage(messageId)).sendAccepted).toBe(0);
    expect(await forward.forward({ mottakId, attempt: 1 })).toBe('sent');
    const message = await ipMessage(messageId);
    expect(message.files.map((f) => f.filename)).toEqual([ARKIVMELDING_FILENAME, zipFilenameFor(mottakId)]);
    expect(message.sendAccepted).toBe(1);
  });

  it('with the message created and arkivmelding.xml uploaded, no send requested: uploads what is missing and sends', async () => {
    const { mottakId, messageId } = await aForwardingRow();
    await createdAtIp(mottakId, true);
    expect(await forward.forward({ mottakId, attempt: 1 })).toBe('sent');
    const message = await ipMessage(messageId);
    expect(message.files.map((f) => f.filename)).toEqual([ARKIVMELDING_FILENAME, zipFilenameFor(mottakId)]);
    expect(message.sendAccepted).toBe(1);
  });

  /** Resumes the forward as its job's retries would, each after the wait it asked for, until it ends. */
  async function resumeUntilSettled(
    mottakId: string,
    between?: (unsettled: SendUnsettledError[]) => Promise<void>,
  ): Promise<{ outcome: ForwardOutcome; unsettled: SendUnsettledError[] }> {
    const unsettled: SendUnsettledError[] = [];
    for (let i = 0; i < 10; i++) {
      try {
        return { outcome: await forward.forward({ mottakId, attempt: 1 }), unsettled };
      } catch (error) {
        if (!(error instanceof SendUnsettledError)) {
          throw error;
        }
        unsettled.push(error);
        await between?.(unsettled);
        await new Promise((r) => setTimeout(r, error.waitMs));
      }
    }
    throw new Error(`not settled after 10 tries: ${unsettled.map((e) => e.message).join('; ')}`);
  }

  it('with the send requested before the crash and no SENDT: never sends again; cancels, then opens the next attempt', async () => {
    const { mottakId, messageId } = await aForwardingRow();
    await createdAtIp(mottakId, true);
    await transitions.markSendRequested(mottakId, 1);
    const { outcome, unsettled } = await resumeUntilSettled(mottakId);
    expect(outcome).toBe('cancelled');
    expect(unsettled.map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('cancelled; waiting for a copy in transmission')]),
    );
    expect((await ipMessage(messageId)).sendAccepted).toBe(0);
    expect(await ip.hasOutMessage(messageId)).toBe(false);
    expect(await queries.findById(mottakId)).toMatchObject({
      state: 'FORWARDING',
      attempt: 2,
      messageId: messageIdFor(mottakId, 2),
      sendRequestedAt: null,
      sendCancelledAt: null,
    });
    const notes = (await queries.events(mottakId)).map((e) => e.detail);
    expect(notes).toEqual(expect.arrayContaining([{ cancel: 'requested' }]));
  });

  it('with the send requested and a copy that was already transmitting when cancelled: SENT, no new attempt', async () => {
    const { mottakId, messageId } = await aForwardingRow();
    await createdAtIp(mottakId, true);
    await transitions.markSendRequested(mottakId, 1);
    const { outcome } = await resumeUntilSettled(mottakId, async (unsettled) => {
      if (unsettled.at(-1)?.message.includes('cancelled;')) {
        // What the IP records when a copy it was transmitting at the DELETE gets through.
        await control(sims.integrasjonspunkt.url, `/messages/${messageId}/statuses`, { body: { status: 'SENDT' } });
      }
    });
    expect(outcome).toBe('already-sent');
    expect(await queries.findById(mottakId)).toMatchObject({ state: 'SENT', attempt: 1 });
  });

  it('when the IP already recorded SENDT: moves to SENT without sending again', async () => {
    const { mottakId, messageId } = await aForwardingRow();
    expect(await forward.forward({ mottakId, attempt: 1 })).toBe('sent');
    // The crash came after the IP accepted the send but before our row said SENT.
    await transitions.transition({ mottakId, from: 'SENT', to: 'FORWARDING' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await forward.forward({ mottakId, attempt: 1 })).toBe('already-sent');
    expect((await ipMessage(messageId)).sendAccepted).toBe(1);
  });

  it('created at the IP and since cancelled there (no out-message left): SENT for tracking to decide, never parked', async () => {
    const { mottakId, messageId } = await aForwardingRow();
    await createdAtIp(mottakId, false);
    // Cancelled at the IP (by an operator, or dead-lettered) between create and upload.
    await ip.deleteOutMessage(messageId);
    expect(await forward.forward({ mottakId, attempt: 1 })).toBe('already-sent');
    expect((await ipMessage(messageId)).sendAccepted).toBe(0);
    expect(await queries.findById(mottakId)).toMatchObject({ state: 'SENT', attempt: 1, failureReason: null });
  });

  it('a fresh forward whose out-message goes while it uploads (the IP answers 404): SENT for tracking, never parked', async () => {
    const { mottakId, messageId } = await aDiscoveredRow();
    // A slow Brreg holds the forward between arkivmelding.xml and the zip's upload: long enough to cancel there.
    await control(sims.brreg.url, '/faults', { body: { latencyMs: 1_500 } });
    try {
      const forwarding = forward.forward({ mottakId, attempt: 1 });
      await eventually(
        async () =>
          (await ipMessage(messageId).catch(() => undefined))?.files.some((f) => f.filename === ARKIVMELDING_FILENAME)
            ? true
            : undefined,
        10_000,
        'arkivmelding.xml at the IP',
      );
      await ip.deleteOutMessage(messageId);
      expect(await forwarding).toBe('already-sent');
    } finally {
      await control(sims.brreg.url, '/faults', { method: 'DELETE' });
    }
    expect((await ipMessage(messageId)).sendAccepted).toBe(0);
    expect(await queries.findById(mottakId)).toMatchObject({ state: 'SENT', attempt: 1, failureReason: null });
    const toSent = (await queries.events(mottakId)).find((e) => e.toState === 'SENT');
    expect(String(toSent?.detail?.reason)).toMatch(/the IP holds no out-message: .*; tracking decides/);
  });

  it('does nothing for an attempt that is not the row’s current one', async () => {
    const { mottakId } = await aForwardingRow();
    expect(await forward.forward({ mottakId, attempt: 2 })).toBe('not-forwarding');
  });

  it('retries, and does not park, a forsendelse whose download was cut half-way', async () => {
    const { mottakId } = await aForwardingRow();
    await control(sims.brreg.url, '/faults/truncate-download', { body: { mottakId, afterBytes: 10 } });
    const error: unknown = await forward.forward({ mottakId, attempt: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect((await queries.findById(mottakId))?.state).toBe('FORWARDING');
    expect(await forward.forward({ mottakId, attempt: 1 })).toBe('sent');
  });

  it('parks a forsendelse the IP refuses for good (over the DPV size limit), with the reason', async () => {
    const { orgnr } = await testKeys();
    await control(sims.integrasjonspunkt.url, '/receivers/310000001', { method: 'PUT', body: { service: 'DPV' } });
    try {
      const [big] = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', {
        body: { orgnr, count: 1, sizeBytes: 300_000_000 },
      });
      await transitions.insertDiscovered([{ mottakId: big.mottakId, oppdatert: null, tjeneste: null }]);
      // A fresh capability cache: the shared one remembers the receiver as DPO for five minutes.
      const forwardToDpv = aForwardService(config);
      await expect(forwardToDpv.forward({ mottakId: big.mottakId, attempt: 1 })).rejects.toBeInstanceOf(
        UnrecoverableError,
      );
      const row = await queries.findById(big.mottakId);
      expect(row?.state).toBe('FAILED');
      expect(row?.failureReason).toContain('over the integrasjonspunkt');
      expect(row?.failureReason).toContain('DPV');
      // Created at the IP before the limit stopped it: the parked attempt's out-message is cancelled there.
      const messageId = messageIdFor(big.mottakId, 1);
      expect(await ip.conversationByMessageId(messageId)).not.toBeNull();
      expect(await ip.hasOutMessage(messageId)).toBe(false);
    } finally {
      await control(sims.integrasjonspunkt.url, '/receivers/310000001', { method: 'DELETE' });
    }
  });

  it('applies EFM_MAX_UPLOAD_BYTES instead of the per-service limit, before uploading the zip', async () => {
    const { orgnr } = await testKeys();
    const [zip] = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', {
      body: { orgnr, count: 1, sizeBytes: 20_000 },
    });
    await transitions.insertDiscovered([{ mottakId: zip.mottakId, oppdatert: null, tjeneste: null }]);
    const limited = loadConfig({ ...configEnv, EFM_MAX_UPLOAD_BYTES: '10000' });
    const forwardLimited = aForwardService(limited);
    await expect(forwardLimited.forward({ mottakId: zip.mottakId, attempt: 1 })).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    const row = await queries.findById(zip.mottakId);
    expect(row?.state).toBe('FAILED');
    expect(row?.failureReason).toContain('DPO');
    expect(row?.failureReason).toContain('10000');
    const message = await control<IpMessage>(sims.integrasjonspunkt.url, `/messages/${messageIdFor(zip.mottakId, 1)}`);
    expect(message.files.map((f) => f.filename)).toEqual([ARKIVMELDING_FILENAME]);
  });

  it('counts arkivmelding.xml with the zip against the limit, as the IP does: parks one byte over, sends exactly at it', async () => {
    const { orgnr } = await testKeys();
    const forwardWith = (limit: string) => aForwardService(loadConfig({ ...configEnv, EFM_MAX_UPLOAD_BYTES: limit }));
    const seeded = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', {
      body: { orgnr, count: 3, sizeBytes: 20_000 },
    });
    await transitions.insertDiscovered(seeded.map((s) => ({ mottakId: s.mottakId, oppdatert: null, tjeneste: null })));
    const [first, over, exact] = seeded.map((s) => s.mottakId);
    // The files' sizes, as the simulator saw them: arkivmelding.xml and the zip of 20,000 bytes.
    expect(await forwardWith('1000000').forward({ mottakId: first, attempt: 1 })).toBe('sent');
    const sent = await control<{ files: { filename: string; declaredSize: number }[] }>(
      sims.integrasjonspunkt.url,
      `/messages/${messageIdFor(first, 1)}`,
    );
    const total = sent.files.reduce((sum, f) => sum + f.declaredSize, 0);
    expect(sent.files.find((f) => f.filename === ARKIVMELDING_FILENAME)?.declaredSize).toBeGreaterThan(0);
    expect(total).toBeGreaterThan(20_000);

    // The IP refuses the zip when the sum passes its limit; the bridge parks before uploading it.
    await control(sims.integrasjonspunkt.url, '/settings', { body: { uploadLimits: { DPO: total - 1 } } });
    try {
      await expect(forwardWith(String(total - 1)).forward({ mottakId: over, attempt: 1 })).rejects.toBeInstanceOf(
        UnrecoverableError,
      );
      const parked = await queries.findById(over);
      expect(parked?.state).toBe('FAILED');
      expect(parked?.failureReason).toContain(`come to ${total} bytes`);
      const refused = await control<IpMessage>(sims.integrasjonspunkt.url, `/messages/${messageIdFor(over, 1)}`);
      expect(refused.files.map((f) => f.filename)).toEqual([ARKIVMELDING_FILENAME]);

      await control(sims.integrasjonspunkt.url, '/settings', { body: { uploadLimits: { DPO: total } } });
      expect(await forwardWith(String(total)).forward({ mottakId: exact, attempt: 1 })).toBe('sent');
    } finally {
      await control(sims.integrasjonspunkt.url, '/settings', { body: { uploadLimits: {} } });
    }
  });
});
