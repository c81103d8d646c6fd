import { z } from 'zod';
import { parseXmlDocument, parseXmlText, XmlRejectedError, type XmlElement } from './xml-document';

export const HENVENDELSE_NS = 'http://schema.brreg.no/postmottak/henvendelse';
export const KVITTERING_NS = 'http://schema.brreg.no/postmottak/applikasjonskvittering';

const token = (max: number) => z.string().trim().min(1).max(max);

const partSchema = z.object({ id: token(64), idType: token(32) });
const dataSchema = z.object({ kind: z.literal('data'), format: token(64), text: z.string() });
const dataRefSchema = z.object({
  kind: z.literal('ref'),
  referanse: z.string().min(1),
  format: token(64),
  referanseFormat: z.string().optional(),
  /** hexBinary: compared ignoring case. */
  sjekksum: z
    .string()
    .trim()
    .regex(/^([0-9a-fA-F]{2})*$/, 'sjekksum is not hexBinary')
    .optional(),
});
const contentSchema = z.discriminatedUnion('kind', [dataSchema, dataRefSchema]);

/** The parts of a Melding (spec: docs/peers/henvendelse.md §2) the bridge reads, validated. */
export const meldingSchema = z.object({
  versjon: token(32),
  id: token(64),
  tjeneste: token(64),
  tjenestehandling: token(64),
  mottaker: partSchema,
  avsender: partSchema,
  referanser: z.array(z.object({ referanse: token(64), referanseType: token(32) })),
  innhold: contentSchema,
  vedlegg: z.array(
    z.object({
      type: z.string(),
      navn: z.string(),
      deler: z
        .array(
          z.object({ sekvensnr: z.string().trim().min(1), filnavn: z.string().optional(), innhold: contentSchema }),
        )
        .min(1, 'a Vedlegg without Vedleggsdel'),
    }),
  ),
});
export type Melding = z.infer<typeof meldingSchema>;
export type MeldingContent = z.infer<typeof contentSchema>;

export const kvitteringSchema = z.object({
  status: z.enum(['NotSet', 'OK', 'UnExpectedError', 'ValidationFailed', 'Rejected']),
  statusTekst: z.string().trim(),
  statusKode: z
    .string()
    .trim()
    .regex(/^[+-]?\d+$/, 'StatusKode is not an integer'),
  meldingsReferanse: z.string().trim().min(1),
  henvendelsesReferanse: z.string().trim().optional(),
  avsendersReferanse: z.string().trim().optional(),
});
/** An Applikasjonskvittering (docs/peers/henvendelse.md §3), decoded from a svarmelding's `Innhold/Data`. */
export type Kvittering = z.infer<typeof kvitteringSchema>;

export type MeldingRead = { ok: true; melding: Melding } | { ok: false; problem: string };

function kids(element: XmlElement, localName: string, ns = HENVENDELSE_NS): XmlElement[] {
  return element.children.filter((c) => c.namespace === ns && c.localName === localName);
}

function content(holder: XmlElement): unknown {
  const data = kids(holder, 'Data');
  const refs = kids(holder, 'DataRef');
  if (data.length + refs.length !== 1) {
    return { kind: 'invalid' };
  }
  if (data.length === 1) {
    return { kind: 'data', format: data[0].attributes.get('format'), text: data[0].text };
  }
  const ref = refs[0].attributes;
  return {
    kind: 'ref',
    referanse: ref.get('referanse'),
    format: ref.get('format'),
    referanseFormat: ref.get('referanseFormat'),
    sjekksum: ref.get('sjekksum'),
  };
}

function one(element: XmlElement, localName: string): XmlElement | undefined {
  const found = kids(element, localName);
  return found.length === 1 ? found[0] : undefined;
}

function attrs(element: XmlElement | undefined): Record<string, string> | undefined {
  return element ? Object.fromEntries(element.attributes) : undefined;
}

/** True when the bytes are an XML document whose root is `{…/henvendelse}Melding` (how a Melding is found). */
export function isMeldingDocument(bytes: Buffer): boolean {
  try {
    const root = parseXmlDocument(bytes);
    return root.namespace === HENVENDELSE_NS && root.localName === 'Melding';
  } catch {
    return false;
  }
}

/** Reads a Melding; any problem (hostile, malformed, not a Melding, invalid) comes back as a sentence. */
export function readMelding(bytes: Buffer): MeldingRead {
  let root: XmlElement;
  try {
    root = parseXmlDocument(bytes);
  } catch (error) {
    if (error instanceof XmlRejectedError) {
      return { ok: false, problem: `does not parse: ${error.message}` };
    }
    throw error;
  }
  if (root.namespace !== HENVENDELSE_NS || root.localName !== 'Melding') {
    return { ok: false, problem: `root is {${root.namespace}}${root.localName}, not a Melding` };
  }
  const innhold = one(root, 'Innhold');
  const raw = {
    ...attrs(root),
    mottaker: attrs(one(root, 'Mottaker')),
    avsender: attrs(one(root, 'Avsender')),
    referanser: kids(root, 'Referanse').map((r) => attrs(r)),
    innhold: innhold ? content(innhold) : undefined,
    vedlegg: kids(root, 'Vedlegg').map((v) => ({
      ...attrs(v),
      deler: kids(v, 'Vedleggsdel').map((d) => ({ ...attrs(d), innhold: content(d) })),
    })),
  };
  const parsed = meldingSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `is not a valid Melding: ${issue?.path.join('.') || '(root)'}: ${issue?.message}` };
  }
  return { ok: true, melding: parsed.data };
}

/** The referanse of the first `Referanse` of that type (compared ignoring case), if any. */
export function referanseOf(melding: Melding, type: string): string | undefined {
  return melding.referanser.find((r) => r.referanseType.toLowerCase() === type.toLowerCase())?.referanse;
}

/**
 * The Applikasjonskvittering a svarmelding carries in `Innhold/Data` (entity-escaped XML, which the parser has
 * already unescaped into text), or undefined when the Data is something else or not a valid kvittering.
 */
export function decodeKvittering(melding: Melding): Kvittering | undefined {
  if (melding.innhold.kind !== 'data' || melding.innhold.format.toLowerCase() !== 'xml') {
    return undefined;
  }
  let root: XmlElement;
  try {
    root = parseXmlText(melding.innhold.text.trim());
  } catch {
    return undefined;
  }
  if (root.namespace !== KVITTERING_NS || root.localName !== 'Applikasjonskvittering') {
    return undefined;
  }
  const field = (name: string) => kids(root, name, KVITTERING_NS)[0]?.text;
  const parsed = kvitteringSchema.safeParse({
    status: field('Status')?.trim(),
    statusTekst: field('StatusTekst') ?? '',
    statusKode: field('StatusKode'),
    meldingsReferanse: field('MeldingsReferanse'),
    henvendelsesReferanse: field('HenvendelsesReferanse'),
    avsendersReferanse: field('AvsendersReferanse'),
  });
  return parsed.success ? parsed.data : undefined;
}
