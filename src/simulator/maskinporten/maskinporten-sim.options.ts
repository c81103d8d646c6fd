import { z } from 'zod';
import { intFromString, parseSimEnv, seedFromString } from '../common/sim-env';

export interface MaskinportenSimulatorOptions {
  /** 0 = an ephemeral port. */
  port: number;
  host: string;
  /**
   * The issuer, which is also the `aud` a grant must carry, exactly. Default `${url}/` (with the trailing
   * slash, as the real `https://maskinporten.no/`). The metadata document derives its endpoints from it.
   */
  issuer?: string;
  /** `expires_in` of issued tokens, seconds, unless the client has its own. */
  tokenExpiresIn: number;
  seed: number;
  /** A directory written by `mintTestKeys`: its `ca.pem` is trusted and its `clients.json` registered. */
  keysDir?: string;
  /** Offset of the simulator's clock from the machine's, seconds (the ±10 s `iat` rule is checked against it). */
  clockSkewSeconds: number;
}

export const MASKINPORTEN_SIM_DEFAULTS: MaskinportenSimulatorOptions = {
  port: 8082,
  host: '127.0.0.1',
  tokenExpiresIn: 120,
  seed: 1,
  clockSkewSeconds: 0,
};

/** A day is far beyond any real Maskinporten token, but lets tests model long-lived tokens. */
export const MAX_TOKEN_EXPIRES_IN = 86_400;

const envSchema = z.object({
  SIM_MASKINPORTEN_PORT: intFromString(0, 65_535).optional(),
  SIM_MASKINPORTEN_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  SIM_MASKINPORTEN_EXPIRES_IN: intFromString(1, MAX_TOKEN_EXPIRES_IN).optional(),
  SIM_KEYS_DIR: z.string().min(1).optional(),
  SIM_SEED: seedFromString.optional(),
});

/**
 * Reads the simulator's variables; an empty variable counts as unset. Throws one error naming every bad
 * variable, so a typo stops the simulator at start-up rather than changing its behaviour.
 */
export function maskinportenOptionsFromEnv(
  env: Record<string, string | undefined>,
): Partial<MaskinportenSimulatorOptions> {
  const v = parseSimEnv(envSchema, env, 'Maskinporten');
  const options: Partial<MaskinportenSimulatorOptions> = {};
  if (v.SIM_MASKINPORTEN_PORT !== undefined) {
    options.port = v.SIM_MASKINPORTEN_PORT;
  }
  if (v.SIM_MASKINPORTEN_ISSUER !== undefined) {
    options.issuer = v.SIM_MASKINPORTEN_ISSUER;
  }
  if (v.SIM_MASKINPORTEN_EXPIRES_IN !== undefined) {
    options.tokenExpiresIn = v.SIM_MASKINPORTEN_EXPIRES_IN;
  }
  if (v.SIM_KEYS_DIR !== undefined) {
    options.keysDir = v.SIM_KEYS_DIR;
  }
  if (v.SIM_SEED !== undefined) {
    options.seed = v.SIM_SEED;
  }
  return options;
}
