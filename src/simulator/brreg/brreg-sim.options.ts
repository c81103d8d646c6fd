import { z } from 'zod';
import { booleanFromString, intFromString, parseSimEnv, seedFromString } from '../common/sim-env';

export interface BrregSimulatorOptions {
  /** 0 = an ephemeral port. */
  port: number;
  host: string;
  /** Base URL of Maskinporten; its JWKS is read from `${maskinportenUrl}/jwk`. */
  maskinportenUrl: string;
  /** The `iss` every access token must carry. Default `${maskinportenUrl}/`. */
  maskinportenIssuer?: string;
  /** The scope a token must include. */
  scope: string;
  seed: number;
  /** Default for every download (a forsendelse may override it): send chunked, without `Content-Length`. */
  omitContentLength: boolean;
  /**
   * How long a confirm holds its optimistic lock: a second confirm of the same id inside this window gets 500
   * ERROR-00005, as two simultaneous confirms do at Brreg.
   */
  confirmDelayMs: number;
  /**
   * Attachments up to this size carry `sjekksum` (MD5) in hendvendelse.xml; larger ones leave the optional attribute
   * out, because the MD5 would cost a full pass over the bytes before the first byte could be sent.
   */
  sjekksumMaxBytes: number;
  /** Minimum time between two JWKS fetches triggered by an unknown `kid` (jose's default, like Nimbus's 30 s). */
  jwksCooldownMs: number;
  /** Also return `version`, `orgnr` and `dokumentId` from /available, as older Brreg revisions did. */
  legacyAvailableFields: boolean;
}

export const BRREG_SIM_DEFAULTS: BrregSimulatorOptions = {
  port: 8081,
  host: '127.0.0.1',
  maskinportenUrl: 'http://127.0.0.1:8082',
  scope: 'brreg:mottak',
  seed: 1,
  omitContentLength: false,
  confirmDelayMs: 50,
  sjekksumMaxBytes: 64 * 1024 * 1024,
  jwksCooldownMs: 30_000,
  legacyAvailableFields: false,
};

/** The defaults with `options` on top, and the issuer derived when not given. */
export function resolveBrregOptions(
  options: Partial<BrregSimulatorOptions>,
): BrregSimulatorOptions & { maskinportenIssuer: string } {
  const merged = { ...BRREG_SIM_DEFAULTS, ...stripUndefined(options) };
  const maskinportenUrl = merged.maskinportenUrl.replace(/\/+$/, '');
  return { ...merged, maskinportenUrl, maskinportenIssuer: merged.maskinportenIssuer ?? `${maskinportenUrl}/` };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const envSchema = z.object({
  SIM_BRREG_PORT: intFromString(0, 65_535).optional(),
  SIM_BRREG_HOST: z.string().min(1).optional(),
  SIM_MASKINPORTEN_URL: z.url({ protocol: /^https?$/ }).optional(),
  SIM_MASKINPORTEN_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  SIM_SEED: seedFromString.optional(),
  SIM_BRREG_OMIT_CONTENT_LENGTH: booleanFromString.optional(),
});

/**
 * Reads the simulator's variables; an empty variable counts as unset. Throws one error naming every bad variable, so
 * a typo stops the simulator at start-up rather than changing its behaviour.
 */
export function brregOptionsFromEnv(env: Record<string, string | undefined>): Partial<BrregSimulatorOptions> {
  const v = parseSimEnv(envSchema, env, 'Brreg');
  return stripUndefined({
    port: v.SIM_BRREG_PORT,
    host: v.SIM_BRREG_HOST,
    maskinportenUrl: v.SIM_MASKINPORTEN_URL,
    maskinportenIssuer: v.SIM_MASKINPORTEN_ISSUER,
    seed: v.SIM_SEED,
    omitContentLength: v.SIM_BRREG_OMIT_CONTENT_LENGTH,
  });
}
