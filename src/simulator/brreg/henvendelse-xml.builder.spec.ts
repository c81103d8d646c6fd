import { buildHenvendelseXml, henvendelseXmlSize } from './henvendelse-xml.builder';
import type { ForsendelsePlan } from './forsendelse.plan';

// The two example documents of docs/peers/henvendelse.md §4, which pass xmllint against Brreg's XSD.
const EXAMPLE_A = `<?xml version="1.0" encoding="UTF-8"?>
<Melding xmlns="http://schema.brreg.no/postmottak/henvendelse" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="3c9e1d52-8a47-4f0b-b6d2-7e15a0c4f981" tjeneste="brpostmottak" tjenestehandling="svarmelding" versjon="4.0" xsi:schemaLocation="http://schema.brreg.no/postmottak/henvendelse melding_4.0.xsd">
  <Mottaker id="311000012" idType="Organisasjonsnummer"/>
  <Avsender id="974760673" idType="Organisasjonsnummer"/>
  <Referanse referanse="9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14" referanseType="MeldingsReferanse"/>
  <Innhold>
    <Data format="XML">&lt;Applikasjonskvittering xmlns="http://schema.brreg.no/postmottak/applikasjonskvittering"&gt;&lt;Status&gt;OK&lt;/Status&gt;&lt;StatusTekst&gt;Mottatt til behandling&lt;/StatusTekst&gt;&lt;StatusKode&gt;201&lt;/StatusKode&gt;&lt;MeldingsReferanse&gt;9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14&lt;/MeldingsReferanse&gt;&lt;/Applikasjonskvittering&gt;</Data>
  </Innhold>
</Melding>`;

const EXAMPLE_B = `<?xml version="1.0" encoding="UTF-8"?>
<Melding xmlns="http://schema.brreg.no/postmottak/henvendelse" id="6e0b7c3a-2d19-4f5e-9c81-a4b7d2e0f365" tjeneste="eting" tjenestehandling="vedtak" versjon="4.0">
  <Mottaker id="311000012" idType="Organisasjonsnummer"/>
  <Avsender id="974760673" idType="Organisasjonsnummer"/>
  <Referanse referanse="2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052" referanseType="MeldingsReferanse"/>
  <Innhold>
    <Data format="TXT">Slettingen er registrert i Løsøreregisteret.</Data>
  </Innhold>
  <Vedlegg type="VEDTAK" navn="Vedtak om sletting">
    <Vedleggsdel sekvensnr="1" filnavn="20260000123456-001-2026031201.pdf">
      <DataRef referanse="20260000123456-001-2026031201.pdf" format="PDF" sjekksum="9E107D9D372BB6826BD81D3542A419D6"/>
    </Vedleggsdel>
  </Vedlegg>
  <Vedlegg type="PAATEGNING" navn="Påtegnet slettedokument">
    <Vedleggsdel sekvensnr="1" filnavn="20260000123456-002-2026031201.pdf">
      <DataRef referanse="20260000123456-002-2026031201.pdf" format="PDF" sjekksum="E4D909C290D0FB1CA068FFADDF22CBD0"/>
    </Vedleggsdel>
  </Vedlegg>
</Melding>`;

function aPlan(overrides: Partial<ForsendelsePlan>): ForsendelsePlan {
  return {
    mottakId: '3c9e1d52-8a47-4f0b-b6d2-7e15a0c4f981',
    orgnr: '311000012',
    kind: 'svarmelding',
    tjeneste: 'brpostmottak',
    tjenestehandling: 'svarmelding',
    meldingsReferanse: '9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14',
    schemaLocation: true,
    innhold: {
      format: 'XML',
      text:
        '<Applikasjonskvittering xmlns="http://schema.brreg.no/postmottak/applikasjonskvittering"><Status>OK</Status>' +
        '<StatusTekst>Mottatt til behandling</StatusTekst><StatusKode>201</StatusKode>' +
        '<MeldingsReferanse>9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14</MeldingsReferanse></Applikasjonskvittering>',
    },
    attachments: [],
    contentSeed: 1,
    time: { year: 2026, month: 3, day: 12, hour: 10, minute: 0, second: 0 },
    forceZip64: false,
    shapes: [],
    xmlSize: 0,
    totalSize: 0,
    ...overrides,
  };
}

const ETING = aPlan({
  mottakId: '6e0b7c3a-2d19-4f5e-9c81-a4b7d2e0f365',
  kind: 'vedtak',
  tjeneste: 'eting',
  tjenestehandling: 'vedtak',
  meldingsReferanse: '2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052',
  schemaLocation: false,
  innhold: { format: 'TXT', text: 'Slettingen er registrert i Løsøreregisteret.' },
  attachments: [
    {
      filnavn: '20260000123456-001-2026031201.pdf',
      entryName: '20260000123456-001-2026031201.pdf',
      vedleggType: 'VEDTAK',
      vedleggNavn: 'Vedtak om sletting',
      size: 1000,
      withSjekksum: true,
    },
    {
      filnavn: '20260000123456-002-2026031201.pdf',
      entryName: '20260000123456-002-2026031201.pdf',
      vedleggType: 'PAATEGNING',
      vedleggNavn: 'Påtegnet slettedokument',
      size: 1000,
      withSjekksum: true,
    },
  ],
});

describe('buildHenvendelseXml', () => {
  it('writes the svarmelding of example (a) byte for byte', () => {
    expect(buildHenvendelseXml(aPlan({}), []).toString('utf8')).toBe(EXAMPLE_A);
  });

  it('writes the vedtak of example (b) byte for byte, in UTF-8 without a BOM', () => {
    const xml = buildHenvendelseXml(ETING, ['9E107D9D372BB6826BD81D3542A419D6', 'E4D909C290D0FB1CA068FFADDF22CBD0']);
    expect(xml.toString('utf8')).toBe(EXAMPLE_B);
    expect(xml.length).toBe(Buffer.byteLength(EXAMPLE_B, 'utf8'));
    expect(xml[0]).toBe('<'.charCodeAt(0));
  });

  it('knows its size before the MD5s are known', () => {
    expect(henvendelseXmlSize(ETING)).toBe(Buffer.byteLength(EXAMPLE_B, 'utf8'));
  });

  it('leaves sjekksum out where the plan says so, and refuses a mismatch', () => {
    const plan = { ...ETING, attachments: ETING.attachments.map((a) => ({ ...a, withSjekksum: false })) };
    const xml = buildHenvendelseXml(plan, [undefined, undefined]).toString('utf8');
    expect(xml).toContain('<DataRef referanse="20260000123456-001-2026031201.pdf" format="PDF"/>');
    expect(() => buildHenvendelseXml(plan, ['9E107D9D372BB6826BD81D3542A419D6', undefined])).toThrow();
  });
});
