import type { ArkivmeldingSummary } from '../../src/simulator/integrasjonspunkt/arkivmelding.reader';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  anArkivmelding,
  anSbd,
  expectOk,
  messageIdOf,
  useIpSimulator,
  waitFor,
  type SpringErrorBody,
} from './integrasjonspunkt.test-kit';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface FileView {
  filename: string;
  title?: string;
  contentType: string;
  size: number;
  sha256: string;
  stored: boolean;
}

interface MessageWithArkivmelding {
  files: FileView[];
  messageTitle: string | null;
  arkivmelding: ArkivmeldingSummary | null;
}

describe('integrasjonspunkt simulator: the uploaded files, for tests', () => {
  const simulator = useIpSimulator({ sendDelayMs: 0, statusDelayMs: 0, ttlCheckIntervalMs: 0 });

  async function created(): Promise<string> {
    const sbd = anSbd();
    const res = await simulator.ip.create(sbd);
    expect(res.status).toBe(200);
    return messageIdOf(sbd);
  }

  it('lists each file with title, content type, size and sha256, returns its bytes, and reads the arkivmelding', async () => {
    const { ip } = simulator;
    const messageId = await created();
    const names = ['vedtak.pdf', 'paategning.pdf', 'hendvendelse.xml'];
    const contents = names.map((n, i) => Buffer.from(`%PDF-1.7 ${n} ${i}`));
    await expectOk(
      ip.upload(messageId, 'arkivmelding.xml', anArkivmelding({ files: names, offentligTittel: 'Vedtak' })),
    );
    for (const [i, name] of names.entries()) {
      await expectOk(
        ip.upload(messageId, name, contents[i], { title: `Dokument ${i + 1}`, contentType: 'application/pdf' }),
      );
    }
    await expectOk(ip.send(messageId));

    const listed = await ip.control<FileView[]>('GET', `/messages/${messageId}/files`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((f) => f.filename)).toEqual(['arkivmelding.xml', ...names]);
    names.forEach((name, i) => {
      expect(listed.body[i + 1]).toMatchObject({
        filename: name,
        title: `Dokument ${i + 1}`,
        contentType: 'application/pdf',
        size: contents[i].length,
        sha256: sha256(contents[i]),
        stored: true,
      });
    });
    for (const [i, name] of names.entries()) {
      const res = await fetch(`${ip.url}/_sim/messages/${messageId}/files/${encodeURIComponent(name)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/pdf/);
      expect(Buffer.from(await res.arrayBuffer()).equals(contents[i])).toBe(true);
    }

    const trace = (await ip.control<MessageWithArkivmelding>('GET', `/messages/${messageId}`)).body;
    expect(trace.messageTitle).toBe('Vedtak');
    expect(trace.arkivmelding).toEqual({
      tittel: 'Forsendelse & tittel',
      offentligTittel: 'Vedtak',
      dokumentbeskrivelser: names.map((n, i) => ({
        dokumentnummer: String(i + 1),
        tittel: n,
        tilknyttetRegistreringSom: i === 0 ? 'Hoveddokument' : 'Vedlegg',
        referanseDokumentfil: [n],
      })),
    });
    const text = await fetch(`${ip.url}/_sim/messages/${messageId}/arkivmelding.xml`);
    expect(await text.text()).toContain('<offentligTittel>Vedtak</offentligTittel>');
  });

  it('refuses a journalpost at the root (no saksmappe) as ArkivmeldingUtil does: 500, and the file is not added', async () => {
    const { ip } = simulator;
    const messageId = await created();
    const rootRegistrering = anArkivmelding({ files: ['a.pdf'] })
      .replace(/<mappe xsi:type="saksmappe">[\s\S]*?(<basisregistrering)/, '<registrering')
      .replace('<basisregistrering xsi:type="journalpost">', '<registrering xsi:type="journalpost">')
      .replace(/<\/basisregistrering>[\s\S]*<\/mappe>/, '</registrering>')
      .replace('<registrering\n', '<registrering xsi:type="journalpost">\n');
    expect(rootRegistrering).not.toContain('saksmappe');
    const res = await ip.upload(messageId, 'arkivmelding.xml', rootRegistrering);
    expect(res.status).toBe(500);
    const body = (await res.json()) as SpringErrorBody;
    expect(body.exception).toBe('no.difi.meldingsutveksling.arkivmelding.ArkivmeldingRuntimeException');
    expect(body.message).toBe('No "Saksmappe" found in Arkivmelding');
    const files = await ip.control<FileView[]>('GET', `/messages/${messageId}/files`);
    expect(files.body).toEqual([]);
  });

  it('stores nothing of an upload the client abandons mid-body, and takes the same name again afterwards', async () => {
    const { ip } = simulator;
    const messageId = await created();
    const url = new URL(`${ip.url}/api/messages/out/${messageId}`);
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'PUT',
        headers: {
          'Content-Type': 'application/pdf',
          'Content-Disposition': 'attachment; name="Vedtak"; filename="vedtak.pdf"',
          'Content-Length': String(1_000_000),
        },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(100_000, 1), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    // The simulator notices the abort asynchronously; give it a moment, then check it kept nothing.
    await new Promise((r) => setTimeout(r, 300));
    expect((await ip.control<FileView[]>('GET', `/messages/${messageId}/files`)).body).toEqual([]);
    const again = Buffer.from('%PDF-1.7 whole');
    await expectOk(ip.upload(messageId, 'vedtak.pdf', again, { contentType: 'application/pdf' }));
    const files = await waitFor(async () => {
      const listed = (await ip.control<FileView[]>('GET', `/messages/${messageId}/files`)).body;
      return listed.length === 1 ? listed : undefined;
    });
    expect(files[0]).toMatchObject({ filename: 'vedtak.pdf', size: again.length, sha256: sha256(again) });
  });

  it('answers 404 for the files of an unknown message', async () => {
    const res = await simulator.ip.control('GET', '/messages/00000000-0000-4000-8000-000000000000/files');
    expect(res.status).toBe(404);
  });
});
