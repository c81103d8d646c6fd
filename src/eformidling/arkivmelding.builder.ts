import { systemIdFor } from '../forsendelse/forsendelse-ids';
import { osloDate, osloDateTime } from './oslo-time';

export const ARKIVMELDING_FILENAME = 'arkivmelding.xml';
const NAMESPACE = 'http://www.arkivverket.no/standarder/noark5/arkivmelding';
const SYSTEM = 'brreg-efm-bridge';
const BRREG_NAME = 'Brønnøysundregistrene';
const BRREG_ORGNR = '974760673';

export interface ArkivmeldingInput {
  mottakId: string;
  /** The attempt's IP messageId (our choice for meldingId, spec §5). */
  messageId: string;
  /** The upload filename of the zip; referanseDokumentfil must equal it exactly. */
  zipFilename: string;
  /** Brreg's `oppdatert` (local time, no zone), if it gave one. */
  oppdatert: string | null;
  /** BRREG_TJENESTE, when set: /available does not say which service a forsendelse came from. */
  tjeneste: string | null;
  nowMs: number;
}

/** The file name the zip is uploaded under: stable per forsendelse, so every attempt names the same file. */
export function zipFilenameFor(mottakId: string): string {
  return `forsendelse-${mottakId}.zip`;
}

/** The title a receiving archive shows; public (offentligTittel), so it carries no personal data. */
export function titleFor(input: Pick<ArkivmeldingInput, 'tjeneste' | 'oppdatert'>): string {
  const parts = [input.tjeneste, input.oppdatert?.replace(/\.\d+$/, '')].filter((p): p is string => !!p);
  return `Forsendelse fra ${BRREG_NAME}${parts.length > 0 ? `: ${parts.join(' ')}` : ''}`;
}

/**
 * Noark 5 arkivmelding (eFormidling's variant of v3.1) for one forsendelse: one saksmappe, one journalpost,
 * one dokumentbeskrivelse whose dokumentobjekt names the zip. Element order and values follow
 * docs/peers/arkivmelding.md §2–§3 exactly: base type's elements before the derived type's, enumerations verbatim.
 */
export function buildArkivmelding(input: ArkivmeldingInput): string {
  const now = osloDateTime(input.nowMs);
  const today = osloDate(input.nowMs);
  const title = titleFor(input);
  const saksmappeId = systemIdFor(input.mottakId, 'saksmappe');
  const dokumentDate = input.oppdatert ? input.oppdatert.slice(0, 10) : today;

  const xml = el('arkivmelding', { xmlns: NAMESPACE, 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' }, [
    text('system', SYSTEM),
    text('meldingId', input.messageId),
    text('tidspunkt', now),
    text('antallFiler', '1'),
    el('mappe', { 'xsi:type': 'saksmappe' }, [
      text('systemID', saksmappeId),
      text('tittel', title),
      text('opprettetDato', now),
      text('opprettetAv', SYSTEM),
      el('basisregistrering', { 'xsi:type': 'journalpost' }, [
        // registrering
        text('systemID', systemIdFor(input.mottakId, 'journalpost')),
        text('opprettetDato', now),
        text('opprettetAv', SYSTEM),
        text('arkivertDato', now),
        text('arkivertAv', SYSTEM),
        text('referanseForelderMappe', saksmappeId),
        el('dokumentbeskrivelse', {}, [
          text('systemID', systemIdFor(input.mottakId, 'dokument:1')),
          text('dokumenttype', 'Brev'),
          text('dokumentstatus', 'Dokumentet er ferdigstilt'),
          text('tittel', input.zipFilename),
          text('opprettetDato', now),
          text('opprettetAv', SYSTEM),
          text('tilknyttetRegistreringSom', 'Hoveddokument'),
          text('dokumentnummer', '1'),
          text('tilknyttetDato', now),
          text('tilknyttetAv', SYSTEM),
          el('dokumentobjekt', {}, [
            text('versjonsnummer', '1'),
            text('variantformat', 'Produksjonsformat'),
            text('opprettetDato', now),
            text('opprettetAv', SYSTEM),
            text('referanseDokumentfil', input.zipFilename),
          ]),
        ]),
        // basisregistrering
        text('tittel', title),
        text('offentligTittel', title),
        el('virksomhetsspesifikkeMetadata', {}, [
          text('mottakId', input.mottakId),
          text('avsenderOrgnr', BRREG_ORGNR),
          ...(input.tjeneste ? [text('tjeneste', input.tjeneste)] : []),
          ...(input.oppdatert ? [text('oppdatert', input.oppdatert)] : []),
        ]),
        // journalpost
        text('journalposttype', 'Inngående dokument'),
        text('journalstatus', 'Journalført'),
        text('journaldato', today),
        text('dokumentetsDato', dokumentDate),
        text('mottattDato', now),
        el('korrespondansepart', {}, [
          text('korrespondanseparttype', 'Avsender'),
          text('korrespondansepartNavn', BRREG_NAME),
        ]),
      ]),
      // saksmappe
      text('saksdato', today),
      text('administrativEnhet', 'Postmottak'),
      text('saksansvarlig', SYSTEM),
      text('saksstatus', 'Under behandling'),
    ]),
  ]);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`;
}

function el(name: string, attributes: Record<string, string>, children: string[]): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  return `<${name}${attrs}>${children.join('')}</${name}>`;
}

function text(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );
}
