import { X509Certificate } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { listen } from '../common/http-server';
import { createSimulatorApp, finishSimulatorApp } from '../common/simulator-app';
import { AccessTokenSigner } from './access-token.signer';
import { ClientRegistry, loadKeysDir, type RegisteredClient } from './client.registry';
import { maskinportenControlRoutes } from './maskinporten-control.routes';
import {
  MASKINPORTEN_SIM_DEFAULTS,
  MAX_TOKEN_EXPIRES_IN,
  maskinportenOptionsFromEnv,
  type MaskinportenSimulatorOptions,
} from './maskinporten-sim.options';
import { maskinportenRoutes, springError } from './maskinporten.routes';
import { MaskinportenState } from './maskinporten.state';
import { mintCertificateAuthority } from './test-keys';

export { maskinportenOptionsFromEnv, type MaskinportenSimulatorOptions };

export interface MaskinportenSimulator {
  /** Where it listens, no trailing slash, e.g. `http://127.0.0.1:8082`. */
  url: string;
  port: number;
  /** The issuer and the grant's required `aud` (default `${url}/`). */
  issuer: string;
  /** `${url}/jwk` and `${url}/token`: reachable addresses (the metadata document derives its own from the issuer). */
  jwksUrl: string;
  tokenUrl: string;
  close(): Promise<void>;
}

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65_535),
  host: z.string().min(1),
  issuer: z.url({ protocol: /^https?$/ }).optional(),
  tokenExpiresIn: z.number().int().min(1).max(MAX_TOKEN_EXPIRES_IN),
  seed: z.number().int(),
  keysDir: z.string().min(1).optional(),
  clockSkewSeconds: z.number().int(),
});

/**
 * Starts a Maskinporten that verifies JWT-bearer grants as the real one does and issues RS256 access
 * tokens that resource servers (the Brreg simulator) verify against its /jwk.
 */
export async function startMaskinportenSimulator(
  options: Partial<MaskinportenSimulatorOptions> = {},
): Promise<MaskinportenSimulator> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const parsed = optionsSchema.safeParse({ ...MASKINPORTEN_SIM_DEFAULTS, ...defined });
  if (!parsed.success) {
    throw new Error(`Invalid Maskinporten simulator options: ${z.prettifyError(parsed.error)}`);
  }
  const opts = parsed.data;

  const [baseline, signer] = await Promise.all([loadBaseline(opts.keysDir), AccessTokenSigner.create()]);
  const state = new MaskinportenState(new ClientRegistry(baseline.clients, baseline.cas), {
    seed: opts.seed,
    clockSkewSeconds: opts.clockSkewSeconds,
    tokenExpiresIn: opts.tokenExpiresIn,
  });

  const respondServerError = (_req: Request, res: Response): void => {
    res.status(500).json({
      error: 'server_error',
      error_description: `An unexpected error occurred (trace_id: ${state.traceId()})`,
    });
  };
  let issuer = opts.issuer ?? '';
  const { app, faults } = createSimulatorApp({ seed: opts.seed, respondServerError, onReset: () => state.reset() });
  app.use('/_sim', maskinportenControlRoutes(state));
  app.use(maskinportenRoutes({ state, signer, issuer: () => issuer }));
  finishSimulatorApp(app, {
    respondNotFound: (req, res) => {
      res.status(404).json(springError(404, 'Not Found', req.path));
    },
    respondServerError,
  });

  const listening = await listen(app, opts.port, opts.host, () => faults.releaseHung());
  // Set before any request can be handled: this continuation runs before the next I/O callback.
  issuer = opts.issuer ?? `${listening.url}/`;
  return {
    url: listening.url,
    port: listening.port,
    issuer,
    jwksUrl: `${listening.url}/jwk`,
    tokenUrl: `${listening.url}/token`,
    close: () => listening.close(),
  };
}

/** The clients and CAs that `reset` returns to: those of keysDir, or an in-memory CA and no clients. */
async function loadBaseline(
  keysDir: string | undefined,
): Promise<{ clients: RegisteredClient[]; cas: X509Certificate[] }> {
  if (keysDir) {
    return loadKeysDir(keysDir);
  }
  const ca = await mintCertificateAuthority('Simulert Maskinporten CA (in memory)');
  return { clients: [], cas: [new X509Certificate(ca.certPem)] };
}
