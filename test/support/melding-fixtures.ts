/** Meldinger as Brreg writes them (docs/peers/henvendelse.md §4), for tests of the reader and the forward. */
export const SVARMELDING_OK_KVITTERING =
  '&lt;Applikasjonskvittering xmlns="http://schema.brreg.no/postmottak/applikasjonskvittering"&gt;&lt;Status&gt;OK&lt;/Status&gt;&lt;StatusTekst&gt;Mottatt til behandling&lt;/StatusTekst&gt;&lt;StatusKode&gt;201&lt;/StatusKode&gt;&lt;MeldingsReferanse&gt;9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14&lt;/MeldingsReferanse&gt;&lt;/Applikasjonskvittering&gt;';

export function svarmelding(kvittering = SVARMELDING_OK_KVITTERING, tjeneste = 'brpostmottak'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Melding xmlns="http://schema.brreg.no/postmottak/henvendelse" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="3c9e1d52-8a47-4f0b-b6d2-7e15a0c4f981" tjeneste="${tjeneste}" tjenestehandling="svarmelding" versjon="4.0" xsi:schemaLocation="http://schema.brreg.no/postmottak/henvendelse melding_4.0.xsd">
  <Mottaker id="311000012" idType="Organisasjonsnummer"/>
  <Avsender id="974760673" idType="Organisasjonsnummer"/>
  <Referanse referanse="9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14" referanseType="MeldingsReferanse"/>
  <Innhold>
    <Data format="XML">${kvittering}</Data>
  </Innhold>
</Melding>`;
}

export const REJECTED_KVITTERING =
  '&lt;Applikasjonskvittering xmlns="http://schema.brreg.no/postmottak/applikasjonskvittering"&gt;&lt;Status&gt;Rejected&lt;/Status&gt;&lt;StatusTekst&gt;Vedlegg mangler&lt;/StatusTekst&gt;&lt;StatusKode&gt;305&lt;/StatusKode&gt;&lt;MeldingsReferanse&gt;9d2f6b1e-40c3-4e8a-a5f7-0b6c3d8e2a14&lt;/MeldingsReferanse&gt;&lt;HenvendelsesReferanse&gt;H-77&lt;/HenvendelsesReferanse&gt;&lt;/Applikasjonskvittering&gt;';

export interface FixtureVedlegg {
  navn: string;
  filnavn: string;
  referanse?: string;
  sjekksum?: string;
}

export function vedtak(vedlegg: FixtureVedlegg[], tjeneste = 'eting'): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Melding xmlns="http://schema.brreg.no/postmottak/henvendelse" id="6e0b7c3a-2d19-4f5e-9c81-a4b7d2e0f365" tjeneste="${tjeneste}" tjenestehandling="vedtak" versjon="4.0">
  <Mottaker id="311000012" idType="Organisasjonsnummer"/>
  <Avsender id="974760673" idType="Organisasjonsnummer"/>
  <Referanse referanse="2b8e4f71-5c0a-4d93-8e6b-f1a3c7d9e052" referanseType="MeldingsReferanse"/>
  <Innhold>
    <Data format="TXT">Slettingen er registrert i Løsøreregisteret.</Data>
  </Innhold>
${vedlegg
  .map(
    (v, i) => `  <Vedlegg type="VEDTAK${i}" navn="${esc(v.navn)}">
    <Vedleggsdel sekvensnr="1" filnavn="${esc(v.filnavn)}">
      <DataRef referanse="${esc(v.referanse ?? v.filnavn)}" format="PDF"${v.sjekksum ? ` sjekksum="${v.sjekksum}"` : ''}/>
    </Vedleggsdel>
  </Vedlegg>`,
  )
  .join('\n')}
</Melding>`;
}

export const THREE_PDFS: FixtureVedlegg[] = [
  { navn: 'Vedtak om sletting', filnavn: '20260000123456-001-2026031201.pdf' },
  { navn: 'Påtegnet slettedokument', filnavn: '20260000123456-002-2026031201.pdf' },
  { navn: 'Gebyrfaktura', filnavn: '20260000123456-003-2026031201.pdf' },
];
