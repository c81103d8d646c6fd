import { startBrregSimulator, type BrregSimulator, type BrregSimulatorOptions } from './brreg/brreg.simulator';
import {
  startIntegrasjonspunktSimulator,
  type IntegrasjonspunktSimulator,
} from './integrasjonspunkt/integrasjonspunkt.simulator';
import type { IntegrasjonspunktSimulatorOptions } from './integrasjonspunkt/integrasjonspunkt-sim.options';
import {
  startMaskinportenSimulator,
  type MaskinportenSimulator,
  type MaskinportenSimulatorOptions,
} from './maskinporten/maskinporten.simulator';

export interface SimulatorSet {
  maskinporten: MaskinportenSimulator;
  brreg: BrregSimulator;
  integrasjonspunkt: IntegrasjonspunktSimulator;
  close(): Promise<void>;
}

export interface SimulatorSetOptions {
  maskinporten?: Partial<MaskinportenSimulatorOptions>;
  brreg?: Partial<BrregSimulatorOptions>;
  integrasjonspunkt?: Partial<IntegrasjonspunktSimulatorOptions>;
}

/** All three, wired: Brreg verifies tokens against this Maskinporten's JWKS. Used by the CLI, tests and benches. */
export async function startSimulators(options: SimulatorSetOptions = {}): Promise<SimulatorSet> {
  const maskinporten = await startMaskinportenSimulator(options.maskinporten ?? {});
  const brreg = await startBrregSimulator({
    ...options.brreg,
    maskinportenUrl: maskinporten.url,
    maskinportenIssuer: maskinporten.issuer,
  });
  const integrasjonspunkt = await startIntegrasjonspunktSimulator(options.integrasjonspunkt ?? {});
  return {
    maskinporten,
    brreg,
    integrasjonspunkt,
    close: async () => {
      await Promise.all([integrasjonspunkt.close(), brreg.close(), maskinporten.close()]);
    },
  };
}
