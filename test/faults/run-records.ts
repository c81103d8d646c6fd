import type { RunningBridge } from '../support/bridge-harness';
import { control, forsendelseRows } from '../support/bridge-harness';
import type { SimulatorSet } from '../../src/simulator/start-simulators';
import type { ConfirmRecord, IpMessageRecord, OfferedForsendelse, RunRecords } from './checker';

/** Everything the checker needs, read from the simulators (and the parked reasons from the bridge). */
export async function collectRecords(
  name: string,
  sims: SimulatorSet,
  bridge: Pick<RunningBridge, 'dataSource'>,
): Promise<RunRecords> {
  type Listed = Omit<OfferedForsendelse, 'sha256' | 'entries'> & {
    sha256: string | null;
    entries: OfferedForsendelse['entries'] | null;
  };
  const offered = await control<Listed[]>(sims.brreg.url, '/forsendelser');
  // The list carries hashes only where the seed worked them out; the single view always does.
  const withHashes = await Promise.all(
    offered.map(async (f) =>
      f.sha256 && f.entries ? f : control<Listed>(sims.brreg.url, `/forsendelser/${f.mottakId}`),
    ),
  );
  const rows = await forsendelseRows(bridge);
  return {
    name,
    offered: withHashes.map((f) => ({
      mottakId: f.mottakId,
      sha256: f.sha256 as string,
      entries: f.entries ?? undefined,
    })),
    confirms: await control<ConfirmRecord[]>(sims.brreg.url, '/confirms'),
    messages: await control<IpMessageRecord[]>(sims.integrasjonspunkt.url, '/messages'),
    parked: new Map(
      rows.filter((r) => r.state === 'FAILED' && r.failureReason).map((r) => [r.mottakId, r.failureReason as string]),
    ),
  };
}
