import type { Clock } from '../clock/clock';
import type { IntegrasjonspunktClient } from './integrasjonspunkt.client';
import { IpError } from './integrasjonspunkt.errors';

/** The IP's capability answer changes rarely; a few minutes keeps a backlog from asking once per message. */
export const CAPABILITY_TTL_MS = 5 * 60_000;

export type CapabilityVerdict = { accepts: true; service: string } | { accepts: false; reason: string };

/** Does the receiver accept our process? Asked before a first send, cached per receiver and process. */
export class CapabilitiesCache {
  private readonly cache = new Map<string, { verdict: CapabilityVerdict; untilMs: number }>();

  constructor(
    private readonly ip: IntegrasjonspunktClient,
    private readonly clock: Clock,
  ) {}

  async check(receiverOrgnr: string, process: string): Promise<CapabilityVerdict> {
    const key = `${receiverOrgnr}|${process}`;
    const hit = this.cache.get(key);
    if (hit && this.clock.now() < hit.untilMs) {
      return hit.verdict;
    }
    const verdict = await this.ask(receiverOrgnr, process);
    this.cache.set(key, { verdict, untilMs: this.clock.now() + CAPABILITY_TTL_MS });
    return verdict;
  }

  private async ask(receiverOrgnr: string, process: string): Promise<CapabilityVerdict> {
    try {
      const { capabilities } = await this.ip.capabilities(receiverOrgnr, process);
      const match = capabilities.find((c) => c.process === process);
      return match
        ? { accepts: true, service: match.serviceIdentifier }
        : { accepts: false, reason: `receiver ${receiverOrgnr} has no capability for process ${process}` };
    } catch (error) {
      // Only the IP's own 404 (its error JSON names an exception) means "unknown receiver"; a bare 404 is a
      // wrong EFM_BASE_URL or a proxy, and must not park every forsendelse.
      if (error instanceof IpError && error.context.status === 404 && error.context.exception) {
        return { accepts: false, reason: `receiver ${receiverOrgnr} is unknown to the integrasjonspunkt` };
      }
      if (error instanceof IpError && error.context.status === 404) {
        throw new IpError(
          'retryable',
          `capabilities: 404 without the IP's error body; is EFM_BASE_URL right?`,
          error.context,
        );
      }
      throw error;
    }
  }
}
