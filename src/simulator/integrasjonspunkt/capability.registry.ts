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
    })
    .refine((c) => c.avtalt !== true || c.service === 'DPO', { message: 'avtalt is DPO only' }),
  z.strictObject({
    capabilities: z.array(
      z.strictObject({
        process: z.string().min(1),
        serviceIdentifier: z.enum(SERVICE_IDENTIFIERS),
        documentTypes: z.array(z.strictObject({ type: z.string().min(1), standard: z.string().min(1) })).optional(),
      }),
    ),
  }),
]);
export type ReceiverConfig = z.infer<typeof receiverConfigSchema>;

type Receiver = { known: false } | { known: true; capabilities: Capability[] };

function shorthandCapabilities(service: SimulatedService, processes: string[], avtalt: boolean): Capability[] {
  const capabilities = processes.map((process) => ({
    process,
    serviceIdentifier: service,
    documentTypes: documentTypesFor(process),
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

  constructor(private readonly defaultService: () => SimulatedService) {}

  configure(orgnr: string, config: ReceiverConfig): void {
    if ('capabilities' in config) {
      this.receivers.set(orgnr, {
        known: true,
        capabilities: config.capabilities.map((c) => ({
          process: c.process,
          serviceIdentifier: c.serviceIdentifier,
          documentTypes: c.documentTypes ?? documentTypesFor(c.process),
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
      capabilities: shorthandCapabilities(config.service, processes, config.avtalt === true),
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

  /** The receiver's service records, optionally for one process; undefined = not in the registry. */
  lookup(orgnr: string, process?: string): Capability[] | undefined {
    const receiver = this.receivers.get(orgnr) ?? this.defaultReceiver(orgnr);
    if (!receiver.known) {
      return undefined;
    }
    return process === undefined ? receiver.capabilities : receiver.capabilities.filter((c) => c.process === process);
  }

  private defaultReceiver(orgnr: string): Receiver {
    if (!/^\d{9}$/.test(orgnr)) {
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
