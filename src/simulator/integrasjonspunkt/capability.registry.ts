import { z } from 'zod';
import { BoundedMap } from '../common/bounded-log';
import type { SimulatedService } from './integrasjonspunkt-sim.options';

export const ARKIVMELDING_PROCESSES = [
  'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0',
  'urn:no:difi:profile:arkivmelding:planByggOgGeodata:ver1.0',
  'urn:no:difi:profile:arkivmelding:helseSosialOgOmsorg:ver1.0',
  'urn:no:difi:profile:arkivmelding:oppvekstOgUtdanning:ver1.0',
  'urn:no:difi:profile:arkivmelding:kulturIdrettOgFritid:ver1.0',
  'urn:no:difi:profile:arkivmelding:trafikkReiserOgSamferdsel:ver1.0',
  'urn:no:difi:profile:arkivmelding:naturOgMiljoe:ver1.0',
  'urn:no:difi:profile:arkivmelding:naeringsutvikling:ver1.0',
  'urn:no:difi:profile:arkivmelding:skatterOgAvgifter:ver1.0',
  'urn:no:difi:profile:arkivmelding:tekniskeTjenester:ver1.0',
];
export const ARKIVMELDING_RESPONSE_PROCESS = 'urn:no:difi:profile:arkivmelding:response:ver1.0';
export const AVTALT_PROCESS = 'urn:no:difi:profile:avtalt:avtalt:ver1.0';

export interface DocumentType {
  type: string;
  standard: string;
}

export interface Capability {
  process: string;
  serviceIdentifier: string;
  documentTypes: DocumentType[];
}

/** A service record as the registry keeps it: a DPF record also knows its KS SvarUt system's security levels. */
interface ServiceRecord extends Capability {
  securityLevels?: SecurityLevel[];
}

type SecurityLevel = 3 | 4;

/** What the service registry answers the IP's lookup (SRParameter: identifier, process, securityLevel). */
export type ServiceRecordLookup =
  | { kind: 'records'; records: Capability[] }
  /** Not in the Enhetsregister, or (asked with a process) no record for that process: the registry's 404. */
  | { kind: 'not-found' }
  /** The registry's 400 SecurityLevelNotFoundException, with its description. */
  | { kind: 'security-level-refused'; description: string };

/**
 * The organisations the simulator knows without being told (EFM_RECEIVER_ORGNR of the tests and the demo, the
 * test sender, Brreg's, and the receiver of the IP simulator's own tests and docs); any other one is not in the
 * Enhetsregister (404) until `PUT /_sim/receivers/{orgnr}` or the `knownOrganisations` setting adds it.
 */
export const DEFAULT_KNOWN_ORGANISATIONS = ['310000001', '311000012', '974760673', '987654321'];

const ARKIVMELDING_DOC: DocumentType = { type: 'arkivmelding', standard: 'urn:no:difi:arkivmelding:xsd::arkivmelding' };
const KVITTERING_DOC: DocumentType = {
  type: 'arkivmelding_kvittering',
  standard: 'urn:no:difi:arkivmelding:xsd::arkivmelding_kvittering',
};
const AVTALT_DOC: DocumentType = { type: 'avtalt', standard: 'urn:no:difi:avtalt:xsd::avtalt' };

/** The document types the service registry lists for a process. */
function documentTypesFor(process: string): DocumentType[] {
  if (process === AVTALT_PROCESS) {
    return [AVTALT_DOC];
  }
  if (process === ARKIVMELDING_RESPONSE_PROCESS) {
    return [KVITTERING_DOC];
  }
  return [ARKIVMELDING_DOC];
}

const SERVICE_IDENTIFIERS = ['DPO', 'DPV', 'DPF', 'DPI', 'DPE', 'DPH'] as const;
const securityLevelsSchema = z
  .array(z.union([z.literal(3), z.literal(4)]))
  .min(1)
  .optional();

/**
 * `PUT /_sim/receivers/{orgnr}`: either a shorthand (`service` for every arkivmelding process, `avtalt` adds
 * the avtalt process on DPO, `processes` narrows the list; `none` = known but no capability; `unknown` = not
 * in the Enhetsregister → 404) or the full capability list.
 */
export const receiverConfigSchema = z.union([
  z
    .strictObject({
      service: z.enum(['DPO', 'DPF', 'DPV', 'none', 'unknown']),
      avtalt: z.boolean().optional(),
      processes: z.array(z.string().min(1)).optional(),
      /** DPF only: the levels of the receiver's KS SvarUt system (default both). */
      securityLevels: securityLevelsSchema,
    })
    .refine((c) => c.avtalt !== true || c.service === 'DPO', { message: 'avtalt is DPO only' })
    .refine((c) => c.securityLevels === undefined || c.service === 'DPF', {
      message: 'securityLevels is DPF only (DPO takes any level, DPV level 3)',
    }),
  z.strictObject({
    capabilities: z.array(
      z.strictObject({
        process: z.string().min(1),
        serviceIdentifier: z.enum(SERVICE_IDENTIFIERS),
        documentTypes: z.array(z.strictObject({ type: z.string().min(1), standard: z.string().min(1) })).optional(),
        securityLevels: securityLevelsSchema,
      }),
    ),
  }),
]);
export type ReceiverConfig = z.infer<typeof receiverConfigSchema>;

type Receiver = { known: false } | { known: true; capabilities: ServiceRecord[] };

function shorthandCapabilities(
  service: SimulatedService,
  processes: string[],
  avtalt: boolean,
  securityLevels?: SecurityLevel[],
): ServiceRecord[] {
  const capabilities: ServiceRecord[] = processes.map((process) => ({
    process,
    serviceIdentifier: service,
    documentTypes: documentTypesFor(process),
    ...(service === 'DPF' ? { securityLevels: securityLevels ?? [3, 4] } : {}),
  }));
  if (avtalt && !processes.includes(AVTALT_PROCESS)) {
    capabilities.push({ process: AVTALT_PROCESS, serviceIdentifier: 'DPO', documentTypes: [AVTALT_DOC] });
  }
  return capabilities;
}

/**
 * The service registry as the simulator answers it. Unconfigured 9-digit organisations are known, with every
 * arkivmelding process (plus the receipt process) on the default service; anything else is unknown.
 */
export class CapabilityRegistry {
  private readonly receivers = new BoundedMap<string, Receiver>(100_000);

  constructor(
    private readonly defaultService: () => SimulatedService,
    private readonly knownOrganisations: () => string[] | '*',
  ) {}

  configure(orgnr: string, config: ReceiverConfig): void {
    if ('capabilities' in config) {
      this.receivers.set(orgnr, {
        known: true,
        capabilities: config.capabilities.map((c) => ({
          process: c.process,
          serviceIdentifier: c.serviceIdentifier,
          documentTypes: c.documentTypes ?? documentTypesFor(c.process),
          ...(c.serviceIdentifier === 'DPF' ? { securityLevels: c.securityLevels ?? [3, 4] } : {}),
        })),
      });
      return;
    }
    if (config.service === 'unknown') {
      this.receivers.set(orgnr, { known: false });
      return;
    }
    if (config.service === 'none') {
      this.receivers.set(orgnr, { known: true, capabilities: [] });
      return;
    }
    const processes = config.processes ?? [...ARKIVMELDING_PROCESSES, ARKIVMELDING_RESPONSE_PROCESS];
    this.receivers.set(orgnr, {
      known: true,
      capabilities: shorthandCapabilities(config.service, processes, config.avtalt === true, config.securityLevels),
    });
  }

  remove(orgnr: string): void {
    this.receivers.delete(orgnr);
  }

  clear(): void {
    this.receivers.clear();
  }

  configured(): Record<string, Receiver> {
    return Object.fromEntries(this.receivers);
  }

  /** The receiver's service records as configured, optionally for one process; undefined = not in the registry. */
  lookup(orgnr: string, process?: string): ServiceRecord[] | undefined {
    const receiver = this.receivers.get(orgnr) ?? this.defaultReceiver(orgnr);
    if (!receiver.known) {
      return undefined;
    }
    return process === undefined ? receiver.capabilities : receiver.capabilities.filter((c) => c.process === process);
  }

  /**
   * The service registry's answer (efm-service-registry ServiceRecordController, ServiceRecordService): for
   * the arkivmelding processes DPO takes any security level; a DPF record stands at a level its KS SvarUt
   * system has, and otherwise falls back to DPV (Altinn), except at level 4, which DPV cannot carry: then the
   * whole lookup is refused (SecurityLevelNotFoundException). Other processes (avtalt) ignore the level. Asked
   * with a process that has no record, the registry answers 404 (ReceiverProcessNotFoundException).
   */
  serviceRecords(orgnr: string, query: { process?: string; securityLevel?: number }): ServiceRecordLookup {
    const configured = this.lookup(orgnr, query.process);
    if (configured === undefined) {
      return { kind: 'not-found' };
    }
    const records: Capability[] = [];
    for (const record of configured) {
      const { securityLevels, ...capability } = record;
      const arkivmelding =
        ARKIVMELDING_PROCESSES.includes(record.process) || record.process === ARKIVMELDING_RESPONSE_PROCESS;
      const level = query.securityLevel;
      if (!arkivmelding || level === undefined || record.serviceIdentifier === 'DPO') {
        records.push(capability);
      } else if (record.serviceIdentifier === 'DPF' && securityLevels?.includes(level as SecurityLevel)) {
        records.push(capability);
      } else if (level === 4) {
        return {
          kind: 'security-level-refused',
          description: `Organization '${orgnr}' can not receive messages with security level '${level}'`,
        };
      } else {
        records.push(record.serviceIdentifier === 'DPF' ? { ...capability, serviceIdentifier: 'DPV' } : capability);
      }
    }
    if (query.process !== undefined && records.length === 0) {
      return { kind: 'not-found' };
    }
    return { kind: 'records', records };
  }

  private defaultReceiver(orgnr: string): Receiver {
    const known = this.knownOrganisations();
    if (!/^\d{9}$/.test(orgnr) || (known !== '*' && !known.includes(orgnr))) {
      return { known: false };
    }
    return {
      known: true,
      capabilities: shorthandCapabilities(
        this.defaultService(),
        [...ARKIVMELDING_PROCESSES, ARKIVMELDING_RESPONSE_PROCESS],
        false,
      ),
    };
  }
}
