import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ForsendelsePlan } from './forsendelse.plan';
import { buildHenvendelseXml, HENVENDELSE_FILE_NAME } from './henvendelse-xml.builder';
import { SeededAttachment } from './seeded-attachment';
import { bufferSource, createStoredZipStream, layoutStoredZip, type ZipEntrySource } from './stored-zip';

/** What is worth remembering between downloads of one forsendelse (a few dozen bytes, never payload). */
export interface ForsendelseZipCache {
  sjekksums?: Promise<(string | undefined)[]>;
  crc32s?: number[];
}

function attachmentsOf(plan: ForsendelsePlan): SeededAttachment[] {
  return plan.attachments.map((a, i) => new SeededAttachment(plan.contentSeed, i, a.size));
}

function sjekksumsOf(plan: ForsendelsePlan, cache: ForsendelseZipCache): Promise<(string | undefined)[]> {
  // The MD5s cost a pass over each attachment (only those under the threshold), so it is paid once per forsendelse.
  cache.sjekksums ??= Promise.all(
    attachmentsOf(plan).map((a, i) => (plan.attachments[i].withSjekksum ? a.md5Hex() : Promise.resolve(undefined))),
  );
  return cache.sjekksums;
}

/** The forsendelse's `hendvendelse.xml`, with its MD5s. */
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
  const xml = await henvendelseXmlOf(plan, cache);
  const attachments = attachmentsOf(plan);
  cache.crc32s ??= attachments.map((a) => a.crc32());
  const crcs = cache.crc32s;
  const sources: ZipEntrySource[] = [
    bufferSource(xml),
    ...attachments.map((a, i) => ({ size: a.size, crc32: crcs[i], fill: a.fill.bind(a) })),
  ];
  const layout = layoutStoredZip(
    [
      { name: HENVENDELSE_FILE_NAME, size: xml.length },
      ...plan.attachments.map((a) => ({ name: a.filnavn, size: a.size })),
    ],
    plan.forceZip64,
  );
  if (layout.totalSize !== plan.totalSize) {
    throw new Error(`the ZIP is ${layout.totalSize} bytes, planned ${plan.totalSize}`);
  }
  return createStoredZipStream(layout, sources, { time: plan.time, chunkSize });
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
