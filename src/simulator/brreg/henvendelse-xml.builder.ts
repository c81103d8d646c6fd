import type { ForsendelsePlan } from './forsendelse.plan';

/** The entry name Brreg's documentation gives the metadata file (sic; docs/peers/henvendelse.md §1). */
export const HENVENDELSE_FILE_NAME = 'hendvendelse.xml';
export const HENVENDELSE_NAMESPACE = 'http://schema.brreg.no/postmottak/henvendelse';
export const BRREG_ORGNR = '974760673';
export const SJEKKSUM_LENGTH = 32;

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;');
}

/** Vedlegg a shape adds to the Melding beyond the plan's attachments: one with no entry, one whose entry is a bomb. */
export function extraVedlegg(plan: ForsendelsePlan): { filnavn: string; navn: string }[] {
  const tag = plan.mottakId.slice(0, 8);
  return [
    ...(plan.shapes.includes('missing-entry') ? [{ filnavn: `mangler-${tag}.pdf`, navn: 'Vedlegg som mangler' }] : []),
    ...(plan.shapes.includes('zip-bomb') ? [{ filnavn: `bilag-${tag}.pdf`, navn: 'Bilag' }] : []),
  ];
}

/** A DOCTYPE an XML parser must refuse (or at least not expand), and the reference that would use it. */
function hostileDoctype(plan: ForsendelsePlan): { doctype: string; reference: string } | undefined {
  if (plan.shapes.includes('xxe')) {
    return { doctype: '<!DOCTYPE Melding [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>', reference: '&xxe;' };
  }
  if (plan.shapes.includes('billion-laughs')) {
    const levels = ['  <!ENTITY lol0 "lol">'];
    for (let i = 1; i <= 9; i++) {
      levels.push(`  <!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    }
    return { doctype: `<!DOCTYPE Melding [\n${levels.join('\n')}\n]>`, reference: '&lol9;' };
  }
  return undefined;
}

/**
 * `hendvendelse.xml` for a forsendelse: henvendelse v4.0 `Melding` with the default namespace and the children in the
 * schema's order (Mottaker, Avsender, Referanse, Innhold, Vedlegg), laid out like docs/peers/henvendelse.md §4.
 * `sjekksums[i]` is attachment i's MD5 (upper-case hex) or undefined where the plan leaves it out; any 32-character
 * placeholder gives the same length, which is how the size is known before the MD5s are.
 */
export function buildHenvendelseXml(plan: ForsendelsePlan, sjekksums: readonly (string | undefined)[]): Buffer {
  const rootAttributes = plan.schemaLocation
    ? `xmlns="${HENVENDELSE_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`
    : `xmlns="${HENVENDELSE_NAMESPACE}"`;
  const schemaLocation = plan.schemaLocation ? ` xsi:schemaLocation="${HENVENDELSE_NAMESPACE} melding_4.0.xsd"` : '';
  const hostile = hostileDoctype(plan);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    ...(hostile === undefined ? [] : [hostile.doctype]),
    `<Melding ${rootAttributes} id="${escapeAttribute(plan.mottakId)}" tjeneste="${escapeAttribute(plan.tjeneste)}" ` +
      `tjenestehandling="${escapeAttribute(plan.tjenestehandling)}" versjon="4.0"${schemaLocation}>`,
    `  <Mottaker id="${escapeAttribute(plan.orgnr)}" idType="Organisasjonsnummer"/>`,
    `  <Avsender id="${BRREG_ORGNR}" idType="Organisasjonsnummer"/>`,
    `  <Referanse referanse="${escapeAttribute(plan.meldingsReferanse)}" referanseType="MeldingsReferanse"/>`,
    '  <Innhold>',
    `    <Data format="${escapeAttribute(plan.innhold.format)}">${hostile?.reference ?? ''}${escapeText(plan.innhold.text)}</Data>`,
    '  </Innhold>',
  ];
  plan.attachments.forEach((a, i) => {
    const sjekksum = sjekksums[i];
    if (
      a.withSjekksum !== (sjekksum !== undefined) ||
      (sjekksum !== undefined && sjekksum.length !== SJEKKSUM_LENGTH)
    ) {
      throw new Error(`sjekksum for ${a.filnavn} does not match the plan`);
    }
    const sjekksumAttribute = sjekksum === undefined ? '' : ` sjekksum="${sjekksum}"`;
    lines.push(
      `  <Vedlegg type="${escapeAttribute(a.vedleggType)}" navn="${escapeAttribute(a.vedleggNavn)}">`,
      `    <Vedleggsdel sekvensnr="1" filnavn="${escapeAttribute(a.filnavn)}">`,
      `      <DataRef referanse="${escapeAttribute(a.filnavn)}" format="PDF"${sjekksumAttribute}/>`,
      '    </Vedleggsdel>',
      '  </Vedlegg>',
    );
  });
  for (const extra of extraVedlegg(plan)) {
    lines.push(
      `  <Vedlegg type="VEDLEGG" navn="${escapeAttribute(extra.navn)}">`,
      `    <Vedleggsdel sekvensnr="1" filnavn="${escapeAttribute(extra.filnavn)}">`,
      `      <DataRef referanse="${escapeAttribute(extra.filnavn)}" format="PDF"/>`,
      '    </Vedleggsdel>',
      '  </Vedlegg>',
    );
  }
  lines.push('</Melding>');
  // UTF-8 without a BOM, like every sample.
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** The XML's size before the MD5s are known. */
export function henvendelseXmlSize(plan: ForsendelsePlan): number {
  return buildHenvendelseXml(
    plan,
    plan.attachments.map((a) => (a.withSjekksum ? '0'.repeat(SJEKKSUM_LENGTH) : undefined)),
  ).length;
}
