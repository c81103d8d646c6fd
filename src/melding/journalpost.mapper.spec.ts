import { REJECTED_KVITTERING, svarmelding, THREE_PDFS, vedtak } from '../../test/support/melding-fixtures';
import { planContent, sanitiseFilename, type EntryName } from './forsendelse-content';
import { mapForsendelse, mapWithoutMelding, ZIP_DOCUMENT_TITLE } from './journalpost.mapper';
import { readMelding, type Melding } from './melding.reader';
import { DEFAULT_TITLES, mergeTitles, titleOf } from './titles';

const MOTTAK = 'be935814-c7a3-4a9f-8bbc-ac278cbe41d5';

function read(xml: string): Melding {
  const result = readMelding(Buffer.from(xml, 'utf8'));
  if (!result.ok) {
    throw new Error(result.problem);
  }
  return result.melding;
}

const entries = (...names: string[]): EntryName[] => names.map((name) => ({ name, utf8: true }));

function map(xml: string, names: string[], zipUploadName?: string) {
  const melding = read(xml);
  const plan = planContent(melding, names[0], entries(...names), zipUploadName ? [zipUploadName] : []);
  return {
    plan,
    ...mapForsendelse({
      mottakId: MOTTAK,
      melding,
      plan,
      meldingEntry: names[0],
      titles: DEFAULT_TITLES,
      zipUploadName,
    }),
  };
}

describe('mapping a forsendelse to a journalpost', () => {
  it('vedtak with three PDFs: one dokumentbeskrivelse per Vedlegg, the first Hoveddokument, the Melding kept', () => {
    const { plan, journalpost, generated } = map(vedtak(THREE_PDFS), [
      'hendvendelse.xml',
      ...THREE_PDFS.map((v) => v.filnavn),
    ]);
    expect(plan.surprises).toEqual([]);
    expect(generated).toEqual([]);
    expect(journalpost.tittel).toBe('Vedtak fra Brønnøysundregistrene (Løsøreregisteret)');
    expect(journalpost.offentligTittel).toBe(journalpost.tittel);
    expect(journalpost.beskrivelse).toBe('Svar på melding 2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052');
    expect(journalpost.avsenderNavn).toBe('Brønnøysundregistrene');
    expect(journalpost.dokumenter).toEqual([
      { tittel: 'Vedtak om sletting', tilknyttetRegistreringSom: 'Hoveddokument', files: [THREE_PDFS[0].filnavn] },
      { tittel: 'Påtegnet slettedokument', tilknyttetRegistreringSom: 'Vedlegg', files: [THREE_PDFS[1].filnavn] },
      { tittel: 'Gebyrfaktura', tilknyttetRegistreringSom: 'Vedlegg', files: [THREE_PDFS[2].filnavn] },
      {
        tittel: 'Melding fra Brønnøysundregistrene (henvendelse)',
        tilknyttetRegistreringSom: 'Vedlegg',
        files: ['hendvendelse.xml'],
      },
    ]);
    expect(journalpost.metadata).toEqual([
      ['mottakId', MOTTAK],
      ['meldingId', '6e0b7c3a-2d19-4f5e-9c81-a4b7d2e0f365'],
      ['avsenderOrgnr', '974760673'],
      ['meldingsReferanse', '2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052'],
      ['tjeneste', 'eting'],
      ['tjenestehandling', 'vedtak'],
    ]);
  });

  it('svarmelding OK: the decoded kvittering is the Hoveddokument and gives the title', () => {
    const { journalpost, generated } = map(svarmelding(), ['hendvendelse.xml']);
    expect(journalpost.tittel).toBe('Kvittering fra Brønnøysundregistrene: Mottatt til behandling');
    expect(generated).toHaveLength(1);
    expect(generated[0]).toMatchObject({ uploadName: 'innhold.xml', contentType: 'application/xml' });
    expect(generated[0].body.toString()).toMatch(/^<Applikasjonskvittering xmlns=.*<Status>OK<\/Status>/);
    expect(journalpost.dokumenter.map((d) => [d.tilknyttetRegistreringSom, d.files[0]])).toEqual([
      ['Hoveddokument', 'innhold.xml'],
      ['Vedlegg', 'hendvendelse.xml'],
    ]);
    expect(journalpost.metadata).toContainEqual(['kvitteringStatus', 'OK']);
    expect(journalpost.metadata).toContainEqual(['kvitteringStatusKode', '201']);
  });

  it('svarmelding Rejected: status, text and code in the title, HenvendelsesReferanse in the metadata', () => {
    const { journalpost } = map(svarmelding(REJECTED_KVITTERING, 'intef'), ['Henvendelse.XML']);
    expect(journalpost.tittel).toBe('Kvittering fra Brønnøysundregistrene: Avvist – Vedlegg mangler (kode 305)');
    expect(journalpost.metadata).toContainEqual(['henvendelseReferanse', 'H-77']);
    expect(journalpost.metadata).toContainEqual(['kvitteringStatus', 'Rejected']);
  });

  it('matches on filnavn, then DataRef@referanse, ignoring case', () => {
    const melding = read(
      vedtak([
        { navn: 'A', filnavn: 'A.PDF' },
        { navn: 'B', filnavn: 'missing.pdf', referanse: 'b.pdf' },
      ]),
    );
    const plan = planContent(melding, 'hendvendelse.xml', entries('hendvendelse.xml', 'a.pdf', 'B.pdf'));
    expect(plan.surprises).toEqual([]);
    expect(plan.parts.map((p) => [p.entry, p.uploadName])).toEqual([
      ['a.pdf', 'A.PDF'],
      ['B.pdf', 'missing.pdf'],
    ]);
  });

  it('names each surprise of point 4', () => {
    const melding = read(
      vedtak([
        { navn: 'A', filnavn: 'a.pdf' },
        { navn: 'gone', filnavn: 'gone.pdf' },
      ]),
    );
    const plan = planContent(melding, 'hendvendelse.xml', [
      ...entries('hendvendelse.xml', 'a.pdf', 'A.pdf', 'extra.pdf', 'dir/inner.pdf'),
      { name: 'n\u2592vn.pdf', utf8: false },
    ]);
    expect(plan.surprises.map((s) => s.kind).sort()).toEqual(
      [
        'case-only-names',
        'entry-not-named', // A.pdf
        'entry-not-named', // extra.pdf
        'entry-not-named', // dir/inner.pdf
        'entry-not-named', // non-UTF-8
        'nested-folder',
        'non-utf8-name',
        'vedleggsdel-without-entry',
      ].sort(),
    );
    expect(plan.surprises.find((s) => s.kind === 'vedleggsdel-without-entry')?.detail).toContain('gone.pdf');
    // Every entry still gets its own, distinct, case-insensitively unique upload name.
    const names = [...plan.uploadNames.values()];
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(6);
    expect(plan.uploadNames.get('A.pdf')).toBe('2-A.pdf');
    expect(plan.uploadNames.get('dir/inner.pdf')).toBe('inner.pdf');
  });

  it('the safe form adds the zip as the last Vedlegg; without a Melding it is the Hoveddokument', () => {
    const { journalpost } = map(
      vedtak(THREE_PDFS.slice(0, 1)),
      ['hendvendelse.xml', THREE_PDFS[0].filnavn],
      'forsendelse-x.zip',
    );
    expect(journalpost.dokumenter.at(-1)).toEqual({
      tittel: ZIP_DOCUMENT_TITLE,
      tilknyttetRegistreringSom: 'Vedlegg',
      files: ['forsendelse-x.zip'],
    });
    const bare = mapWithoutMelding({
      mottakId: MOTTAK,
      uploadNames: new Map([['a.pdf', 'a.pdf']]),
      zipUploadName: 'forsendelse-x.zip',
    });
    expect(bare.dokumenter.map((d) => [d.tilknyttetRegistreringSom, d.files[0]])).toEqual([
      ['Hoveddokument', 'forsendelse-x.zip'],
      ['Vedlegg', 'a.pdf'],
    ]);
  });

  it('never gives an entry the name arkivmelding.xml or a folder, control characters or an endless name', () => {
    const melding = read(vedtak([{ navn: 'x', filnavn: 'Arkivmelding.xml' }]));
    const plan = planContent(melding, 'hendvendelse.xml', entries('hendvendelse.xml', 'Arkivmelding.xml'));
    expect(plan.uploadNames.get('Arkivmelding.xml')).toBe('2-Arkivmelding.xml');
    expect(sanitiseFilename('../../etc/pa\u0007ss"wd')).toBe('pa_ss_wd');
    // The name the upload's Content-Disposition carries (ASCII), so arkivmelding.xml names the file the IP stored.
    expect(sanitiseFilename('Vedtak-særattest-Øst-på-é.pdf')).toBe('Vedtak-saerattest-Ost-pa-e.pdf');
    expect(sanitiseFilename(`${'x'.repeat(300)}.pdf`)).toHaveLength(100);
    expect(sanitiseFilename(`${'x'.repeat(300)}.pdf`)).toMatch(/\.pdf$/);
  });
});

describe('titles', () => {
  const melding = (tjeneste: string, handling: string) =>
    read(vedtak([]).replace('tjeneste="eting"', `tjeneste="${tjeneste}"`).replace('"vedtak"', `"${handling}"`));

  it('shows an unknown tjeneste and tjenestehandling raw', () => {
    expect(titleOf(melding('nyreg', 'varsel'), undefined, DEFAULT_TITLES)).toBe(
      'Melding fra Brønnøysundregistrene: varsel (nyreg)',
    );
  });

  it('takes configured names and templates over the defaults, ignoring case', () => {
    const table = mergeTitles({ tjenester: { NYREG: 'Nytt register' }, handlinger: { Varsel: 'Varsel: {tjeneste}' } });
    expect(titleOf(melding('nyreg', 'VARSEL'), undefined, table)).toBe('Varsel: Nytt register');
    expect(titleOf(melding('eting', 'vedtak'), undefined, table)).toBe(
      'Vedtak fra Brønnøysundregistrene (Løsøreregisteret)',
    );
  });
});
