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
  const messages = await control<IpMessageRecord[]>(sims.integrasjonspunkt.url, '/messages');
  return {
    name,
    offered: withHashes.map((f) => ({
      mottakId: f.mottakId,
      sha256: f.sha256 as string,
      entries: f.entries ?? undefined,
    })),
    confirms: await control<ConfirmRecord[]>(sims.brreg.url, '/confirms'),
    messages,
    parked: new Map(
      rows.filter((r) => r.state === 'FAILED' && r.failureReason).map((r) => [r.mottakId, r.failureReason as string]),
    ),
    arkivmeldinger: await Promise.all(
      messages
        .filter((m) => m.statuses.some((s) => DELIVERED.has(s.status)))
        .map(async (m) => ({ messageId: m.messageId, xml: await arkivmeldingOf(sims, m.messageId) })),
    ),
  };
}

const DELIVERED = new Set(['LEVERT', 'LEST']);

/** The arkivmelding.xml the IP stored for a message, as uploaded; null when it has none. */
async function arkivmeldingOf(sims: SimulatorSet, messageId: string): Promise<string | null> {
  const response = await fetch(`${sims.integrasjonspunkt.url}/_sim/messages/${messageId}/arkivmelding.xml`);
  if (response.status === 404) {
    return null;
  }
  if (!response.ok) {
    throw new Error(`GET arkivmelding.xml of ${messageId} answered ${response.status}: ${await response.text()}`);
  }
  return response.text();
}
