import { z } from 'zod';
import type { Kvittering, Melding } from './melding.reader';

export const BRREG_ORGNR = '974760673';
export const BRREG_NAME = 'Brønnøysundregistrene';

/**
 * Readable names and title templates (EFM_TITLES overrides entries). Templates may use {avsender},
 * {tjeneste} (the readable name, else the raw code) and {tjenestehandling}. Codes are compared ignoring case
 * (henvendelse.md §5).
 */
export const titleTableSchema = z
  .object({
    tjenester: z.record(z.string().min(1), z.string().min(1).max(200)).default({}),
    handlinger: z.record(z.string().min(1), z.string().min(1).max(200)).default({}),
  })
  .strict();
export type TitleTable = z.infer<typeof titleTableSchema>;

export const DEFAULT_TITLES: TitleTable = {
  tjenester: {
    eting: 'Løsøreregisteret',
    intef: 'Enhetsregisteret',
    brpostmottak: 'elektronisk mottak',
  },
  handlinger: {
    vedtak: 'Vedtak fra {avsender} ({tjeneste})',
    svarmelding: 'Svar fra {avsender} ({tjeneste})',
  },
};
const UNKNOWN_HANDLING = 'Melding fra {avsender}: {tjenestehandling} ({tjeneste})';

const STATUS_LABELS: Record<Kvittering['status'], string> = {
  OK: 'Mottatt',
  Rejected: 'Avvist',
  ValidationFailed: 'Validering feilet',
  UnExpectedError: 'Uventet feil',
  NotSet: 'Uten status',
};

/** The configured table on top of the defaults: a configured entry wins, the rest stay. */
export function mergeTitles(override: TitleTable | undefined): TitleTable {
  const lower = (r: Record<string, string>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    tjenester: { ...DEFAULT_TITLES.tjenester, ...lower(override?.tjenester ?? {}) },
    handlinger: { ...DEFAULT_TITLES.handlinger, ...lower(override?.handlinger ?? {}) },
  };
}

export function avsenderName(id: string): string {
  return id === BRREG_ORGNR ? BRREG_NAME : `organisasjonsnummer ${id}`;
}

/**
 * The journalpost's title. A svarmelding carrying an Applikasjonskvittering says what the kvittering says
 * ("Kvittering fra Brønnøysundregistrene: Mottatt til behandling"; a rejection names its status and code);
 * otherwise the tjenestehandling's template. Public (offentligTittel): built from codes and Brreg's status
 * text only, never from the Data of a vedtak.
 */
export function titleOf(melding: Melding, kvittering: Kvittering | undefined, table: TitleTable): string {
  const avsender = avsenderName(melding.avsender.id);
  if (kvittering) {
    const label = STATUS_LABELS[kvittering.status];
    const tekst = kvittering.statusTekst;
    return kvittering.status === 'OK'
      ? `Kvittering fra ${avsender}: ${tekst || label}`
      : `Kvittering fra ${avsender}: ${label}${tekst ? ` – ${tekst}` : ''} (kode ${kvittering.statusKode})`;
  }
  const template = table.handlinger[melding.tjenestehandling.toLowerCase()] ?? UNKNOWN_HANDLING;
  const values: Record<string, string> = {
    avsender,
    tjeneste: table.tjenester[melding.tjeneste.toLowerCase()] ?? melding.tjeneste,
    tjenestehandling: melding.tjenestehandling,
  };
  return template.replace(/\{(avsender|tjeneste|tjenestehandling)\}/g, (_, key: string) => values[key]);
}
