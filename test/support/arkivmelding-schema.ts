import { parseXml, type XmlNode } from './xml-tree';

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

/** docs/peers/arkivmelding.md §3: the XSD enumerations, exact case and diacritics. */
const VALUES: Record<string, string[]> = {
  journalposttype: [
    'Inngående dokument',
    'Utgående dokument',
    'Organinternt dokument for oppfølging',
    'Organinternt dokument uten oppfølging',
    'Saksframlegg',
  ],
  journalstatus: [
    'Journalført',
    'Ferdigstilt fra saksbehandler',
    'Godkjent av leder',
    'Ekspedert',
    'Arkivert',
    'Utgår',
  ],
  saksstatus: ['Under behandling', 'Avsluttet', 'Utgår'],
  dokumentstatus: ['Dokumentet er under redigering', 'Dokumentet er ferdigstilt'],
  tilknyttetRegistreringSom: ['Hoveddokument', 'Vedlegg'],
  variantformat: ['Produksjonsformat', 'Arkivformat', 'Dokument hvor deler av innholdet er skjermet'],
  korrespondanseparttype: [
    'Avsender',
    'Mottaker',
    'Kopimottaker',
    'Gruppemottaker',
    'Intern avsender',
    'Intern mottaker',
  ],
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const INTEGER = /^[+-]?\d+$/;
const LEXICAL: [RegExp, string, string[]][] = [
  [
    DATE,
    'xs:date',
    ['saksdato', 'journaldato', 'dokumentetsDato', 'forfallsdato', 'offentlighetsvurdertDato', 'utlaantDato'],
  ],
  [
    DATE_TIME,
    'xs:dateTime',
    ['tidspunkt', 'opprettetDato', 'avsluttetDato', 'arkivertDato', 'mottattDato', 'sendtDato', 'tilknyttetDato'],
  ],
  [
    INTEGER,
    'an integer',
    [
      'antallFiler',
      'saksaar',
      'sakssekvensnummer',
      'journalaar',
      'journalsekvensnummer',
      'journalpostnummer',
      'dokumentnummer',
      'versjonsnummer',
    ],
  ],
  [GUID, 'a GUID', ['systemID', 'referanseForelderMappe']],
];

const NAMESPACE = 'http://www.arkivverket.no/standarder/noark5/arkivmelding';

function orderProblems(node: XmlNode, type: string, path: string): string[] {
  const rules = ORDER[type].map((r) => r.split(' ') as [string, '1' | '?' | '*']);
  const names = rules.map(([n]) => n);
  const problems: string[] = [];
  let last = -1;
  for (const c of node.children) {
    const position = names.indexOf(c.name);
    if (position < 0) {
      problems.push(`${path}/${c.name}: not an element of ${type}`);
      continue;
    }
    if (position < last || (position === last && rules[position][1] !== '*')) {
      problems.push(`${path}/${c.name}: out of order or repeated`);
    }
    last = position;
  }
  for (const [name, card] of rules) {
    if (card === '1' && node.children.filter((c) => c.name === name).length !== 1) {
      problems.push(`${path}/${name}: required once`);
    }
  }
  return problems;
}

function valueProblems(node: XmlNode, path: string): string[] {
  const problems: string[] = [];
  for (const c of node.children) {
    const where = `${path}/${c.name}`;
    const values = VALUES[c.name];
    if (values && !values.includes(c.text)) {
      problems.push(`${where}: ${JSON.stringify(c.text)} is not in its value list`);
    }
    for (const [pattern, what, fields] of LEXICAL) {
      if (fields.includes(c.name) && !pattern.test(c.text)) {
        problems.push(`${where}: ${JSON.stringify(c.text)} is not ${what}`);
      }
    }
  }
  return problems;
}

/**
 * What the XSD (eFormidling's arkivmelding, docs/peers/arkivmelding.md §2–§3) says of an arkivmelding.xml, as a list
 * of problems (empty when it passes): namespace, xsi:types, each element's children in schema order with
 * their cardinality, value lists, date, date-time, integer and GUID lexical forms; plus what the IP and a
 * receiving archive need: one saksmappe with one journalpost referencing it, numbered documents with exactly
 * one Hoveddokument, flat text-only virksomhetsspesifikkeMetadata, antallFiler = the files referenced.
 */
export function arkivmeldingProblems(xml: string): string[] {
  let root: XmlNode;
  try {
    root = parseXml(xml);
  } catch (error) {
    return [`does not parse: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  if (root.name !== 'arkivmelding' || root.attributes.xmlns !== NAMESPACE) {
    return [`root is <${root.name} xmlns="${root.attributes.xmlns}">, not the arkivmelding`];
  }
  problems.push(...orderProblems(root, 'arkivmelding', 'arkivmelding'), ...valueProblems(root, 'arkivmelding'));
  const mapper = root.children.filter((c) => c.name === 'mappe');
  if (mapper.length !== 1 || mapper[0].attributes['xsi:type'] !== 'saksmappe') {
    return [...problems, 'not exactly one mappe of xsi:type saksmappe'];
  }
  const mappe = mapper[0];
  problems.push(...orderProblems(mappe, 'saksmappe', 'saksmappe'), ...valueProblems(mappe, 'saksmappe'));
  const registreringer = mappe.children.filter((c) => c.name === 'basisregistrering');
  if (registreringer.length !== 1 || registreringer[0].attributes['xsi:type'] !== 'journalpost') {
    return [...problems, 'not exactly one basisregistrering of xsi:type journalpost'];
  }
  const jp = registreringer[0];
  problems.push(...orderProblems(jp, 'journalpost', 'journalpost'), ...valueProblems(jp, 'journalpost'));
  const ref = jp.children.find((c) => c.name === 'referanseForelderMappe')?.text;
  const saksmappeId = mappe.children.find((c) => c.name === 'systemID')?.text;
  if (ref !== saksmappeId) {
    problems.push(`journalpost/referanseForelderMappe ${ref} is not the saksmappe's systemID ${saksmappeId}`);
  }
  const beskrivelser = jp.children.filter((c) => c.name === 'dokumentbeskrivelse');
  let files = 0;
  beskrivelser.forEach((d, i) => {
    const path = `dokumentbeskrivelse[${i + 1}]`;
    problems.push(...orderProblems(d, 'dokumentbeskrivelse', path), ...valueProblems(d, path));
    const nummer = d.children.find((c) => c.name === 'dokumentnummer')?.text;
    if (nummer !== String(i + 1)) {
      problems.push(`${path}/dokumentnummer is ${nummer}, not ${i + 1}`);
    }
    const objekter = d.children.filter((c) => c.name === 'dokumentobjekt');
    if (objekter.length === 0) {
      problems.push(`${path}: no dokumentobjekt`);
    }
    objekter.forEach((o, j) => {
      files += 1;
      problems.push(
        ...orderProblems(o, 'dokumentobjekt', `${path}/dokumentobjekt[${j + 1}]`),
        ...valueProblems(o, `${path}/dokumentobjekt[${j + 1}]`),
      );
    });
  });
  const hoved = beskrivelser.filter((d) =>
    d.children.some((c) => c.name === 'tilknyttetRegistreringSom' && c.text === 'Hoveddokument'),
  );
  if (beskrivelser.length > 0 && (hoved.length !== 1 || hoved[0] !== beskrivelser[0])) {
    problems.push('the first dokumentbeskrivelse, and only it, must be the Hoveddokument');
  }
  const antall = root.children.find((c) => c.name === 'antallFiler')?.text;
  if (antall !== String(files)) {
    problems.push(`antallFiler is ${antall}, but ${files} files are referenced`);
  }
  for (const k of jp.children.filter((c) => c.name === 'korrespondansepart')) {
    problems.push(
      ...orderProblems(k, 'korrespondansepart', 'korrespondansepart'),
      ...valueProblems(k, 'korrespondansepart'),
    );
  }
  for (const m of jp.children.filter((c) => c.name === 'virksomhetsspesifikkeMetadata')) {
    if (m.children.some((c) => c.children.length > 0 || c.text === '')) {
      problems.push('virksomhetsspesifikkeMetadata is not flat and text-only');
    }
  }
  return problems;
}

/** The referanseDokumentfil of every dokumentobjekt inside a dokumentbeskrivelse, in document order. */
export function referencedFiles(xml: string): string[] {
  const jp = parseXml(xml)
    .children.find((c) => c.name === 'mappe')
    ?.children.find((c) => c.name === 'basisregistrering');
  return (jp?.children ?? [])
    .filter((c) => c.name === 'dokumentbeskrivelse')
    .flatMap((d) => d.children.filter((c) => c.name === 'dokumentobjekt'))
    .map((o) => o.children.find((c) => c.name === 'referanseDokumentfil')?.text ?? '');
}
