import type { ContentPlan } from './forsendelse-content';
import { decodeKvittering, referanseOf, type Melding } from './melding.reader';
import { avsenderName, BRREG_NAME, titleOf, type TitleTable } from './titles';

export type Tilknytning = 'Hoveddokument' | 'Vedlegg';

/** One dokumentbeskrivelse: its files are the dokumentobjekter' referanseDokumentfil, in order. */
export interface Dokument {
  tittel: string;
  tilknyttetRegistreringSom: Tilknytning;
  files: string[];
}

/** What the documents-mode journalpost says; the arkivmelding builder writes it in the schema's order. */
export interface Journalpost {
  tittel: string;
  offentligTittel: string;
  beskrivelse?: string;
  avsenderNavn: string;
  /** Flat, text-only `virksomhetsspesifikkeMetadata` children, in order (element name → text). */
  metadata: [string, string][];
  dokumenter: Dokument[];
}

/** A file the bridge makes from the Melding itself (the Data as its own document), uploaded like an entry. */
export interface GeneratedFile {
  uploadName: string;
  contentType: string;
  body: Buffer;
}

export interface MappedForsendelse {
  journalpost: Journalpost;
  generated: GeneratedFile[];
}

export const ZIP_DOCUMENT_TITLE = `Original forsendelse fra ${BRREG_NAME} (zip)`;
const MELDING_TITLE = `Melding fra ${BRREG_NAME} (henvendelse)`;

export interface MappingInput {
  mottakId: string;
  melding: Melding;
  plan: ContentPlan;
  /** The entry name the Melding came from. */
  meldingEntry: string;
  titles: TitleTable;
  /** The zip's upload name when it goes along (the safe form): the last Vedlegg. */
  zipUploadName?: string;
}

/**
 * The Melding as a journalpost (docs/peers/henvendelse.md §5): one dokumentbeskrivelse per Vedlegg, in order,
 * the first the Hoveddokument; with no Vedlegg the Data (a kvittering, a text) is the Hoveddokument. Then any
 * entry no Vedleggsdel names, the Melding itself, and the zip in the safe form, each a Vedlegg, so nothing
 * of what Brreg sent is left out.
 */
export function mapForsendelse(input: MappingInput): MappedForsendelse {
  const { melding, plan } = input;
  const kvittering = decodeKvittering(melding);
  const tittel = titleOf(melding, kvittering, input.titles);
  const generated: GeneratedFile[] = [];
  const dokumenter: { tittel: string; files: string[] }[] = [];

  melding.vedlegg.forEach((vedlegg, v) => {
    const files = plan.parts
      .filter((p) => p.vedlegg === v && p.uploadName !== undefined)
      .map((p) => p.uploadName as string);
    if (files.length > 0) {
      dokumenter.push({ tittel: vedlegg.navn.trim() || files[0], files });
    }
  });
  if (dokumenter.length === 0 && melding.innhold.kind === 'data' && melding.innhold.text.trim() !== '') {
    const xml = melding.innhold.format.toLowerCase() === 'xml';
    const uploadName = uniqueName(xml ? 'innhold.xml' : 'innhold.txt', plan, input.zipUploadName);
    generated.push({
      uploadName,
      contentType: xml ? 'application/xml' : 'text/plain; charset=utf-8',
      body: Buffer.from(xml ? melding.innhold.text.trim() : melding.innhold.text, 'utf8'),
    });
    dokumenter.push({ tittel, files: [uploadName] });
  }
  const named = new Set(plan.parts.map((p) => p.entry).filter((e) => e !== undefined));
  for (const [entry, uploadName] of plan.uploadNames) {
    if (entry !== input.meldingEntry && !named.has(entry)) {
      dokumenter.push({ tittel: uploadName, files: [uploadName] });
    }
  }
  const meldingUpload = plan.uploadNames.get(input.meldingEntry);
  if (meldingUpload) {
    dokumenter.push({ tittel: MELDING_TITLE, files: [meldingUpload] });
  }
  if (input.zipUploadName) {
    dokumenter.push({ tittel: ZIP_DOCUMENT_TITLE, files: [input.zipUploadName] });
  }

  const meldingsReferanse = referanseOf(melding, 'MeldingsReferanse') ?? kvittering?.meldingsReferanse;
  const henvendelseReferanse =
    referanseOf(melding, 'HenvendelseReferanse') ?? kvittering?.henvendelsesReferanse ?? undefined;
  const metadata: [string, string | undefined][] = [
    ['mottakId', input.mottakId],
    ['meldingId', melding.id],
    ['avsenderOrgnr', melding.avsender.id],
    ['meldingsReferanse', meldingsReferanse],
    ['henvendelseReferanse', henvendelseReferanse],
    ['tjeneste', melding.tjeneste],
    ['tjenestehandling', melding.tjenestehandling],
    ['kvitteringStatus', kvittering?.status],
    ['kvitteringStatusKode', kvittering?.statusKode],
  ];
  return {
    journalpost: {
      tittel,
      offentligTittel: tittel,
      beskrivelse: meldingsReferanse ? `Svar på melding ${meldingsReferanse}` : undefined,
      avsenderNavn: avsenderName(melding.avsender.id),
      metadata: metadata.filter((m): m is [string, string] => m[1] !== undefined && m[1] !== ''),
      dokumenter: dokumenter.map((d, i) => ({
        ...d,
        tilknyttetRegistreringSom: i === 0 ? 'Hoveddokument' : 'Vedlegg',
      })),
    },
    generated,
  };
}

/**
 * The safe form when no Melding could be read: every readable entry a Vedlegg under its own name, the zip
 * the Hoveddokument (it is the only complete record of what arrived), with a title that says so.
 */
export function mapWithoutMelding(input: {
  mottakId: string;
  uploadNames: Map<string, string>;
  zipUploadName: string;
}): Journalpost {
  const tittel = `Forsendelse fra ${BRREG_NAME} (innholdet kunne ikke leses)`;
  return {
    tittel,
    offentligTittel: tittel,
    avsenderNavn: BRREG_NAME,
    metadata: [['mottakId', input.mottakId]],
    dokumenter: [
      { tittel: ZIP_DOCUMENT_TITLE, files: [input.zipUploadName], tilknyttetRegistreringSom: 'Hoveddokument' },
      ...[...input.uploadNames.values()].map((name) => ({
        tittel: name,
        files: [name],
        tilknyttetRegistreringSom: 'Vedlegg' as const,
      })),
    ],
  };
}

function uniqueName(wanted: string, plan: ContentPlan, zip: string | undefined): string {
  const taken = new Set([...plan.uploadNames.values(), zip ?? '', 'arkivmelding.xml'].map((n) => n.toLowerCase()));
  let name = wanted;
  for (let n = 2; taken.has(name.toLowerCase()); n++) {
    name = `${n}-${wanted}`;
  }
  return name;
}
