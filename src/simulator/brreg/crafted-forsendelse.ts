import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { BoundedMap } from '../common/bounded-log';
import { craftZip, type CraftedEntry } from './crafted-zip';
import type { ForsendelsePlan } from './forsendelse.plan';
import { buildHenvendelseXml, extraVedlegg, HENVENDELSE_FILE_NAME } from './henvendelse-xml.builder';
import { SeededAttachment } from './seeded-attachment';

/** What a zip-bomb entry inflates to, against the 1 KiB its headers declare. */
export const BOMB_INFLATED_BYTES = 16 * 1024 * 1024;
const BOMB_DECLARED_BYTES = 1024;

let bomb: { content: Buffer; compressed: Buffer } | undefined;
function bombData(): { content: Buffer; compressed: Buffer } {
  if (bomb === undefined) {
    const content = Buffer.alloc(BOMB_INFLATED_BYTES, 0x20);
    bomb = { content, compressed: deflateRawSync(content, { level: 9 }) };
  }
  return bomb;
}

function md5Upper(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex').toUpperCase();
}

function pdfBytes(seed: number, index: number, size: number): Buffer {
  return Buffer.concat([...new SeededAttachment(seed, index, size).chunks()]);
}

/** The sjekksums the Melding carries: each attachment's MD5, upper-case hex; a wrong one for `wrong-sjekksum`. */
export function sjekksumsFor(plan: ForsendelsePlan, md5s: readonly (string | undefined)[]): (string | undefined)[] {
  return plan.attachments.map((a, i) => {
    if (!a.withSjekksum) {
      return undefined;
    }
    if (i === 0 && plan.shapes.includes('wrong-sjekksum')) {
      // The MD5 of other bytes: well-formed, and wrong.
      return md5Upper(Buffer.from(`not the bytes of ${a.filnavn}`));
    }
    return md5s[i];
  });
}

/** One entry of a crafted forsendelse, with what the checker compares: the name meant and its content. */
export interface CraftedPart extends CraftedEntry {
  meantName: string;
}

function entry(name: string, content: Buffer, shapes: ForsendelsePlan['shapes']): CraftedPart {
  const dataDescriptor = shapes.includes('data-descriptors') && !name.endsWith('/');
  return {
    name: Buffer.from(name, 'utf8'),
    meantName: name,
    utf8: true,
    content,
    method: dataDescriptor ? 8 : 0,
    dataDescriptor,
  };
}

/** The entries of a crafted forsendelse in the order they are written. */
export function craftedParts(plan: ForsendelsePlan): CraftedPart[] {
  const shapes = plan.shapes;
  const pdfs = plan.attachments.map((a, i) => pdfBytes(plan.contentSeed, i, a.size));
  const xml = buildHenvendelseXml(plan, sjekksumsFor(plan, pdfs.map(md5Upper)));
  const folder = shapes.includes('nested-folders') ? 'vedlegg/brev/' : '';
  const melding = entry(HENVENDELSE_FILE_NAME, xml, shapes);
  const parts: CraftedPart[] = [];
  if (shapes.includes('no-melding')) {
    // Nothing: the fault is the absence.
  } else if (!shapes.includes('melding-not-first')) {
    parts.push(melding);
  }
  if (folder !== '') {
    parts.push(entry('vedlegg/', Buffer.alloc(0), shapes), entry(folder, Buffer.alloc(0), shapes));
  }
  plan.attachments.forEach((a, i) => {
    const part = entry(folder + a.entryName, pdfs[i], shapes);
    if (i === 0 && shapes.includes('latin1-name')) {
      // A Windows tool's name: Latin-1 bytes and no UTF-8 flag, so a reader decodes it as CP437.
      part.name = Buffer.from(folder + a.entryName, 'latin1');
      part.utf8 = false;
    }
    parts.push(part);
  });
  const first = plan.attachments[0];
  if (shapes.includes('case-collision') && first !== undefined) {
    const name =
      first.entryName === first.entryName.toUpperCase() ? first.entryName.toLowerCase() : first.entryName.toUpperCase();
    parts.push(entry(folder + name, pdfBytes(plan.contentSeed, 50, first.size), shapes));
  }
  if (shapes.includes('unnamed-entry')) {
    parts.push(entry(`notat-${plan.mottakId.slice(0, 8)}.pdf`, pdfBytes(plan.contentSeed, 60, 24_000), shapes));
  }
  for (const extra of extraVedlegg(plan)) {
    if (extra.filnavn.startsWith('bilag-')) {
      const { content, compressed } = bombData();
      parts.push({
        ...entry(extra.filnavn, content, shapes),
        method: 8,
        compressed,
        declaredSize: BOMB_DECLARED_BYTES,
      });
    }
  }
  if (shapes.includes('corrupted-entry')) {
    // The first PDF, or the Melding where there is none (a svarmelding).
    const target = parts.find((p) => p.content.length > 0 && p !== melding) ?? melding;
    target.corrupt = true;
  }
  if (shapes.includes('melding-not-first')) {
    parts.push(melding);
  }
  return parts;
}

// A crafted ZIP is a few hundred KB; the last few are kept so a retried download does not rebuild it.
const built = new BoundedMap<string, Buffer>(16);

export function craftedForsendelseZip(plan: ForsendelsePlan): Buffer {
  const key = `${plan.mottakId}:${plan.contentSeed}:${plan.shapes.join(',')}:${plan.attachments.length}`;
  let zip = built.get(key);
  if (zip === undefined) {
    zip = craftZip(craftedParts(plan), plan.time);
    built.set(key, zip);
  }
  return zip;
}
