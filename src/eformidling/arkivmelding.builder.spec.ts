import { arkivmeldingProblems, referencedFiles } from '../../test/support/arkivmelding-schema';
import { REJECTED_KVITTERING, svarmelding, THREE_PDFS, vedtak } from '../../test/support/melding-fixtures';
import { child, parseXml, type XmlNode } from '../../test/support/xml-tree';
import { planContent } from '../melding/forsendelse-content';
import { mapForsendelse, mapWithoutMelding } from '../melding/journalpost.mapper';
import { readMelding } from '../melding/melding.reader';
import { DEFAULT_TITLES } from '../melding/titles';
import { messageIdFor, systemIdFor } from '../forsendelse/forsendelse-ids';
import { ARKIVMELDING_FILENAME, buildArkivmelding, titleFor, zipFilenameFor } from './arkivmelding.builder';

const MOTTAK_ID = 'be935814-c7a3-4a9f-8bbc-ac278cbe41d5';
const NOW = Date.parse('2026-03-02T09:15:30Z');

function buildXml(overrides: Partial<Parameters<typeof buildArkivmelding>[0]> = {}): string {
  return buildArkivmelding({
    mottakId: MOTTAK_ID,
    messageId: messageIdFor(MOTTAK_ID, 1),
    zipFilename: zipFilenameFor(MOTTAK_ID),
    oppdatert: '2026-03-02T09:43:51.691',
    tjeneste: 'Løsøreregisteret',
    nowMs: NOW,
    ...overrides,
  });
}

function build(overrides: Partial<Parameters<typeof buildArkivmelding>[0]> = {}): XmlNode {
  return parseXml(buildXml(overrides));
}

describe('buildArkivmelding', () => {
  const root = build();
  const mappe = child(root, 'mappe');
  const journalpost = child(mappe, 'basisregistrering');
  const dokumentbeskrivelse = child(journalpost, 'dokumentbeskrivelse');

  it('uses the arkivmelding namespace without /v2 and the xsi types of saksmappe and journalpost', () => {
    expect(root.name).toBe('arkivmelding');
    expect(root.attributes.xmlns).toBe('http://www.arkivverket.no/standarder/noark5/arkivmelding');
    expect(mappe.attributes['xsi:type']).toBe('saksmappe');
    expect(journalpost.attributes['xsi:type']).toBe('journalpost');
    expect(ARKIVMELDING_FILENAME).toBe('arkivmelding.xml');
  });

  it('passes the schema check: order, cardinality, value lists, lexical forms', () => {
    expect(arkivmeldingProblems(buildXml())).toEqual([]);
    expect(arkivmeldingProblems(buildXml({ tjeneste: null, oppdatert: null }))).toEqual([]);
  });

  it('writes the value lists verbatim (never the Noark-4 letters)', () => {
    expect(child(journalpost, 'journalposttype').text).toBe('Inngående dokument');
    expect(child(journalpost, 'journalstatus').text).toBe('Journalført');
    expect(child(mappe, 'saksstatus').text).toBe('Under behandling');
    expect(child(dokumentbeskrivelse, 'dokumentstatus').text).toBe('Dokumentet er ferdigstilt');
    expect(child(dokumentbeskrivelse, 'tilknyttetRegistreringSom').text).toBe('Hoveddokument');
    expect(child(child(dokumentbeskrivelse, 'dokumentobjekt'), 'variantformat').text).toBe('Produksjonsformat');
    expect(child(child(journalpost, 'korrespondansepart'), 'korrespondanseparttype').text).toBe('Avsender');
  });

  it('names the uploaded zip in referanseDokumentfil, inside the dokumentbeskrivelse', () => {
    expect(child(child(dokumentbeskrivelse, 'dokumentobjekt'), 'referanseDokumentfil').text).toBe(
      `forsendelse-${MOTTAK_ID}.zip`,
    );
    expect(child(root, 'antallFiler').text).toBe('1');
  });

  it('gives the journalpost a public title a receiving archive can use', () => {
    const title = 'Forsendelse fra Brønnøysundregistrene: Løsøreregisteret 2026-03-02T09:43:51';
    expect(child(journalpost, 'offentligTittel').text).toBe(title);
    expect(child(journalpost, 'tittel').text).toBe(title);
    expect(titleFor({ tjeneste: null, oppdatert: null })).toBe('Forsendelse fra Brønnøysundregistrene');
  });

  it('writes dates as xs:date and date-times with an Oslo offset', () => {
    expect(child(root, 'tidspunkt').text).toBe('2026-03-02T10:15:30+01:00');
    expect(child(journalpost, 'journaldato').text).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(child(journalpost, 'dokumentetsDato').text).toBe('2026-03-02');
    expect(child(mappe, 'saksdato').text).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('keeps systemIDs stable across attempts and meldingId per attempt', () => {
    const second = build({ messageId: messageIdFor(MOTTAK_ID, 2) });
    expect(child(child(second, 'mappe'), 'systemID').text).toBe(systemIdFor(MOTTAK_ID, 'saksmappe'));
    expect(child(child(second, 'mappe'), 'systemID').text).toBe(child(mappe, 'systemID').text);
    expect(child(second, 'meldingId').text).toBe(messageIdFor(MOTTAK_ID, 2));
    expect(child(journalpost, 'referanseForelderMappe').text).toBe(child(mappe, 'systemID').text);
  });

  it('escapes text so a hostile tjeneste cannot break the document', () => {
    const hostile = build({ tjeneste: '</tittel><x>&"\'' });
    expect(child(child(hostile, 'mappe'), 'tittel').text).toContain('</tittel><x>&"\'');
  });
});

describe('the schema check', () => {
  it('finds what the XSD refuses', () => {
    const xml = buildXml();
    const broken = (from: string | RegExp, to: string) => arkivmeldingProblems(xml.replace(from, to));
    expect(broken('Inngående dokument', 'I')).toEqual([expect.stringContaining('journalposttype')]);
    expect(broken('Under behandling', 'under behandling')).toEqual([expect.stringContaining('saksstatus')]);
    expect(broken(/<saksdato>[^<]*<\/saksdato>/, '<saksdato>2026-03-02T10:00:00</saksdato>')).toEqual([
      expect.stringContaining('xs:date'),
    ]);
    expect(broken('<antallFiler>1</antallFiler>', '<antallFiler>2</antallFiler>')).toEqual([
      expect.stringContaining('antallFiler'),
    ]);
    expect(broken(/<referanseForelderMappe>[^<]*</, '<referanseForelderMappe>x<').length).toBeGreaterThan(0);
    expect(broken('</dokumentobjekt>', '<format>zip</format></dokumentobjekt>')).toEqual([
      expect.stringContaining('dokumentobjekt[1]/format'),
    ]);
    expect(broken('xsi:type="saksmappe"', '')).toEqual(['not exactly one mappe of xsi:type saksmappe']);
  });
});

describe('buildArkivmelding in documents mode', () => {
  function documents(xml: string, names: string[], zipUploadName?: string) {
    const read = readMelding(Buffer.from(xml));
    if (!read.ok) {
      throw new Error(read.problem);
    }
    const plan = planContent(
      read.melding,
      names[0],
      names.map((name) => ({ name, utf8: true })),
      zipUploadName ? [zipUploadName] : [],
    );
    return mapForsendelse({
      mottakId: MOTTAK_ID,
      melding: read.melding,
      plan,
      meldingEntry: names[0],
      titles: DEFAULT_TITLES,
      zipUploadName,
    }).journalpost;
  }

  it('vedtak with three PDFs: one dokumentbeskrivelse each, the Melding last, all schema-valid', () => {
    const xml = buildXml({
      documents: documents(vedtak(THREE_PDFS), ['hendvendelse.xml', ...THREE_PDFS.map((v) => v.filnavn)]),
    });
    expect(arkivmeldingProblems(xml)).toEqual([]);
    expect(referencedFiles(xml)).toEqual([...THREE_PDFS.map((v) => v.filnavn), 'hendvendelse.xml']);
    const jp = child(child(parseXml(xml), 'mappe'), 'basisregistrering');
    expect(child(jp, 'offentligTittel').text).toBe('Vedtak fra Brønnøysundregistrene (Løsøreregisteret)');
    expect(child(jp, 'beskrivelse').text).toBe('Svar på melding 2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052');
    const titles = jp.children.filter((c) => c.name === 'dokumentbeskrivelse').map((d) => child(d, 'tittel').text);
    expect(titles).toEqual([...THREE_PDFS.map((v) => v.navn), 'Melding fra Brønnøysundregistrene (henvendelse)']);
    const metadata = child(jp, 'virksomhetsspesifikkeMetadata').children.map((c) => [c.name, c.text]);
    expect(metadata).toEqual([
      ['mottakId', MOTTAK_ID],
      ['meldingId', '6e0b7c3a-2d19-4f5e-9c81-a4b7d2e0f365'],
      ['avsenderOrgnr', '974760673'],
      ['meldingsReferanse', '2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052'],
      ['tjeneste', 'eting'],
      ['tjenestehandling', 'vedtak'],
      ['oppdatert', '2026-03-02T09:43:51.691'],
    ]);
    const ids = jp.children.filter((c) => c.name === 'dokumentbeskrivelse').map((d) => child(d, 'systemID').text);
    expect(new Set(ids).size).toBe(4);
    expect(ids[0]).toBe(systemIdFor(MOTTAK_ID, 'dokument:1'));
  });

  it('svarmelding OK and Rejected, and the safe forms, are schema-valid', () => {
    for (const journalpost of [
      documents(svarmelding(), ['hendvendelse.xml']),
      documents(svarmelding(REJECTED_KVITTERING), ['hendvendelse.xml']),
      documents(vedtak(THREE_PDFS), ['hendvendelse.xml', 'x/extra.pdf'], 'forsendelse-x.zip'),
      mapWithoutMelding({ mottakId: MOTTAK_ID, uploadNames: new Map([['a', 'a']]), zipUploadName: 'z.zip' }),
    ]) {
      expect(arkivmeldingProblems(buildXml({ documents: journalpost }))).toEqual([]);
    }
  });
});
