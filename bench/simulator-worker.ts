/**
 * One simulator in a process of its own, for benches that must tell the simulators' CPU from the bridge's:
 * `brreg` (with the Maskinporten it trusts, whose only work is one token per measured process) or
 * `integrasjonspunkt`. The parent reaches it over HTTP (its API and /_sim control API) and over IPC for start,
 * CPU profiles and stop.
 */
import { startBrregSimulator } from '../src/simulator/brreg/brreg.simulator';
import type { IntegrasjonspunktSimulatorOptions } from '../src/simulator/integrasjonspunkt/integrasjonspunkt-sim.options';
import { startIntegrasjonspunktSimulator } from '../src/simulator/integrasjonspunkt/integrasjonspunkt.simulator';
import { startMaskinportenSimulator } from '../src/simulator/maskinporten/maskinporten.simulator';
import { startCpuProfile } from './cpu-profile';
import { serve } from './common';

export type SimulatorKind = 'brreg' | 'integrasjonspunkt';

export interface StartSimulatorMessage {
  type: 'start';
  kind: SimulatorKind;
  /** The parent's test keys (bridge-harness testKeys), which Maskinporten must trust. */
  keysDir?: string;
  integrasjonspunkt?: Partial<IntegrasjonspunktSimulatorOptions>;
}

/** What the bridge's environment needs (bench/env.ts), for whichever simulator this process runs. */
export interface StartedSimulator {
  type: 'started';
  maskinporten?: { url: string; issuer: string; tokenUrl: string };
  brreg?: { url: string; outboundUrl: string };
  integrasjonspunkt?: { url: string };
}

let close: (() => Promise<void>) | undefined;
let stopProfile: ((file: string) => Promise<void>) | undefined;

serve(async (message) => {
  switch (message.type) {
    case 'start':
      return start(message as unknown as StartSimulatorMessage);
    case 'profile-start':
      stopProfile = await startCpuProfile();
      return { type: 'profiling' };
    case 'profile-stop':
      await stopProfile?.(String(message.file));
      stopProfile = undefined;
      return { type: 'profiled' };
    case 'stop':
      await close?.();
      process.exit(0);
      return undefined;
    default:
      return undefined;
  }
});

async function start(message: StartSimulatorMessage): Promise<StartedSimulator> {
  if (message.kind === 'integrasjonspunkt') {
    const ip = await startIntegrasjonspunktSimulator({
      port: 0,
      statusDelayMs: 3_600_000,
      sendDelayMs: 10,
      ttlCheckIntervalMs: 0,
      ...message.integrasjonspunkt,
    });
    close = () => ip.close();
    return { type: 'started', integrasjonspunkt: { url: ip.url } };
  }
  const maskinporten = await startMaskinportenSimulator({ port: 0, keysDir: message.keysDir });
  const brreg = await startBrregSimulator({
    port: 0,
    maskinportenUrl: maskinporten.url,
    maskinportenIssuer: maskinporten.issuer,
  });
  close = async () => {
    await brreg.close();
    await maskinporten.close();
  };
  return {
    type: 'started',
    maskinporten: { url: maskinporten.url, issuer: maskinporten.issuer, tokenUrl: maskinporten.tokenUrl },
    brreg: { url: brreg.url, outboundUrl: brreg.outboundUrl },
  };
}
