import { IpHttpError, springErrors } from './ip.errors';
import { decodeXmlBytes, parseXml, XmlParseError, type XmlElement } from './xml.parser';

export const ARKIVMELDING_FILE = 'arkivmelding.xml';
const AM = 'http://www.arkivverket.no/standarder/noark5/arkivmelding';
const XSI_TYPE = '{http://www.w3.org/2001/XMLSchema-instance}type';

/** What the IP takes from an uploaded arkivmelding.xml (docs/peers/arkivmelding.md §4). */
export interface ArkivmeldingInfo {
  /** The first journalpost's `offentligTittel`: becomes the conversation's messageTitle (null if absent). */
  offentligTittel?: string;
  /** `<saksmappe systemID>-<journalpostnummer>`, only when journalpostnummer is set. */
  messageReference?: string;
  /**
   * Each `referanseDokumentfil` of a dokumentobjekt inside a dokumentbeskrivelse, ordered by dokumentnummer
   * (`null` where the element is missing), or the 500 the IP's send would hit while computing them.
   */
  referencedFiles: (string | null)[] | IpHttpError;
  /** For tests and the demo (the IP itself reads only the fields above). */
  summary: ArkivmeldingSummary;
}

/** What a receiving archive would see first: the journalpost's titles and its documents. */
export interface ArkivmeldingSummary {
  tittel: string | null;
  offentligTittel: string | null;
  dokumentbeskrivelser: {
    dokumentnummer: string | null;
    tittel: string | null;
    tilknyttetRegistreringSom: string | null;
    referanseDokumentfil: (string | null)[];
  }[];
}

function children(element: XmlElement, localName: string): XmlElement[] {
  return element.children.filter((c) => c.namespace === AM && c.localName === localName);
}

/** JAXB: for a single-valued property the last occurrence wins; absent → null. */
function lastText(element: XmlElement, localName: string): string | undefined {
  const found = children(element, localName);
  return found.length === 0 ? undefined : found[found.length - 1].text;
}

/** JAXB's xs:integer: whitespace trimmed, junk reported as a (non-fatal) event and read as null. */
function jaxbInteger(text: string | undefined): bigint | undefined {
  const trimmed = text?.trim();
  if (trimmed === undefined || !/^[+-]?\d+$/.test(trimmed)) {
    return undefined;
  }
  return BigInt(trimmed);
}

/** `xsi:type` is a QName: resolved against the namespaces in scope on that element. */
function hasXsiType(element: XmlElement, type: string): boolean {
  const value = element.attributes.get(XSI_TYPE)?.trim();
  if (value === undefined) {
    return false;
  }
  const colon = value.indexOf(':');
  const namespace = colon === -1 ? element.namespaces.get('') : element.namespaces.get(value.slice(0, colon));
  return namespace === AM && value.slice(colon + 1) === type;
}

function referencedFiles(journalpost: XmlElement): (string | null)[] | IpHttpError {
  const beskrivelser = children(journalpost, 'dokumentbeskrivelse').map((d) => ({
    element: d,
    nummer: jaxbInteger(lastText(d, 'dokumentnummer')),
  }));
  if (beskrivelser.length > 1 && beskrivelser.some((b) => b.nummer === undefined)) {
    // ArkivmeldingUtil.getFilenames sorts with Comparator.comparing(getDokumentnummer): a null key throws.
    return springErrors.internal('java.lang.NullPointerException', 'No message available');
  }
  const sorted = [...beskrivelser].sort((a, b) => {
    const [x, y] = [a.nummer ?? 0n, b.nummer ?? 0n];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return sorted.flatMap((b) =>
    children(b.element, 'dokumentobjekt').map((o) => lastText(o, 'referanseDokumentfil') ?? null),
  );
}

/**
 * Reads arkivmelding.xml as the IP's `ArkivmeldingUtil` does: unmarshal (the root element's name is not
 * checked; elements outside the arkivmelding namespace are ignored), then the first `mappe` of xsi:type
 * saksmappe and its first `basisregistrering` of xsi:type journalpost. No XSD validation, as in the IP.
 * Throws the 500 the IP answers when that fails (malformed XML, no saksmappe, no journalpost).
 */
export function readArkivmelding(bytes: Buffer): ArkivmeldingInfo {
  let root: XmlElement;
  try {
    root = parseXml(decodeXmlBytes(bytes));
  } catch (error) {
    if (error instanceof XmlParseError) {
      throw springErrors.internal(
        'no.difi.meldingsutveksling.nextmove.NextMoveRuntimeException',
        'Failed to get Arkivmelding',
      );
    }
    throw error;
  }
  const saksmappe = children(root, 'mappe').find((m) => hasXsiType(m, 'saksmappe'));
  if (saksmappe === undefined) {
    throw springErrors.internal(
      'no.difi.meldingsutveksling.arkivmelding.ArkivmeldingRuntimeException',
      'No "Saksmappe" found in Arkivmelding',
    );
  }
  const journalpost = children(saksmappe, 'basisregistrering').find((b) => hasXsiType(b, 'journalpost'));
  if (journalpost === undefined) {
    throw springErrors.internal(
      'no.difi.meldingsutveksling.arkivmelding.ArkivmeldingRuntimeException',
      'No "Journalpost" found in Arkivmelding',
    );
  }
  const journalpostnummer = jaxbInteger(lastText(journalpost, 'journalpostnummer'));
  const summary: ArkivmeldingSummary = {
    tittel: lastText(journalpost, 'tittel') ?? null,
    offentligTittel: lastText(journalpost, 'offentligTittel') ?? null,
    dokumentbeskrivelser: children(journalpost, 'dokumentbeskrivelse').map((d) => ({
      dokumentnummer: lastText(d, 'dokumentnummer') ?? null,
      tittel: lastText(d, 'tittel') ?? null,
      tilknyttetRegistreringSom: lastText(d, 'tilknyttetRegistreringSom') ?? null,
      referanseDokumentfil: children(d, 'dokumentobjekt').map((o) => lastText(o, 'referanseDokumentfil') ?? null),
    })),
  };
  return {
    summary,
    offentligTittel: lastText(journalpost, 'offentligTittel'),
    messageReference:
      journalpostnummer === undefined
        ? undefined
        : `${lastText(saksmappe, 'systemID') ?? 'null'}-${journalpostnummer.toString()}`,
    referencedFiles: referencedFiles(journalpost),
  };
}
