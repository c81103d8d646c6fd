import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { craftedForsendelseZip, craftedParts, sjekksumsFor } from './crafted-forsendelse';
import { isCrafted, storedEntrySpecs, type ForsendelsePlan } from './forsendelse.plan';
import { buildHenvendelseXml, HENVENDELSE_FILE_NAME } from './henvendelse-xml.builder';
import { SeededAttachment } from './seeded-attachment';
import { bufferSource, createStoredZipStream, layoutStoredZip, type ZipEntrySource } from './stored-zip';

/** What is worth remembering between downloads of one forsendelse (a few dozen bytes, never payload). */
export interface ForsendelseZipCache {
  sjekksums?: Promise<(string | undefined)[]>;
  crc32s?: number[];
  entries?: Promise<ForsendelseEntry[]>;
}

/** One entry of the ZIP as Brreg serves it: the name meant (UTF-8), its size and the sha256 of its content. */
export interface ForsendelseEntry {
  name: string;
  size: number;
  sha256: string;
}

function attachmentsOf(plan: ForsendelsePlan): SeededAttachment[] {
  return plan.attachments.map((a, i) => new SeededAttachment(plan.contentSeed, i, a.size));
}

async function hashOf(attachment: SeededAttachment, algorithm: 'md5' | 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  let sinceYield = 0;
  for (const chunk of attachment.chunks()) {
    hash.update(chunk);
    sinceYield += chunk.length;
    // Let the event loop breathe on large attachments: this runs inside a live simulator.
    if (sinceYield >= 16 * 1024 * 1024) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return hash.digest('hex');
}

function sjekksumsOf(plan: ForsendelsePlan, cache: ForsendelseZipCache): Promise<(string | undefined)[]> {
  // The MD5s cost a pass over each attachment (only those under the threshold), so it is paid once per forsendelse.
  cache.sjekksums ??= Promise.all(
    attachmentsOf(plan).map((a, i) => (plan.attachments[i].withSjekksum ? a.md5Hex() : Promise.resolve(undefined))),
  ).then((md5s) => sjekksumsFor(plan, md5s));
  return cache.sjekksums;
}

/** The forsendelse's `hendvendelse.xml`, with its MD5s (also for a shape that leaves it out of the ZIP). */
export async function henvendelseXmlOf(plan: ForsendelsePlan, cache: ForsendelseZipCache): Promise<Buffer> {
  const xml = buildHenvendelseXml(plan, await sjekksumsOf(plan, cache));
  if (xml.length !== plan.xmlSize) {
    throw new Error(`hendvendelse.xml is ${xml.length} bytes, planned ${plan.xmlSize}`);
  }
  return xml;
}

/** The ZIP's bytes as a stream; nothing beyond one chunk is held, whatever the size. */
export async function createForsendelseZipStream(
  plan: ForsendelsePlan,
  cache: ForsendelseZipCache,
  chunkSize?: number,
): Promise<Readable> {
  if (isCrafted(plan)) {
    const zip = craftedForsendelseZip(plan);
    const size = chunkSize ?? 64 * 1024;
    return Readable.from(
      Array.from({ length: Math.ceil(zip.length / size) }, (_, i) => zip.subarray(i * size, (i + 1) * size)),
      { objectMode: false },
    );
  }
  const xml = await henvendelseXmlOf(plan, cache);
  const attachments = attachmentsOf(plan);
  cache.crc32s ??= attachments.map((a) => a.crc32());
  const crcs = cache.crc32s;
  const sources: ZipEntrySource[] = [
    ...(plan.shapes.includes('no-melding') ? [] : [bufferSource(xml)]),
    ...attachments.map((a, i) => ({ size: a.size, crc32: crcs[i], fill: a.fill.bind(a) })),
  ];
  const layout = layoutStoredZip(storedEntrySpecs(plan), plan.forceZip64);
  if (layout.totalSize !== plan.totalSize) {
    throw new Error(`the ZIP is ${layout.totalSize} bytes, planned ${plan.totalSize}`);
  }
  return createStoredZipStream(layout, sources, { time: plan.time, chunkSize });
}

/**
 * Every file entry of the ZIP (folders left out) with the sha256 of its content, as a reader that trusts the
 * entry would get it: the fault checker looks for each of them at the IP. Costs a pass over the attachments.
 */
export function forsendelseEntries(plan: ForsendelsePlan, cache: ForsendelseZipCache): Promise<ForsendelseEntry[]> {
  cache.entries ??= (async () => {
    if (isCrafted(plan)) {
      return craftedParts(plan)
        .filter((p) => !p.meantName.endsWith('/'))
        .map((p) => ({
          name: p.meantName,
          size: p.content.length,
          sha256: createHash('sha256').update(p.content).digest('hex'),
        }));
    }
    const xml = await henvendelseXmlOf(plan, cache);
    const melding = plan.shapes.includes('no-melding')
      ? []
      : [{ name: HENVENDELSE_FILE_NAME, size: xml.length, sha256: createHash('sha256').update(xml).digest('hex') }];
    const attachments = attachmentsOf(plan);
    const hashes = await Promise.all(attachments.map((a) => hashOf(a, 'sha256')));
    return [...melding, ...plan.attachments.map((a, i) => ({ name: a.entryName, size: a.size, sha256: hashes[i] }))];
  })();
  return cache.entries;
}

/** sha256 of the whole ZIP, by generating it (about a second per GiB). */
export async function forsendelseSha256(plan: ForsendelsePlan, cache: ForsendelseZipCache): Promise<string> {
  const hash = createHash('sha256');
  const stream = await createForsendelseZipStream(plan, cache);
  let sinceYield = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    sinceYield += (chunk as Buffer).length;
    // A synchronous source read through an async iterator never yields to I/O by itself.
    if (sinceYield >= 16 * 1024 * 1024) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return hash.digest('hex');
}
