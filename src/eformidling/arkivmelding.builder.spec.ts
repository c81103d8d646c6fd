import { child, parseXml, type XmlNode } from '../../test/support/xml-tree';
import { messageIdFor, systemIdFor } from '../forsendelse/forsendelse-ids';
import { ARKIVMELDING_FILENAME, buildArkivmelding, titleFor, zipFilenameFor } from './arkivmelding.builder';

/**
 * docs/peers/arkivmelding.md §2, complete: each element's children in schema order; `1` required, `?` optional,
 * `*` repeatable. Derived types list the base type's elements first (XSD extension order).
 */
const ORDER: Record<string, string[]> = {
  arkivmelding: ['system 1', 'meldingId 1', 'tidspunkt 1', 'antallFiler 1', 'mappe *', 'registrering *'],
  saksmappe: [
    'systemID 1',
    'mappeID ?',
    'ReferanseForeldermappe ?',
    'tittel 1',
    'offentligTittel ?',
    'beskrivelse ?',
    'noekkelord *',
    'dokumentmedium ?',
    'oppbevaringssted *',
    'opprettetDato 1',
    'opprettetAv 1',
    'avsluttetDato ?',
    'avsluttetAv ?',
    'referanseArkivdel *',
    'virksomhetsspesifikkeMetadata ?',
    'kryssreferanse *',
    'merknad *',
    'skjerming ?',
    'gradering ?',
    'klassifikasjon *',
    'mappe *',
    'basisregistrering *',
    'saksaar ?',
    'sakssekvensnummer ?',
    'saksdato 1',
    'administrativEnhet 1',
    'saksansvarlig 1',
    'journalenhet ?',
    'saksstatus 1',
    'referanseSekundaerKlassifikasjon *',
    'sakspart *',
    'presedens *',
  ],
  journalpost: [
    'systemID 1',
    'opprettetDato 1',
    'opprettetAv 1',
    'arkivertDato 1',
    'arkivertAv 1',
    'registreringsID ?',
    'referanseForelderMappe 1',
    'skjerming ?',
    'gradering ?',
    'dokumentbeskrivelse *',
    'dokumentobjekt *',
    'tittel 1',
    'offentligTittel ?',
    'beskrivelse ?',
    'noekkelord *',
    'forfatter *',
    'dokumentmedium ?',
    'oppbevaringssted *',
    'virksomhetsspesifikkeMetadata ?',
    'merknad *',
    'kryssreferanse *',
    'journalaar ?',
    'journalsekvensnummer ?',
    'journalpostnummer ?',
    'journalposttype 1',
    'journalstatus 1',
    'journaldato 1',
    'dokumentetsDato ?',
    'mottattDato ?',
    'sendtDato ?',
    'forfallsdato ?',
    'offentlighetsvurdertDato ?',
    'antallVedlegg ?',
    'utlaantDato ?',
    'utlaantTil ?',
    'journalenhet ?',
    'korrespondansepart *',
    'avskrivning *',
    'dokumentflyt *',
    'presedens *',
  ],
  dokumentbeskrivelse: [
    'systemID 1',
    'dokumenttype 1',
    'dokumentstatus 1',
    'tittel 1',
    'beskrivelse ?',
    'forfatter *',
    'opprettetDato 1',
    'opprettetAv 1',
    'dokumentmedium ?',
    'oppbevaringssted ?',
    'referanseArkivdel *',
    'tilknyttetRegistreringSom 1',
    'dokumentnummer 1',
    'tilknyttetDato 1',
    'tilknyttetAv 1',
    'merknad *',
    'skjerming ?',
    'gradering ?',
    'dokumentobjekt *',
  ],
  dokumentobjekt: ['versjonsnummer 1', 'variantformat 1', 'opprettetDato 1', 'opprettetAv 1', 'referanseDokumentfil 1'],
  korrespondansepart: [
    'korrespondanseparttype 1',
    'korrespondansepartNavn 1',
    'postadresse *',
    'postnummer ?',
    'poststed ?',
    'land ?',
    'epostadresse ?',
    'telefonnummer *',
    'kontaktperson ?',
    'administrativEnhet ?',
    'saksbehandler ?',
  ],
};

function expectSchemaOrder(node: XmlNode, type: string): void {
  const rules = ORDER[type].map((r) => r.split(' ') as [string, '1' | '?' | '*']);
  const names = rules.map(([n]) => n);
  let last = -1;
  for (const c of node.children) {
    const position = names.indexOf(c.name);
    expect({ element: `${type}/${c.name}`, known: position >= 0 }).toEqual({
      element: `${type}/${c.name}`,
      known: true,
    });
    const repeat = position === last && rules[position][1] === '*';
    expect({ element: `${type}/${c.name}`, inOrder: position > last || repeat }).toEqual({
      element: `${type}/${c.name}`,
      inOrder: true,
    });
    last = position;
  }
  for (const [name, card] of rules) {
    if (card === '1') {
      expect({ element: `${type}/${name}`, count: node.children.filter((c) => c.name === name).length }).toEqual({
        element: `${type}/${name}`,
        count: 1,
      });
    }
  }
}

const MOTTAK_ID = 'be935814-c7a3-4a9f-8bbc-ac278cbe41d5';
const NOW = Date.parse('2026-03-02T09:15:30Z');

function build(overrides: Partial<Parameters<typeof buildArkivmelding>[0]> = {}): XmlNode {
  return parseXml(
    buildArkivmelding({
      mottakId: MOTTAK_ID,
      messageId: messageIdFor(MOTTAK_ID, 1),
      zipFilename: zipFilenameFor(MOTTAK_ID),
      oppdatert: '2026-03-02T09:43:51.691',
      tjeneste: 'Løsøreregisteret',
      nowMs: NOW,
      ...overrides,
    }),
  );
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

  it('orders every element as the schema does, with every required element present', () => {
    expectSchemaOrder(root, 'arkivmelding');
    expectSchemaOrder(mappe, 'saksmappe');
    expectSchemaOrder(journalpost, 'journalpost');
    expectSchemaOrder(dokumentbeskrivelse, 'dokumentbeskrivelse');
    expectSchemaOrder(child(dokumentbeskrivelse, 'dokumentobjekt'), 'dokumentobjekt');
    expectSchemaOrder(child(journalpost, 'korrespondansepart'), 'korrespondansepart');
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
