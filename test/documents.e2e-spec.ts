import { arkivmeldingProblems, referencedFiles } from './support/arkivmelding-schema';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from './support/bridge-harness';

interface Seeded {
  mottakId: string;
}
interface IpMessage {
  messageId: string;
  messageTitle: string | null;
  files: { filename: string; contentType: string; size: number; sha256: string | null }[];
  sendAccepted: number;
}

/** EFM_PAYLOAD=documents through the whole bridge: Brreg simulator → bridge → IP simulator → confirmed. */
describe('EFM_PAYLOAD=documents end to end', () => {
  const env = useBridgeEnvironment();

  it('delivers a vedtak with three PDFs and a rejected svarmelding as documents, then confirms them', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const seed = (body: Record<string, unknown>) =>
      control<Seeded[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1, ...body } });
    const [vedtak] = await seed({ kind: 'vedtak', attachments: 3, tjeneste: 'eting' });
    const [rejected] = await seed({ kind: 'svarmelding', kvitteringStatus: 'Rejected' });

    const bridge = await env.start({ EFM_PAYLOAD: 'documents' });
    await eventually(
      async () => {
        const rows = await forsendelseRows(bridge);
        return rows.length === 2 && rows.every((r) => r.state === 'CONFIRMED') ? rows : undefined;
      },
      120_000,
      'both confirmed',
    );

    const messages = await control<IpMessage[]>(sims.integrasjonspunkt.url, '/messages');
    const byMottak = new Map<string, IpMessage>();
    for (const m of messages) {
      const xml = await fetchText(sims.integrasjonspunkt.url, m.messageId, 'arkivmelding.xml');
      expect(arkivmeldingProblems(xml)).toEqual([]);
      const referenced = referencedFiles(xml);
      expect(referenced.every((f) => m.files.some((file) => file.filename === f))).toBe(true);
      const mottakId = /<mottakId>([^<]+)<\/mottakId>/.exec(xml)?.[1] ?? '';
      byMottak.set(mottakId, m);
    }

    const vedtakMessage = byMottak.get(vedtak.mottakId) as IpMessage;
    expect(vedtakMessage.messageTitle).toBe('Vedtak fra Brønnøysundregistrene (Løsøreregisteret)');
    const pdfs = vedtakMessage.files.filter((f) => f.filename.toLowerCase().endsWith('.pdf'));
    expect(pdfs).toHaveLength(3);
    expect(pdfs.every((f) => f.contentType === 'application/pdf' && f.size > 0)).toBe(true);
    expect(vedtakMessage.files.some((f) => f.filename.endsWith('.zip'))).toBe(false);

    const rejectedMessage = byMottak.get(rejected.mottakId) as IpMessage;
    expect(rejectedMessage.messageTitle).toMatch(/^Kvittering fra Brønnøysundregistrene: Avvist/);
  });
});

async function fetchText(ip: string, messageId: string, filename: string): Promise<string> {
  const response = await fetch(`${ip}/_sim/messages/${messageId}/files/${filename}`);
  expect(response.status).toBe(200);
  return response.text();
}
