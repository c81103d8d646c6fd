import { REJECTED_KVITTERING, svarmelding, THREE_PDFS, vedtak } from '../../test/support/melding-fixtures';
import { decodeKvittering, isMeldingDocument, readMelding, type Melding } from './melding.reader';

function read(xml: string): Melding {
  const result = readMelding(Buffer.from(xml, 'utf8'));
  if (!result.ok) {
    throw new Error(result.problem);
  }
  return result.melding;
}

describe('readMelding', () => {
  it('reads a vedtak with three PDFs: attributes, parts, references and each Vedlegg in order', () => {
    const melding = read(vedtak(THREE_PDFS));
    expect(melding).toMatchObject({
      id: '6e0b7c3a-2d19-4f5e-9c81-a4b7d2e0f365',
      tjeneste: 'eting',
      tjenestehandling: 'vedtak',
      mottaker: { id: '311000012' },
      avsender: { id: '974760673', idType: 'Organisasjonsnummer' },
      referanser: [{ referanse: '2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052', referanseType: 'MeldingsReferanse' }],
      innhold: { kind: 'data', format: 'TXT', text: 'Slettingen er registrert i Løsøreregisteret.' },
    });
    expect(melding.vedlegg.map((v) => [v.navn, v.deler[0].filnavn])).toEqual(
      THREE_PDFS.map((v) => [v.navn, v.filnavn]),
    );
    expect(melding.vedlegg[0].deler[0].innhold).toEqual({
      kind: 'ref',
      referanse: THREE_PDFS[0].filnavn,
      format: 'PDF',
      referanseFormat: undefined,
      sjekksum: undefined,
    });
  });

  it('decodes the escaped Applikasjonskvittering of a svarmelding (OK and Rejected)', () => {
    expect(decodeKvittering(read(svarmelding()))).toEqual({
      status: 'OK',
      statusTekst: 'Mottatt til behandling',
      statusKode: '201',
      meldingsReferanse: '9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14',
      henvendelsesReferanse: undefined,
      avsendersReferanse: undefined,
    });
    expect(decodeKvittering(read(svarmelding(REJECTED_KVITTERING)))).toMatchObject({
      status: 'Rejected',
      statusKode: '305',
      henvendelsesReferanse: 'H-77',
    });
    expect(decodeKvittering(read(vedtak(THREE_PDFS)))).toBeUndefined();
  });

  it('finds a Melding by its root, whatever the file is called', () => {
    expect(isMeldingDocument(Buffer.from(svarmelding()))).toBe(true);
    expect(isMeldingDocument(Buffer.from('<?xml version="1.0"?><manifest/>'))).toBe(false);
    expect(isMeldingDocument(Buffer.from('%PDF-1.4'))).toBe(false);
  });

  it('refuses an XXE Melding without reading the file', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE Melding [<!ENTITY x SYSTEM "file:///etc/passwd">]>${svarmelding()
      .replace(/^<\?xml[^>]*>/, '')
      .replace('Mottatt til behandling', '&amp;x;')
      .replace('<Data format="XML">', '<Data format="XML">&x;')}`;
    const result = readMelding(Buffer.from(xxe));
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(/does not parse: .*DOCTYPE/) });
    expect(JSON.stringify(result)).not.toContain('root:');
  });

  it('refuses a billion-laughs Melding at once', () => {
    const lol = [
      '<!ENTITY lol0 "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`),
    ].join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE Melding [${lol}]><Melding xmlns="http://schema.brreg.no/postmottak/henvendelse">&lol9;</Melding>`;
    const before = process.memoryUsage().heapUsed;
    expect(readMelding(Buffer.from(bomb))).toEqual({ ok: false, problem: expect.stringContaining('does not parse') });
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses an undeclared entity, a non-UTF-8 document, malformed XML and an invalid Melding with a reason', () => {
    const problem = (xml: string | Buffer) => {
      const r = readMelding(Buffer.isBuffer(xml) ? xml : Buffer.from(xml));
      return r.ok ? 'ok' : r.problem;
    };
    expect(problem(svarmelding().replace('Mottatt', '&nbsp;'))).toMatch(/does not parse/);
    expect(problem(Buffer.from(svarmelding().replace('Mottatt', 'M\u00f8'), 'latin1'))).toMatch(/not UTF-8/);
    expect(problem(svarmelding().replace('</Innhold>', ''))).toMatch(/does not parse/);
    expect(problem(svarmelding().replace(/<Avsender[^>]*>/, ''))).toMatch(/not a valid Melding: avsender/);
    expect(problem('<Melding xmlns="urn:other"/>')).toMatch(/not a Melding/);
    expect(problem(vedtak(THREE_PDFS).replace(/<DataRef[^>]*\/>/, ''))).toMatch(/not a valid Melding/);
  });
});
