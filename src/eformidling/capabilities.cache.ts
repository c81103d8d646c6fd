import type { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import type { IntegrasjonspunktClient } from './integrasjonspunkt.client';
import { IpError } from './integrasjonspunkt.errors';
import type { Capabilities } from './integrasjonspunkt.schemas';
import { documentTypeOf, securityLevelOf } from './sbd.builder';

/** The IP's capability answer changes rarely; a few minutes keeps a backlog from asking once per message. */
export const CAPABILITY_TTL_MS = 5 * 60_000;

export type CapabilityVerdict = { accepts: true; service: string } | { accepts: false; reason: string };

/**
 * What the IP looks the receiver up with when our message is created (ServiceRecordProvider): the process, the
 * SBD's sikkerhetsnivaa as the security level (none for avtalt), and the SBD's document standard, which one of
 * the process's service records must list (ServiceRegistryLookup.getServiceRecord(parameter, documentType)).
 */
export interface CapabilityQuery {
  process: string;
  securityLevel?: number;
  documentType: { type: string; standard: string };
}

/** The query of the message this bridge sends, from the same settings the SBD is built from. */
export function capabilityQueryFor(efm: AppConfig['efm']): CapabilityQuery {
  return {
    process: efm.process,
    securityLevel: securityLevelOf(efm.messageType, efm.securityLevel),
    documentType: documentTypeOf(efm.messageType),
  };
}

/**
 * The IP's own check at create, applied to its capabilities answer: the first capability of the process that
 * lists our document standard decides the service. The IP compares only the standard (it derives `type` from
 * it); a `type` that contradicts ours is refused too, since it would mean the IP reads the standard otherwise.
 */
export function verdictOf(receiverOrgnr: string, query: CapabilityQuery, answer: Capabilities): CapabilityVerdict {
  const level = query.securityLevel === undefined ? '' : ` at security level ${query.securityLevel}`;
  const forProcess = answer.capabilities.filter((c) => c.process === query.process);
  if (forProcess.length === 0) {
    return {
      accepts: false,
      reason: `receiver ${receiverOrgnr} has no capability for process ${query.process}${level}`,
    };
  }
  const { type, standard } = query.documentType;
  const match = forProcess.find((c) =>
    (c.documentTypes ?? []).some(
      (d) => d.standard === standard && (d.type === undefined || d.type === null || d.type === type),
    ),
  );
  if (match) {
    return { accepts: true, service: match.serviceIdentifier };
  }
  const offered = forProcess.flatMap((c) =>
    (c.documentTypes ?? []).map((d) => `${c.serviceIdentifier} ${d.type ?? '?'} (${d.standard})`),
  );
  return {
    accepts: false,
    reason:
      `receiver ${receiverOrgnr} does not accept ${type} (${standard}) for process ${query.process}${level}; ` +
      `offered: ${offered.length > 0 ? offered.join(', ') : 'no document types'}`,
  };
}

/** Does the receiver accept our message? Asked before a first send, cached per receiver and query. */
export class CapabilitiesCache {
  private readonly cache = new Map<string, { verdict: CapabilityVerdict; untilMs: number }>();

  constructor(
    private readonly ip: IntegrasjonspunktClient,
    private readonly clock: Clock,
  ) {}

  async check(receiverOrgnr: string, query: CapabilityQuery): Promise<CapabilityVerdict> {
    const key = [
      receiverOrgnr,
      query.process,
      query.securityLevel ?? '',
      query.documentType.type,
      query.documentType.standard,
    ].join('|');
    const hit = this.cache.get(key);
    if (hit && this.clock.now() < hit.untilMs) {
      return hit.verdict;
    }
    const verdict = await this.ask(receiverOrgnr, query);
    this.cache.set(key, { verdict, untilMs: this.clock.now() + CAPABILITY_TTL_MS });
    return verdict;
  }

  private async ask(receiverOrgnr: string, query: CapabilityQuery): Promise<CapabilityVerdict> {
    try {
      const answer = await this.ip.capabilities(receiverOrgnr, {
        process: query.process,
        securityLevel: query.securityLevel,
      });
      return verdictOf(receiverOrgnr, query, answer);
    } catch (error) {
      if (!(error instanceof IpError)) {
        throw error;
      }
      // Only the IP's own 404 (its error JSON names an exception) means "unknown receiver", or, asked with a
      // process, "no service record for it"; a bare 404 is a wrong EFM_BASE_URL or a proxy, and must not park
      // every forsendelse.
      if (error.context.status === 404 && error.context.exception) {
        return {
          accepts: false,
          reason: `receiver ${receiverOrgnr} is unknown to the integrasjonspunkt or has no capability for process ${query.process}: ${error.message}`,
        };
      }
      if (error.context.status === 404) {
        throw new IpError(
          'retryable',
          `capabilities: 404 without the IP's error body; is EFM_BASE_URL right?`,
          error.context,
        );
      }
      if (error.kind === 'permanent' && error.context.status === 500) {
        // The service registry refused the security level (integrasjonspunkt.errors.ts, kindOfAnswer).
        return {
          accepts: false,
          reason: `receiver ${receiverOrgnr} cannot receive at security level ${query.securityLevel} (EFM_SECURITY_LEVEL): ${error.message}`,
        };
      }
      throw error;
    }
  }
}
