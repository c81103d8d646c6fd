import type { ForsendelseEntity } from '../../src/forsendelse/forsendelse.entity';
import type { SimulatorSet } from '../../src/simulator/start-simulators';
import { control } from '../support/bridge-harness';

/**
 * What the IP's TTL job does when a deadline passes, brought forward: a SENT message whose send the IP never
 * accepted (it was answered 5xx, and a send is never repeated) gets LEVETID_UTLOPT once it has waited
 * `afterMs`, so the next attempt goes out within the test's time instead of after the 24 h deadline.
 */
export async function expireUnsentMessages(
  sims: SimulatorSet,
  rows: readonly ForsendelseEntity[],
  afterMs = 3_000,
): Promise<void> {
  for (const row of rows.filter((r) => r.state === 'SENT')) {
    if (Date.now() - row.stateChangedAt.getTime() <= afterMs) {
      continue;
    }
    const message = await control<{ sendAccepted: number; statuses: { status: string }[] }>(
      sims.integrasjonspunkt.url,
      `/messages/${row.messageId}`,
    ).catch(() => undefined);
    if (!message || message.sendAccepted > 0 || message.statuses.some((s) => s.status === 'LEVETID_UTLOPT')) {
      continue;
    }
    await control(sims.integrasjonspunkt.url, `/messages/${row.messageId}/statuses`, {
      body: { status: 'LEVETID_UTLOPT' },
    });
  }
}
