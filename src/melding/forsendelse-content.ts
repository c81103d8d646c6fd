import { extname } from 'node:path';
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
  | 'inflate-bomb';

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
 * A file name the IP and a receiving archive can take: the last path segment, no control characters or
 * characters Windows refuses, at most MAX_UPLOAD_NAME characters with the extension kept.
 */
export function sanitiseFilename(name: string): string {
  const base =
    name
      .split(/[/\\]/)
      .filter((s) => s !== '')
      .pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').trim();
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
 * Matches each Vedleggsdel to its entry (`filnavn`, then `DataRef@referanse`, ignoring case: henvendelse.md §1),
 * names every entry's upload, and lists what is odd. Upload names are a function of the Melding and the entry
 * names alone, so every try of a forsendelse names the same files (a resumed forward skips what the IP has).
 * `reserved` are names the bridge uploads itself (the zip in the safe form), never given to an entry.
 */
export function planContent(
  melding: Melding,
  meldingEntry: string,
  entries: readonly EntryName[],
  reserved: readonly string[] = [],
): ContentPlan {
  const surprises: Surprise[] = [];
  const byLower = new Map<string, string[]>();
  for (const entry of entries) {
    const lower = entry.name.toLowerCase();
    byLower.set(lower, [...(byLower.get(lower) ?? []), entry.name]);
    if (!entry.utf8) {
      surprises.push({
        kind: 'non-utf8-name',
        detail: `entry ${JSON.stringify(entry.name)} has a name that is not UTF-8`,
      });
    }
    if (/[/\\]/.test(entry.name.replace(/\/$/, ''))) {
      surprises.push({ kind: 'nested-folder', detail: `entry ${entry.name} is inside a folder` });
    }
  }
  for (const names of byLower.values()) {
    if (names.length > 1) {
      surprises.push({ kind: 'case-only-names', detail: `entries differ only in case: ${names.join(', ')}` });
    }
  }

  const taken = new Set<string>([ARKIVMELDING, ...reserved.map((r) => r.toLowerCase())]);
  const uploadNames = new Map<string, string>();
  const claim = (entry: string, wanted: string) => {
    let name = sanitiseFilename(wanted);
    for (let n = 2; taken.has(name.toLowerCase()); n++) {
      name = sanitiseFilename(`${n}-${sanitiseFilename(wanted)}`);
    }
    taken.add(name.toLowerCase());
    uploadNames.set(entry, name);
  };
  claim(meldingEntry, meldingEntry);

  const parts: PlannedPart[] = [];
  const matched = new Set<string>([meldingEntry]);
  melding.vedlegg.forEach((vedlegg, v) =>
    vedlegg.deler.forEach((del, d) => {
      const part: PlannedPart = {
        vedlegg: v,
        del: d,
        sjekksum: del.innhold.kind === 'ref' ? del.innhold.sjekksum : undefined,
      };
      parts.push(part);
      if (del.innhold.kind === 'data') {
        return;
      }
      const candidates = [del.filnavn, refOf(del.innhold)].filter((c): c is string => !!c);
      const entry = candidates.map((c) => byLower.get(c.toLowerCase())?.[0]).find((e) => e !== undefined);
      if (entry === undefined || matched.has(entry)) {
        surprises.push({
          kind: 'vedleggsdel-without-entry',
          detail: `Vedlegg ${JSON.stringify(vedlegg.navn)} names ${candidates.join(' / ') || 'no file'}, which is not in the zip`,
        });
        return;
      }
      matched.add(entry);
      part.entry = entry;
      claim(entry, del.filnavn ?? entry);
      part.uploadName = uploadNames.get(entry);
    }),
  );
  for (const entry of entries) {
    if (entry.name.endsWith('/')) {
      continue;
    }
    if (!matched.has(entry.name)) {
      surprises.push({ kind: 'entry-not-named', detail: `entry ${entry.name} is named by no Vedleggsdel` });
      claim(entry.name, entry.name);
    }
  }
  return { uploadNames, parts, surprises };
}

/** Upload names when no Melding could be read: every entry under its own (sanitised, de-duplicated) name. */
export function uploadNamesWithoutMelding(
  entries: readonly EntryName[],
  reserved: readonly string[] = [],
): Map<string, string> {
  const taken = new Set<string>([ARKIVMELDING, ...reserved.map((r) => r.toLowerCase())]);
  const names = new Map<string, string>();
  for (const entry of entries) {
    if (entry.name.endsWith('/')) {
      continue;
    }
    let name = sanitiseFilename(entry.name);
    for (let n = 2; taken.has(name.toLowerCase()); n++) {
      name = sanitiseFilename(`${n}-${sanitiseFilename(entry.name)}`);
    }
    taken.add(name.toLowerCase());
    names.set(entry.name, name);
  }
  return names;
}
