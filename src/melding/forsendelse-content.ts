import { extname } from 'node:path';
import { foldToAscii } from './ascii-fold';
import type { Melding, MeldingContent } from './melding.reader';

/** What went wrong with a forsendelse's content (issue 12, point 4): each one ends in the safe form. */
export type SurpriseKind =
  | 'no-melding'
  | 'melding-unparsable'
  | 'vedleggsdel-without-entry'
  | 'entry-not-named'
  | 'nested-folder'
  | 'case-only-names'
  | 'non-utf8-name'
  | 'inflate-bomb'
  | 'unreadable-entry';

export interface Surprise {
  kind: SurpriseKind;
  detail: string;
}

/** A zip entry as its headers name it. */
export interface EntryName {
  name: string;
  /** False when the name's bytes are not (flagged or valid) UTF-8: the decoded `name` is then a guess. */
  utf8: boolean;
}

/** Where a Vedleggsdel's bytes are: its entry, or inline in the Melding. */
export interface PlannedPart {
  vedlegg: number;
  del: number;
  /** The zip entry that holds it, undefined when it is inline `Data` or has no entry. */
  entry?: string;
  uploadName?: string;
  sjekksum?: string;
}

export interface ContentPlan {
  /** Each entry → the file name it is uploaded under at the IP (every entry is uploaded, the Melding too). */
  uploadNames: Map<string, string>;
  parts: PlannedPart[];
  surprises: Surprise[];
}

const MAX_UPLOAD_NAME = 100;
const ARKIVMELDING = 'arkivmelding.xml';

/** The first `hendvendelse.xml`, then `henvendelse.xml` (ignoring case): docs/peers/henvendelse.md §1. */
export function namedMeldingEntry(names: readonly string[]): string | undefined {
  for (const wanted of ['hendvendelse.xml', 'henvendelse.xml']) {
    const found = names.find((n) => n.toLowerCase() === wanted);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

/**
 * A file name the IP and a receiving archive can take: the last path segment in printable ASCII (what the
 * upload's Content-Disposition carries, so arkivmelding.xml names the file the IP stored), no characters
 * Windows refuses, at most MAX_UPLOAD_NAME characters with the extension kept.
 */
export function sanitiseFilename(name: string): string {
  const base =
    name
      .split(/[/\\]/)
      .filter((s) => s !== '')
      .pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = foldToAscii(base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')).trim();
  if (clean === '' || clean === '.' || clean === '..') {
    return 'dokument';
  }
  if (clean.length <= MAX_UPLOAD_NAME) {
    return clean;
  }
  const ext = extname(clean).slice(0, 16);
  return clean.slice(0, MAX_UPLOAD_NAME - ext.length) + ext;
}

export function contentTypeFor(name: string): string {
  switch (extname(name).toLowerCase()) {
    case '.pdf':
      return 'application/pdf';
    case '.xml':
      return 'application/xml';
    case '.txt':
      return 'text/plain';
    case '.zip':
      return 'application/zip';
    case '.png':
      return 'image/png';
    case '.jpg':
    case '.jpeg':
      return 'image/jpeg';
    case '.tif':
    case '.tiff':
      return 'image/tiff';
    default:
      return 'application/octet-stream';
  }
}

function refOf(innhold: MeldingContent): string | undefined {
  return innhold.kind === 'ref' ? innhold.referanse : undefined;
}

/**
 * Matches entries to Vedleggsdeler as they come, in zip order (the one-pass forward sees one local header at
 * a time): an entry takes the first unmatched Vedleggsdel whose `filnavn`, else whose `DataRef@referanse`,
 * equals its name ignoring case (henvendelse.md §1). Upload names are fixed before the first entry: each
 * Vedleggsdel's sanitised `filnavn` (de-duplicated ignoring case, never `arkivmelding.xml` or a reserved name),
 * so an entry's name depends only on the Melding and the entries before it, and every try of the same zip
 * names the same files (a resumed forward skips what the IP has). An entry no Vedleggsdel names keeps its own
 * (sanitised, numbered if taken) name. Without a Melding every entry is such an entry.
 */
export class EntryMatcher {
  private readonly taken: Set<string>;
  private readonly parts: (PlannedPart & { wanted: string[]; name: string })[] = [];
  private readonly seen = new Map<string, string>();
  private readonly uploadNames = new Map<string, string>();
  private readonly surprises: Surprise[] = [];

  constructor(
    private readonly melding: Melding | undefined,
    private readonly meldingEntry: string | undefined,
    reserved: readonly string[] = [],
  ) {
    this.taken = new Set([ARKIVMELDING, ...reserved.map((r) => r.toLowerCase())]);
    if (meldingEntry !== undefined) {
      this.uploadNames.set(meldingEntry, this.reserve(meldingEntry));
    }
    melding?.vedlegg.forEach((vedlegg, v) =>
      vedlegg.deler.forEach((del, d) => {
        const wanted = [del.filnavn, refOf(del.innhold)].filter((c): c is string => !!c);
        this.parts.push({
          vedlegg: v,
          del: d,
          sjekksum: del.innhold.kind === 'ref' ? del.innhold.sjekksum : undefined,
          wanted: wanted.map((w) => w.toLowerCase()),
          name: del.innhold.kind === 'ref' ? this.reserve(wanted[0] ?? 'vedlegg') : '',
        });
      }),
    );
  }

  /** The upload name of the next entry, and the Vedleggsdel it holds (if any). */
  accept(entry: EntryName): { uploadName: string; part?: PlannedPart } {
    const lower = entry.name.toLowerCase();
    if (!entry.utf8) {
      this.surprise('non-utf8-name', `entry ${JSON.stringify(entry.name)} has a name that is not UTF-8`);
    }
    if (/[/\\]/.test(entry.name)) {
      this.surprise('nested-folder', `entry ${entry.name} is inside a folder`);
    }
    const before = this.seen.get(lower);
    if (before !== undefined) {
      this.surprise('case-only-names', `entries differ only in case: ${before}, ${entry.name}`);
    }
    this.seen.set(lower, entry.name);
    if (entry.name === this.meldingEntry) {
      return { uploadName: this.uploadNames.get(entry.name) as string };
    }
    const free = this.parts.filter((p) => p.entry === undefined && p.name !== '');
    const part =
      before === undefined
        ? (free.find((p) => p.wanted[0] === lower) ?? free.find((p) => p.wanted.includes(lower)))
        : undefined;
    if (part) {
      part.entry = entry.name;
      part.uploadName = part.name;
      this.uploadNames.set(entry.name, part.name);
      return { uploadName: part.name, part };
    }
    if (this.melding) {
      this.surprise('entry-not-named', `entry ${entry.name} is named by no Vedleggsdel`);
    }
    const uploadName = this.reserve(entry.name);
    this.uploadNames.set(entry.name, uploadName);
    return { uploadName };
  }

  /** An entry that could not be delivered on its own (a bomb): it goes along only inside the zip. */
  withdraw(entry: string): void {
    this.uploadNames.delete(entry);
    for (const part of this.parts) {
      if (part.entry === entry) {
        part.uploadName = undefined;
      }
    }
  }

  surprise(kind: SurpriseKind, detail: string): void {
    this.surprises.push({ kind, detail });
  }

  finish(): ContentPlan {
    for (const part of this.parts) {
      if (part.entry === undefined && part.name !== '') {
        const vedlegg = this.melding?.vedlegg[part.vedlegg];
        this.surprise(
          'vedleggsdel-without-entry',
          `Vedlegg ${JSON.stringify(vedlegg?.navn)} names ${part.wanted.join(' / ')}, which is not in the zip`,
        );
      }
    }
    const parts = this.parts.map(({ vedlegg, del, entry, uploadName, sjekksum }) => ({
      vedlegg,
      del,
      entry,
      uploadName,
      sjekksum,
    }));
    return { uploadNames: new Map(this.uploadNames), parts, surprises: [...this.surprises] };
  }

  private reserve(wantedName: string): string {
    const wanted = sanitiseFilename(wantedName);
    let name = wanted;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) {
      name = sanitiseFilename(`${n}-${wanted}`);
    }
    this.taken.add(name.toLowerCase());
    return name;
  }
}

/** All entries at once (the spool path, tests): see EntryMatcher. Directory entries are skipped. */
export function planContent(
  melding: Melding | undefined,
  meldingEntry: string | undefined,
  entries: readonly EntryName[],
  reserved: readonly string[] = [],
): ContentPlan {
  const matcher = new EntryMatcher(melding, meldingEntry, reserved);
  for (const entry of entries) {
    if (!entry.name.endsWith('/')) {
      matcher.accept(entry);
    }
  }
  return matcher.finish();
}
