import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Download } from '../src/brreg/brreg.client';
import { ARKIVMELDING_FILENAME, buildArkivmelding, zipFilenameFor } from '../src/eformidling/arkivmelding.builder';
import { UploadBudget } from '../src/eformidling/service-limits';
import { transferDocuments, type DocumentsResult } from '../src/eformidling/documents-transfer';
import { IntegrasjonspunktClient, type UploadFile } from '../src/eformidling/integrasjonspunkt.client';
import { IpError } from '../src/eformidling/integrasjonspunkt.errors';
import { transfer } from '../src/eformidling/payload-transfer';
import { buildSbd } from '../src/eformidling/sbd.builder';
import { messageIdFor } from '../src/forsendelse/forsendelse-ids';
import { OutboundHttp } from '../src/http/outbound-http';
import { DEFAULT_TITLES } from '../src/melding/titles';
import type { SimulatorSet } from '../src/simulator/start-simulators';
import { arkivmeldingProblems, referencedFiles } from './support/arkivmelding-schema';
import { control, startTestSimulators } from './support/bridge-harness';
import { svarmelding, THREE_PDFS, vedtak } from './support/melding-fixtures';
import { aConfig } from './support/test-config';
import { buildZip, fakePdf, localHeaderOffset, type FixtureEntry } from './support/zip-fixtures';

interface IpFile {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}
interface IpMessage {
  messageTitle: string | null;
  files: IpFile[];
  sendAccepted: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * EFM_PAYLOAD=documents against the real IP simulator over HTTP: each file arrives as its own upload with its
 * bytes and content type, a broken entry never completes at the IP, surprises take the safe form, and the
 * zips one pass cannot read go through the spool. The zip comes from memory (a Download is a value; the
 * Brreg side of the transfer is covered by the bridge's e2e tests).
 */
describe('documents transfer', () => {
  let sims: SimulatorSet;
  let http: OutboundHttp;
  let ip: IntegrasjonspunktClient;
  const config = aConfig();

  beforeAll(async () => {
    sims = await startTestSimulators();
    http = OutboundHttp.fromConfig(config);
    ip = new IntegrasjonspunktClient(http, sims.integrasjonspunkt.url);
  });

  afterAll(async () => {
    await http?.close();
    await sims?.close();
  });

  function downloadOf(zip: Buffer): Download {
    const chunks: Buffer[] = [];
    for (let at = 0; at < zip.length; at += 16_384) {
      chunks.push(zip.subarray(at, at + 16_384));
    }
    return { body: Readable.from(chunks), contentLength: zip.length };
  }

  async function run(zip: Buffer, mottakId = randomUUID()): Promise<{ result: DocumentsResult; messageId: string }> {
    const messageId = messageIdFor(mottakId, 1);
    await ip
      .createMessage(
        buildSbd({
          mottakId,
          attempt: 1,
          senderOrgnr: '311000012',
          receiverOrgnr: '310000001',
          messageType: 'arkivmelding',
          process: config.efm.process,
          avtaltIdentifier: 'x',
          ttlHours: 24,
          securityLevel: 3,
          nowMs: Date.now(),
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof IpError && error.is('MessageAlreadyExistsException'))) {
          throw error;
        }
      });
    const upload = async (file: UploadFile): Promise<boolean> => {
      try {
        await ip.upload(messageId, file);
        return true;
      } catch (error) {
        if (error instanceof IpError && error.is('DuplicateFilenameException')) {
          return false;
        }
        throw error;
      }
    };
    const zipFilename = zipFilenameFor(mottakId);
    const budget = new UploadBudget('DPO', 1024 ** 3);
    const result = await transferDocuments({
      mottakId,
      zipFilename,
      budget,
      spoolDir: config.forward.spoolDir,
      titles: DEFAULT_TITLES,
      download: () => Promise.resolve(downloadOf(zip)),
      upload,
      uploadZip: () =>
        transfer(
          downloadOf(zip),
          { dir: config.forward.spoolDir, name: mottakId, filename: zipFilename, budget },
          async (body, n) => {
            await upload({
              filename: zipFilename,
              title: zipFilename,
              contentType: 'application/zip',
              body,
              contentLength: n,
            });
          },
        ),
    });
    return { result, messageId };
  }

  /** arkivmelding.xml last, then send: the IP checks every referanseDokumentfil was uploaded. */
  async function finishAndSend(mottakId: string, messageId: string, result: DocumentsResult): Promise<IpMessage> {
    const xml = buildArkivmelding({
      mottakId,
      messageId,
      zipFilename: zipFilenameFor(mottakId),
      oppdatert: '2026-03-02T09:43:51.691',
      tjeneste: null,
      nowMs: Date.now(),
      documents: result.journalpost,
    });
    expect(arkivmeldingProblems(xml)).toEqual([]);
    await ip.upload(messageId, {
      filename: ARKIVMELDING_FILENAME,
      title: 'Arkivmelding',
      contentType: 'application/xml',
      body: xml,
      contentLength: Buffer.byteLength(xml),
    });
    await ip.send(messageId);
    const message = await control<IpMessage>(sims.integrasjonspunkt.url, `/messages/${messageId}`);
    expect(message.sendAccepted).toBe(1);
    expect(referencedFiles(xml).every((f) => message.files.some((m) => m.filename === f))).toBe(true);
    return message;
  }

  const pdfs = THREE_PDFS.map((_, i) => fakePdf(40_000 + i * 1_000, i));
  const entries = (meldingXml: string): FixtureEntry[] => [
    { name: 'hendvendelse.xml', data: Buffer.from(meldingXml) },
    ...THREE_PDFS.map((v, i) => ({ name: v.filnavn, data: pdfs[i] })),
  ];

  it('a vedtak with three PDFs, in one pass: each PDF its own file, its bytes, application/pdf', async () => {
    const mottakId = randomUUID();
    const meldingXml = vedtak(THREE_PDFS);
    const zip = await buildZip(entries(meldingXml));
    const { result, messageId } = await run(zip, mottakId);
    expect(result.path).toBe('one-pass');
    expect(result.surprises).toEqual([]);
    expect(result.measured).toEqual({ bytes: zip.length, sha256: sha256(zip) });
    const message = await finishAndSend(mottakId, messageId, result);
    expect(message.messageTitle).toBe('Vedtak fra Brønnøysundregistrene (Løsøreregisteret)');
    const byName = new Map(message.files.map((f) => [f.filename, f]));
    THREE_PDFS.forEach((v, i) => {
      expect(byName.get(v.filnavn)).toMatchObject({
        contentType: 'application/pdf',
        size: pdfs[i].length,
        sha256: sha256(pdfs[i]),
      });
    });
    expect(byName.get('hendvendelse.xml')).toMatchObject({
      contentType: 'application/xml',
      sha256: sha256(Buffer.from(meldingXml)),
    });
    expect(byName.has(zipFilenameFor(mottakId))).toBe(false);
    expect(message.files.at(-1)?.filename).toBe(ARKIVMELDING_FILENAME);
  });

  it('a resumed try skips what the IP has and still checks and hashes every byte', async () => {
    const mottakId = randomUUID();
    const zip = await buildZip(entries(vedtak(THREE_PDFS)));
    const first = await run(zip, mottakId);
    const second = await run(zip, mottakId);
    expect(second.result.measured).toEqual(first.result.measured);
    expect(second.result.journalpost).toEqual(first.result.journalpost);
    const message = await control<IpMessage>(sims.integrasjonspunkt.url, `/messages/${second.messageId}`);
    expect(message.files).toHaveLength(4);
  });

  it('a CRC-32 mismatch fails the transfer naming the file, and the IP never completes that file', async () => {
    const zip = await buildZip(entries(vedtak(THREE_PDFS)));
    const at = localHeaderOffset(zip, THREE_PDFS[1].filnavn);
    zip.writeUInt32LE((zip.readUInt32LE(at + 14) ^ 0x10) >>> 0, at + 14);
    const mottakId = randomUUID();
    await expect(run(zip, mottakId)).rejects.toThrow(`broken download: entry ${THREE_PDFS[1].filnavn} CRC-32 mismatch`);
    const message = await control<IpMessage>(sims.integrasjonspunkt.url, `/messages/${messageIdFor(mottakId, 1)}`);
    expect(message.files.map((f) => f.filename)).toEqual(['hendvendelse.xml', THREE_PDFS[0].filnavn]);
  });

  it('a svarmelding: the kvittering is the Hoveddokument, the Melding kept', async () => {
    const mottakId = randomUUID();
    const { result, messageId } = await run(
      await buildZip([{ name: 'hendvendelse.xml', data: Buffer.from(svarmelding()) }]),
      mottakId,
    );
    const message = await finishAndSend(mottakId, messageId, result);
    expect(message.messageTitle).toBe('Kvittering fra Brønnøysundregistrene: Mottatt til behandling');
    expect(message.files.map((f) => f.filename).sort()).toEqual([
      'arkivmelding.xml',
      'hendvendelse.xml',
      'innhold.xml',
    ]);
  });

  it('an entry no Vedleggsdel names: the safe form, every entry and the whole zip', async () => {
    const mottakId = randomUUID();
    const zip = await buildZip([...entries(vedtak(THREE_PDFS)), { name: 'ekstra.pdf', data: pdfs[0] }]);
    const { result, messageId } = await run(zip, mottakId);
    expect(result.surprises.map((s) => s.kind)).toEqual(['entry-not-named']);
    const message = await finishAndSend(mottakId, messageId, result);
    expect(message.files.find((f) => f.filename === zipFilenameFor(mottakId))).toMatchObject({
      contentType: 'application/zip',
      sha256: sha256(zip),
    });
    expect(message.files.some((f) => f.filename === 'ekstra.pdf')).toBe(true);
  });

  it('no Melding at all: every entry and the zip, titled as unreadable', async () => {
    const mottakId = randomUUID();
    const { result, messageId } = await run(await buildZip([{ name: 'a.pdf', data: pdfs[0] }]), mottakId);
    expect(result.path).toBe('spool');
    expect(result.surprises.map((s) => s.kind)).toEqual(['no-melding']);
    const message = await finishAndSend(mottakId, messageId, result);
    expect(message.messageTitle).toBe('Forsendelse fra Brønnøysundregistrene (innholdet kunne ikke leses)');
    expect(message.files.map((f) => f.filename).sort()).toEqual(
      ['a.pdf', 'arkivmelding.xml', zipFilenameFor(mottakId)].sort(),
    );
  });

  it('a Melding that does not parse (XXE): the safe form, nothing read from the disk', async () => {
    const mottakId = randomUUID();
    const xxe = '<?xml version="1.0"?><!DOCTYPE M [<!ENTITY x SYSTEM "file:///etc/passwd">]><Melding>&x;</Melding>';
    const { result, messageId } = await run(
      await buildZip([
        { name: 'hendvendelse.xml', data: Buffer.from(xxe) },
        { name: 'a.pdf', data: pdfs[0] },
      ]),
      mottakId,
    );
    expect(result.surprises.map((s) => s.kind)).toEqual(['melding-unparsable']);
    await finishAndSend(mottakId, messageId, result);
  });

  it('a bomb is stopped at its declared size and delivered only inside the zip', async () => {
    const mottakId = randomUUID();
    const zip = await buildZip([
      { name: 'hendvendelse.xml', data: Buffer.from(vedtak([{ navn: 'B', filnavn: 'b.pdf' }])) },
      { name: 'b.pdf', data: Buffer.alloc(20_000_000) },
    ]);
    zip.writeUInt32LE(10_000, localHeaderOffset(zip, 'b.pdf') + 22);
    const { result, messageId } = await run(zip, mottakId);
    expect(result.surprises.map((s) => s.kind)).toContain('inflate-bomb');
    const message = await finishAndSend(mottakId, messageId, result);
    expect(message.files.some((f) => f.filename === 'b.pdf')).toBe(false);
    expect(message.files.some((f) => f.filename === zipFilenameFor(mottakId))).toBe(true);
  });

  it('data descriptors and a Melding that is not first take the spool path, with the same result', async () => {
    for (const zip of [
      await buildZip(entries(vedtak(THREE_PDFS)).map((e) => ({ ...e, descriptor: true }))),
      await buildZip([...entries(vedtak(THREE_PDFS)).slice(1), entries(vedtak(THREE_PDFS))[0]]),
    ]) {
      const mottakId = randomUUID();
      const { result, messageId } = await run(zip, mottakId);
      expect(result.path).toBe('spool');
      expect(result.surprises).toEqual([]);
      expect(result.measured?.sha256).toBe(sha256(zip));
      const message = await finishAndSend(mottakId, messageId, result);
      THREE_PDFS.forEach((v, i) => {
        expect(message.files.find((f) => f.filename === v.filnavn)?.sha256).toBe(sha256(pdfs[i]));
      });
    }
  });

  it('an entry compressed with a method the bridge cannot check goes along only inside the zip', async () => {
    const mottakId = randomUUID();
    const zip = await buildZip([
      { name: 'hendvendelse.xml', data: Buffer.from(vedtak([{ navn: 'A', filnavn: 'a.pdf' }])) },
      { name: 'a.pdf', data: pdfs[0], compress: false },
    ]);
    // Method 12 (bzip2) in both headers of a.pdf.
    zip.writeUInt16LE(12, localHeaderOffset(zip, 'a.pdf') + 8);
    const central = zip.lastIndexOf(Buffer.from('a.pdf'));
    zip.writeUInt16LE(12, central - 46 + 10);
    const { result, messageId } = await run(zip, mottakId);
    expect(result.path).toBe('spool');
    expect(result.surprises.map((s) => s.kind)).toEqual(['unreadable-entry']);
    const message = await finishAndSend(mottakId, messageId, result);
    expect(message.files.some((f) => f.filename === 'a.pdf')).toBe(false);
    expect(message.files.some((f) => f.filename === zipFilenameFor(mottakId))).toBe(true);
  });

  it('checks DataRef@sjekksum ignoring case and reports the files whose MD5 differs', async () => {
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
    const melding = vedtak([
      { navn: 'A', filnavn: 'a.pdf', sjekksum: md5(pdfs[0]).toUpperCase() },
      { navn: 'B', filnavn: 'b.pdf', sjekksum: md5(pdfs[0]) },
    ]);
    const { result } = await run(
      await buildZip([
        { name: 'hendvendelse.xml', data: Buffer.from(melding) },
        { name: 'a.pdf', data: pdfs[0] },
        { name: 'b.pdf', data: pdfs[1] },
      ]),
    );
    expect(result.surprises).toEqual([]);
    expect(result.sjekksumMismatches).toEqual(['b.pdf']);
  });
});
