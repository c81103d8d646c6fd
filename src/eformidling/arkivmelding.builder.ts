import { systemIdFor } from '../forsendelse/forsendelse-ids';
import type { Journalpost } from '../melding/journalpost.mapper';
import { osloDate, osloDateTime } from './oslo-time';
import { canonicalMottakId } from '../forsendelse/forsendelse-ids';

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
  /**
   * EFM_PAYLOAD=documents: the journalpost mapped from the Melding (title, documents, Avsender, metadata).
   * Absent: the zip as the one Hoveddokument, as in EFM_PAYLOAD=zip.
   */
  documents?: Journalpost;
}

/** The file name the zip is uploaded under: stable per forsendelse, so every attempt names the same file. */
export function zipFilenameFor(mottakId: string): string {
  return `forsendelse-${canonicalMottakId(mottakId)}.zip`;
}

/** The title a receiving archive shows; public (offentligTittel), so it carries no personal data. */
export function titleFor(input: Pick<ArkivmeldingInput, 'tjeneste' | 'oppdatert'>): string {
  const parts = [input.tjeneste, input.oppdatert?.replace(/\.\d+$/, '')].filter((p): p is string => !!p);
  return `Forsendelse fra ${BRREG_NAME}${parts.length > 0 ? `: ${parts.join(' ')}` : ''}`;
}

/**
 * Noark 5 arkivmelding (eFormidling's variant of v3.1) for one forsendelse: one saksmappe, one journalpost, one
 * dokumentbeskrivelse per document (zip mode: the zip alone), one dokumentobjekt per file of it, each naming
 * its upload. Element order and values follow
 * docs/peers/arkivmelding.md §2–§3 exactly: base type's elements before the derived type's, enumerations verbatim.
 */
export function buildArkivmelding(input: ArkivmeldingInput): string {
  const now = osloDateTime(input.nowMs);
  const today = osloDate(input.nowMs);
  const saksmappeId = systemIdFor(input.mottakId, 'saksmappe');
  const dokumentDate = input.oppdatert ? input.oppdatert.slice(0, 10) : today;
  const journalpost = input.documents ?? zipJournalpost(input);
  const files = journalpost.dokumenter.reduce((n, d) => n + d.files.length, 0);
  const oppdatert: [string, string][] = input.oppdatert ? [['oppdatert', input.oppdatert]] : [];

  const xml = el('arkivmelding', { xmlns: NAMESPACE, 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' }, [
    text('system', SYSTEM),
    text('meldingId', input.messageId),
    text('tidspunkt', now),
    // The documents the journalpost references, arkivmelding.xml itself not counted (spec §6).
    text('antallFiler', String(files)),
    // Always inside a saksmappe: the IP (4.0.8, ArkivmeldingUtil.getJournalpost) finds the journalpost only
    // as the first saksmappe's first basisregistrering, both when arkivmelding.xml is uploaded (for the
    // conversation's title) and at send; a journalpost at the root fails both with a 500. See README, "What
    // the receiving archive gets".
    el('mappe', { 'xsi:type': 'saksmappe' }, [
      text('systemID', saksmappeId),
      text('tittel', journalpost.tittel),
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
        ...journalpost.dokumenter.map((dokument, i) =>
          el('dokumentbeskrivelse', {}, [
            text('systemID', systemIdFor(input.mottakId, `dokument:${i + 1}`)),
            text('dokumenttype', 'Brev'),
            text('dokumentstatus', 'Dokumentet er ferdigstilt'),
            text('tittel', dokument.tittel),
            text('opprettetDato', now),
            text('opprettetAv', SYSTEM),
            text('tilknyttetRegistreringSom', dokument.tilknyttetRegistreringSom),
            text('dokumentnummer', String(i + 1)),
            text('tilknyttetDato', now),
            text('tilknyttetAv', SYSTEM),
            ...dokument.files.map((file, v) =>
              el('dokumentobjekt', {}, [
                text('versjonsnummer', String(v + 1)),
                text('variantformat', 'Produksjonsformat'),
                text('opprettetDato', now),
                text('opprettetAv', SYSTEM),
                text('referanseDokumentfil', file),
              ]),
            ),
          ]),
        ),
        // basisregistrering
        text('tittel', journalpost.tittel),
        text('offentligTittel', journalpost.offentligTittel),
        ...(journalpost.beskrivelse ? [text('beskrivelse', journalpost.beskrivelse)] : []),
        el(
          'virksomhetsspesifikkeMetadata',
          {},
          [...journalpost.metadata, ...oppdatert].map(([name, value]) => text(name, value)),
        ),
        // journalpost
        text('journalposttype', 'Inngående dokument'),
        text('journalstatus', 'Journalført'),
        text('journaldato', today),
        text('dokumentetsDato', dokumentDate),
        text('mottattDato', now),
        el('korrespondansepart', {}, [
          text('korrespondanseparttype', 'Avsender'),
          text('korrespondansepartNavn', journalpost.avsenderNavn),
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

/** EFM_PAYLOAD=zip: the zip is the one document, the title says only where it came from. */
function zipJournalpost(input: ArkivmeldingInput): Journalpost {
  const title = titleFor(input);
  return {
    tittel: title,
    offentligTittel: title,
    avsenderNavn: BRREG_NAME,
    metadata: [
      ['mottakId', input.mottakId],
      ['avsenderOrgnr', BRREG_ORGNR],
      ...(input.tjeneste ? [['tjeneste', input.tjeneste] as [string, string]] : []),
    ],
    dokumenter: [{ tittel: input.zipFilename, tilknyttetRegistreringSom: 'Hoveddokument', files: [input.zipFilename] }],
  };
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
