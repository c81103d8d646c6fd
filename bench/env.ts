import { randomBytes } from 'node:crypto';
import type { SimulatorSet } from '../src/simulator/start-simulators';
import type { TestKeys } from '../src/simulator/maskinporten/test-keys';

/** The bridge's environment against the simulators (as test/support/bridge-harness.ts `startBridge`). */
/** The parts of the simulators the bridge is pointed at (a SimulatorSet, or simulators in other processes). */
export interface SimulatorEndpoints {
  maskinporten: Pick<SimulatorSet['maskinporten'], 'issuer' | 'tokenUrl'>;
  brreg: Pick<SimulatorSet['brreg'], 'outboundUrl'>;
  integrasjonspunkt: Pick<SimulatorSet['integrasjonspunkt'], 'url'>;
}

export function bridgeEnv(
  sims: SimulatorEndpoints,
  keys: TestKeys,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...keys.env.x5c,
    LOG_LEVEL: 'warn',
    MASKINPORTEN_ISSUER: sims.maskinporten.issuer,
    MASKINPORTEN_TOKEN_URL: sims.maskinporten.tokenUrl,
    BRREG_BASE_URL: sims.brreg.outboundUrl,
    EFM_BASE_URL: sims.integrasjonspunkt.url,
    EFM_SENDER_ORGNR: keys.orgnr,
    EFM_RECEIVER_ORGNR: '310000001',
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `bench${randomBytes(4).toString('hex')}`,
    ...extra,
  };
}
