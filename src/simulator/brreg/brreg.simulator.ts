import { finishSimulatorApp, createSimulatorApp } from '../common/simulator-app';
import { listen } from '../common/http-server';
import { RequestObserver, type RequestListener } from '../common/request-observer';
import { brregOperation } from './brreg-operations';
import { respondBrregServerError, respondSpringError } from './brreg.errors';
import { brregRouter } from './brreg.routes';
import { BrregState, type SeedRequest } from './brreg.state';
import type { ForsendelsePlan } from './forsendelse.plan';
import { brregControlRouter } from './brreg-control.routes';
import { resolveBrregOptions, type BrregSimulatorOptions } from './brreg-sim.options';
import { BrregTokenVerifier } from './brreg-token.verifier';

export { brregOptionsFromEnv, BRREG_SIM_DEFAULTS, type BrregSimulatorOptions } from './brreg-sim.options';

export interface BrregSimulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8081`. */
  url: string;
  /** What the bridge calls BRREG_BASE_URL: `${url}/outbound`. */
  outboundUrl: string;
  port: number;
  /** In-process only: called at each phase of a download, confirm or available call (request-observer.ts). */
  onRequest(listener: RequestListener): () => void;
  /**
   * In-process seeding, the same as `POST /_sim/forsendelser` (orgnr defaults to 311000012, count to 1); returns the
   * plans (mottakId, kind, shapes, sizes…). Throws SeedError where the control API answers 400.
   */
  seed(request: Partial<SeedRequest>): ForsendelsePlan[];
  close(): Promise<void>;
}

/** Starts the Brreg mottak simulator (docs/simulators/brreg.md). */
export async function startBrregSimulator(options: Partial<BrregSimulatorOptions> = {}): Promise<BrregSimulator> {
  const resolved = resolveBrregOptions(options);
  const state = new BrregState({
    seed: resolved.seed,
    confirmDelayMs: resolved.confirmDelayMs,
    sjekksumMaxBytes: resolved.sjekksumMaxBytes,
    omitContentLength: resolved.omitContentLength,
    legacyAvailableFields: resolved.legacyAvailableFields,
  });
  const verifier = new BrregTokenVerifier(
    {
      jwksUrl: new URL(`${resolved.maskinportenUrl}/jwk`),
      issuer: resolved.maskinportenIssuer,
      scope: resolved.scope,
      jwksCooldownMs: resolved.jwksCooldownMs,
    },
    state.revocation,
  );
  const { app } = createSimulatorApp({
    seed: resolved.seed,
    respondServerError: respondBrregServerError,
    onReset: () => state.reset(),
  });
  const observer = new RequestObserver(brregOperation);
  app.use(observer.middleware());
  app.use('/_sim', brregControlRouter(state));
  app.use(brregRouter({ state, verifier }));
  finishSimulatorApp(app, {
    respondNotFound: (req, res) => respondSpringError(req, res, 404),
    respondServerError: respondBrregServerError,
  });
  const server = await listen(app, resolved.port, resolved.host, () => state.releaseHungDownloads());
  return {
    url: server.url,
    outboundUrl: `${server.url}/outbound`,
    port: server.port,
    onRequest: (listener) => observer.onRequest(listener),
    seed: (request) => state.seed({ orgnr: '311000012', count: 1, ...request }).map((r) => r.plan),
    close: () => server.close(),
  };
}
