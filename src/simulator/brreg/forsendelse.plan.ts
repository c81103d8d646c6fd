import { SeededRandom } from '../common/seeded-random';
import { craftedForsendelseZip } from './crafted-forsendelse';
import { HENVENDELSE_FILE_NAME, henvendelseXmlSize } from './henvendelse-xml.builder';
import { MIN_ATTACHMENT_SIZE } from './seeded-attachment';
import { layoutStoredZip, type ZipTimestamp } from './stored-zip';

/**
 * Everything that decides a forsendelse's bytes. It is small (no payload), and the ZIP is regenerated from it on
 * every download, so the same plan always gives the same bytes.
 */
export type ForsendelseKind = 'svarmelding' | 'vedtak';
export const FORSENDELSE_KINDS = ['svarmelding', 'vedtak'] as const;
/** Applikasjonskvittering `Status` values (docs/peers/henvendelse.md §3). */
export const KVITTERING_STATUSES = ['OK', 'Rejected', 'ValidationFailed', 'UnExpectedError', 'NotSet'] as const;
export type KvitteringStatus = (typeof KVITTERING_STATUSES)[number];

/**
 * Shapes a forsendelse can be given on purpose (docs/simulators/brreg.md). The first three are what Brreg may send
 * (names that differ in case, a wrong sjekksum, no Melding) and stream at any size; the rest are surprises for the
 * bridge's hostile-input tests and are built in memory (small attachments only).
 */
export const FORSENDELSE_SHAPES = [
  'entry-case-differs',
  'wrong-sjekksum',
  'no-melding',
  'melding-not-first',
  'data-descriptors',
  'nested-folders',
  'case-collision',
  'latin1-name',
  'unnamed-entry',
  'missing-entry',
  'corrupted-entry',
  'zip-bomb',
  'xxe',
  'billion-laughs',
] as const;
export type ForsendelseShape = (typeof FORSENDELSE_SHAPES)[number];
/** Shapes the streamed stored writer can make; any other needs the in-memory crafted writer. */
export const STREAMED_SHAPES: ReadonlySet<ForsendelseShape> = new Set([
  'entry-case-differs',
  'wrong-sjekksum',
  'no-melding',
]);
/** Shapes that change an attachment, so a svarmelding (none) cannot have them. */
const NEEDS_ATTACHMENT: ReadonlySet<ForsendelseShape> = new Set([
  'entry-case-differs',
  'wrong-sjekksum',
  'nested-folders',
  'case-collision',
  'latin1-name',
]);

export interface AttachmentPlan {
  filnavn: string;
  /** The ZIP entry's name; equals filnavn unless a shape changes it. */
  entryName: string;
  vedleggType: string;
  vedleggNavn: string;
  size: number;
  /** Whether the XML carries this attachment's MD5 (only up to `sjekksumMaxBytes`, see the docs). */
  withSjekksum: boolean;
}

export interface ForsendelsePlan {
  /** Lower case: every lookup lower-cases the id it is given, as a UUID compares. */
  mottakId: string;
  /** The spelling /available lists, when a test asked for an upper- or mixed-case one (a UUID's case is not fixed). */
  listedMottakId?: string;
  orgnr: string;
  kind: ForsendelseKind;
  tjeneste: string;
  tjenestehandling: string;
  meldingsReferanse: string;
  /** Example (a) in docs/peers/henvendelse.md carries xsi:schemaLocation, example (b) does not; both occur. */
  schemaLocation: boolean;
  innhold: { format: string; text: string };
  attachments: AttachmentPlan[];
  contentSeed: number;
  /** Entry timestamps; drawn from the seed (not the clock) so the bytes stay reproducible. */
  time: ZipTimestamp;
  forceZip64: boolean;
  /** Shapes given on purpose, in FORSENDELSE_SHAPES order; empty for an ordinary forsendelse. */
  shapes: ForsendelseShape[];
  /** The kvittering's Status for a svarmelding. */
  kvitteringStatus?: KvitteringStatus;
  xmlSize: number;
  totalSize: number;
}

export interface PlanRequest {
  orgnr: string;
  kind?: ForsendelseKind;
  tjeneste?: string;
  /** The exact size of the whole ZIP. */
  sizeBytes?: number;
  attachments?: number;
  mottakId?: string;
  meldingsReferanse?: string;
  kvitteringStatus?: KvitteringStatus;
  forceZip64?: boolean;
  shapes?: readonly ForsendelseShape[];
  /**
   * Draw from the whole range Brreg produces where the request leaves a choice open: every kvittering Status, 1–10
   * attachments, entry names that differ in case. Off by default, so existing seeds keep their bytes.
   */
  variety?: boolean;
}

export interface PlanSettings {
  sjekksumMaxBytes: number;
}

/** A seed request that cannot be met (answered 400 by the control API). */
export class PlanError extends Error {}

export const MAX_ATTACHMENTS = 10;

interface Draws {
  mottakId: string;
  meldingsReferanse: string;
  contentSeed: number;
  kind: number;
  tjeneste: number;
  variant: number;
  count: number;
  sizes: number[];
  saksnr: string;
  journal: string;
  time: ZipTimestamp;
  /** Drawn last, so the draws before them stay what they were before `variety` existed. */
  varietyStatus: number;
  varietyCount: number;
  varietyCase: number;
}

/** Always the same draws in the same order, whatever the request sets, so one field never shifts the others. */
function draw(random: SeededRandom): Draws {
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(random.next() * 10)).join('');
  return {
    mottakId: random.uuid(),
    meldingsReferanse: random.uuid(),
    contentSeed: random.nextUint32(),
    kind: random.next(),
    tjeneste: random.next(),
    variant: random.next(),
    count: random.next(),
    // Sizes like the sample letters in pybrreg (22–160 KB).
    sizes: Array.from({ length: MAX_ATTACHMENTS }, () => 22_000 + Math.floor(random.next() * 138_000)),
    saksnr: digits(10),
    journal: digits(6),
    time: {
      year: 2026,
      month: 1 + Math.floor(random.next() * 12),
      day: 1 + Math.floor(random.next() * 28),
      hour: 7 + Math.floor(random.next() * 10),
      minute: Math.floor(random.next() * 60),
      second: Math.floor(random.next() * 60),
    },
    varietyStatus: random.next(),
    varietyCount: random.next(),
    varietyCase: random.next(),
  };
}

const KVITTERINGER = {
  ok: { status: 'OK', tekst: 'Mottatt til behandling', kode: 201 },
  // Texts and codes from pybrreg's samples (docs/peers/henvendelse.md §3).
  envelope: {
    status: 'Rejected',
    tekst: "Feil ved validering av konvolutt: cvc-elt.1: Cannot find the declaration of element 'ns1:Melding'.",
    kode: 200,
  },
  attachments: {
    status: 'Rejected',
    tekst: 'Følgende vedlegg skulle vært med, men er ikke lastet opp: \nVEDT\n',
    kode: 305,
  },
  // No sample shows these three; texts and codes are ours (docs/simulators/brreg.md).
  validation: { status: 'ValidationFailed', tekst: 'Innholdet i meldingen er ikke gyldig', kode: 300 },
  error: { status: 'UnExpectedError', tekst: 'En uventet feil oppstod ved mottak av meldingen', kode: 500 },
  notSet: { status: 'NotSet', tekst: '', kode: 0 },
} as const;
type Kvittering = (typeof KVITTERINGER)[keyof typeof KVITTERINGER];

function escapeInner(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function kvitteringXml(kvittering: Kvittering, referanse: string): string {
  return (
    '<Applikasjonskvittering xmlns="http://schema.brreg.no/postmottak/applikasjonskvittering">' +
    `<Status>${kvittering.status}</Status><StatusTekst>${escapeInner(kvittering.tekst)}</StatusTekst>` +
    `<StatusKode>${kvittering.kode}</StatusKode><MeldingsReferanse>${escapeInner(referanse)}</MeldingsReferanse>` +
    '</Applikasjonskvittering>'
  );
}

function chooseKind(request: PlanRequest, draws: Draws): ForsendelseKind {
  if (request.kind !== undefined) {
    return request.kind;
  }
  if (request.tjeneste === 'brpostmottak') {
    return 'svarmelding';
  }
  if (request.sizeBytes !== undefined || request.attachments !== undefined) {
    return 'vedtak';
  }
  return draws.kind < 0.4 ? 'svarmelding' : 'vedtak';
}

function chooseTjeneste(request: PlanRequest, kind: ForsendelseKind, draws: Draws): string {
  if (request.tjeneste !== undefined) {
    return request.tjeneste;
  }
  if (kind === 'svarmelding') {
    return draws.tjeneste < 0.5 ? 'brpostmottak' : 'intef';
  }
  return draws.tjeneste < 0.5 ? 'intef' : 'eting';
}

function chooseStatus(request: PlanRequest, draws: Draws): KvitteringStatus {
  if (request.kvitteringStatus !== undefined) {
    return request.kvitteringStatus;
  }
  if (request.variety) {
    return KVITTERING_STATUSES[Math.floor(draws.varietyStatus * KVITTERING_STATUSES.length)];
  }
  return draws.variant < 0.6 ? 'OK' : 'Rejected';
}

function svarmeldingInnhold(status: KvitteringStatus, tjeneste: string, referanse: string) {
  const byStatus: Record<KvitteringStatus, Kvittering> = {
    OK: KVITTERINGER.ok,
    Rejected: tjeneste === 'brpostmottak' ? KVITTERINGER.envelope : KVITTERINGER.attachments,
    ValidationFailed: KVITTERINGER.validation,
    UnExpectedError: KVITTERINGER.error,
    NotSet: KVITTERINGER.notSet,
  };
  return { format: 'XML', text: kvitteringXml(byStatus[status], referanse) };
}

interface VedtakStyle {
  innhold: { format: string; text: string };
  vedlegg: (index: number) => { type: string; navn: string };
}

function vedtakStyle(tjeneste: string, orgnr: string, draws: Draws): VedtakStyle {
  if (tjeneste === 'intef') {
    // Statuses and Vedlegg types from pybrreg's vedtak samples (A = avbrutt); G/I occur without Vedlegg types.
    const avbrutt = draws.variant < 0.5;
    const status = avbrutt ? { er: 'A', fv: 'A' } : { er: 'G', fv: 'I' };
    const text =
      '<IntegrasjonERFV_Vedtak xmlns="http://schema.brreg.no/intef/integrasjonERFV_Vedtak">' +
      `<SLsysId>1001</SLsysId><SLsysMeldingsId>${draws.journal}${draws.saksnr.slice(0, 3)}</SLsysMeldingsId>` +
      `<organisasjonsnummer>${orgnr}</organisasjonsnummer><ERSaksstatus>${status.er}</ERSaksstatus>` +
      `<FVSaksstatus>${status.fv}</FVSaksstatus></IntegrasjonERFV_Vedtak>`;
    return {
      innhold: { format: 'XML', text },
      vedlegg: (i) => ({ type: i === 0 ? 'FVAVBR' : 'AVBR', navn: avbrutt ? 'Avbrutt behandling' : 'Vedtak' }),
    };
  }
  if (tjeneste === 'eting') {
    const names = [
      { type: 'VEDTAK', navn: 'Vedtak om sletting' },
      { type: 'PAATEGNING', navn: 'Påtegnet slettedokument' },
    ];
    return {
      innhold: { format: 'TXT', text: 'Slettingen er registrert i Løsøreregisteret.' },
      vedlegg: (i) => names[i] ?? { type: 'VEDLEGG', navn: `Vedlegg ${i + 1}` },
    };
  }
  return {
    innhold: { format: 'TXT', text: `Vedtak i sak ${draws.time.year}/${draws.saksnr}.` },
    vedlegg: (i) => (i === 0 ? { type: 'VEDTAK', navn: 'Vedtak' } : { type: 'VEDLEGG', navn: `Vedlegg ${i + 1}` }),
  };
}

type PlanBase = Omit<ForsendelsePlan, 'attachments' | 'xmlSize' | 'totalSize' | 'forceZip64'>;

/** The entries of a streamed (stored) forsendelse, in order; the crafted shapes lay out their own. */
export function storedEntrySpecs(plan: ForsendelsePlan): { name: string; size: number }[] {
  const melding = plan.shapes.includes('no-melding') ? [] : [{ name: HENVENDELSE_FILE_NAME, size: plan.xmlSize }];
  return [...melding, ...plan.attachments.map((a) => ({ name: a.entryName, size: a.size }))];
}

export function isCrafted(plan: Pick<ForsendelsePlan, 'shapes'>): boolean {
  return plan.shapes.some((s) => !STREAMED_SHAPES.has(s));
}

function complete(base: PlanBase, attachments: AttachmentPlan[], forceZip64: boolean): ForsendelsePlan {
  const plan: ForsendelsePlan = { ...base, attachments, forceZip64, xmlSize: 0, totalSize: 0 };
  plan.xmlSize = henvendelseXmlSize(plan);
  if (isCrafted(plan)) {
    plan.totalSize = craftedForsendelseZip(plan).length;
    return plan;
  }
  plan.totalSize = layoutStoredZip(storedEntrySpecs(plan), forceZip64).totalSize;
  return plan;
}

function attachmentPlans(
  sizes: readonly number[],
  style: VedtakStyle,
  draws: Draws,
  settings: PlanSettings,
  shapes: readonly ForsendelseShape[],
): AttachmentPlan[] {
  return sizes.map((size, i) => {
    const { type, navn } = style.vedlegg(i);
    // Like the sample letters: <saksnr>-<seq>-<journalnr>.pdf
    let filnavn = `${draws.time.year}${draws.saksnr}-${String(i + 1).padStart(3, '0')}-${draws.time.year}${draws.journal}.pdf`;
    if (i === 0 && shapes.includes('latin1-name')) {
      filnavn = `Vedtak-særattest-${draws.saksnr}.pdf`;
    }
    return {
      filnavn,
      // A Windows tool that upper-cases the extension (pybrreg matches ignoring case for this reason).
      entryName: shapes.includes('entry-case-differs') ? filnavn.replace(/\.pdf$/, '.PDF') : filnavn,
      vedleggType: type,
      vedleggNavn: navn,
      size,
      withSjekksum: size <= settings.sjekksumMaxBytes || (i === 0 && shapes.includes('wrong-sjekksum')),
    };
  });
}

/**
 * Finds attachment sizes that make the ZIP exactly `target` bytes. The overhead depends a little on the sizes (a
 * sjekksum below the threshold, ZIP64 fields above 4 GiB), so the first attachment's size is iterated to a fixed
 * point; near the ZIP64 boundary there may be none, and forcing ZIP64 everywhere makes the overhead constant.
 */
function fitToSize(
  target: number,
  count: number,
  make: (sizes: number[], forceZip64: boolean) => ForsendelsePlan,
  draws: Draws,
  requestedZip64: boolean,
): ForsendelsePlan | undefined {
  for (const forceZip64 of requestedZip64 ? [true] : [false, true]) {
    const probe = make(
      Array.from({ length: count }, () => MIN_ATTACHMENT_SIZE),
      forceZip64,
    );
    const budget = target - (probe.totalSize - count * MIN_ATTACHMENT_SIZE);
    if (budget < count * MIN_ATTACHMENT_SIZE) {
      return undefined;
    }
    const share = Math.floor(budget / (2 * count));
    const others = draws.sizes.slice(1, count).map((s) => Math.max(MIN_ATTACHMENT_SIZE, Math.min(s, share)));
    let first = budget - others.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 12 && first >= MIN_ATTACHMENT_SIZE; i++) {
      const plan = make([first, ...others], forceZip64);
      const diff = target - plan.totalSize;
      if (diff === 0) {
        return plan;
      }
      first += diff;
    }
  }
  return undefined;
}

/** Turns a seed request into a plan; every choice the request leaves open is drawn from `random`. */
export function planForsendelse(request: PlanRequest, random: SeededRandom, settings: PlanSettings): ForsendelsePlan {
  const draws = draw(random);
  const kind = chooseKind(request, draws);
  const requested = new Set(request.shapes ?? []);
  if (request.variety && request.shapes === undefined && kind === 'vedtak' && draws.varietyCase < 0.25) {
    requested.add('entry-case-differs');
  }
  const shapes = FORSENDELSE_SHAPES.filter((s) => requested.has(s));
  const tjeneste = chooseTjeneste(request, kind, draws);
  const meldingsReferanse = request.meldingsReferanse ?? draws.meldingsReferanse;
  const base = {
    mottakId: (request.mottakId ?? draws.mottakId).toLowerCase(),
    listedMottakId: request.mottakId,
    orgnr: request.orgnr,
    kind,
    tjeneste,
    tjenestehandling: kind,
    meldingsReferanse,
    schemaLocation: tjeneste !== 'eting',
    contentSeed: draws.contentSeed,
    time: draws.time,
    shapes,
  };
  const crafted = isCrafted(base);
  if (crafted && (request.sizeBytes !== undefined || request.forceZip64)) {
    throw new PlanError(
      `shapes ${shapes.filter((s) => !STREAMED_SHAPES.has(s)).join(', ')} are built in memory: ` +
        'sizeBytes and forceZip64 do not apply to them',
    );
  }
  if (kind === 'svarmelding') {
    const needAttachment = shapes.filter((s) => NEEDS_ATTACHMENT.has(s));
    if (needAttachment.length > 0) {
      throw new PlanError(`a svarmelding carries no attachments, so shapes ${needAttachment.join(', ')} do not apply`);
    }
    if (request.sizeBytes !== undefined || request.attachments !== undefined) {
      throw new PlanError('a svarmelding carries no attachments, so sizeBytes and attachments do not apply to it');
    }
    const status = chooseStatus(request, draws);
    return complete(
      { ...base, kvitteringStatus: status, innhold: svarmeldingInnhold(status, tjeneste, meldingsReferanse) },
      [],
      request.forceZip64 ?? false,
    );
  }
  const style = vedtakStyle(tjeneste, request.orgnr, draws);
  const vedtakBase = { ...base, innhold: style.innhold };
  const make = (sizes: number[], forceZip64: boolean): ForsendelsePlan =>
    complete(vedtakBase, attachmentPlans(sizes, style, draws, settings, shapes), forceZip64);
  const count =
    request.attachments ??
    (request.variety ? 1 + Math.floor(draws.varietyCount * MAX_ATTACHMENTS) : 1 + Math.floor(draws.count * 3));
  if (request.sizeBytes === undefined) {
    return make(draws.sizes.slice(0, count), request.forceZip64 ?? false);
  }
  const smallest = request.attachments ?? 1;
  for (let n = count; n >= smallest; n--) {
    const plan = fitToSize(request.sizeBytes, n, make, draws, request.forceZip64 ?? false);
    if (plan) {
      return plan;
    }
  }
  const minimum = make(
    Array.from({ length: smallest }, () => MIN_ATTACHMENT_SIZE),
    request.forceZip64 ?? false,
  ).totalSize;
  throw new PlanError(
    `sizeBytes ${request.sizeBytes} is too small for a vedtak with ${smallest} attachment(s); the minimum is ${minimum}`,
  );
}
