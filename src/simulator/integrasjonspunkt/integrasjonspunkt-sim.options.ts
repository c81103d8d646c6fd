import { z } from 'zod';
import { intFromString, parseSimEnv, seedFromString } from '../common/sim-env';
import { DEFAULT_KNOWN_ORGANISATIONS } from './capability.registry';

/** The services the simulator routes to (DPI/DPE/DPH exist in the IP but are not simulated). */
export const SIMULATED_SERVICES = ['DPO', 'DPF', 'DPV'] as const;
export type SimulatedService = (typeof SIMULATED_SERVICES)[number];

export interface IntegrasjonspunktSimulatorOptions {
  /** 0 = an ephemeral port. */
  port: number;
  host: string;
  /** Seeds generated ids (messageId/conversationId the IP fills in), fault draws and response shuffles. */
  seed: number;
  /** When set, every non-control call needs these HTTP Basic credentials (the v4 default); 401 otherwise. */
  basicAuth?: { username: string; password: string };
  /** Delay between automatic status steps after SENDT (DPO: → MOTTATT → LEVERT; DPV: → LEVERT). 0 in tests. */
  statusDelayMs: number;
  /**
   * Share (0–1) of unscripted messages whose receiver also reads them: LEST follows LEVERT. The real IP reports
   * LEST for DPO, DPV and DPF alike; 0 keeps the course to the statuses that decide the outcome. Spread evenly
   * (0.5: every second message, starting with the second), not drawn.
   */
  lestRate: number;
  /**
   * Share (0–1) of unscripted DPO and DPV messages that get an ANNET before LEVERT (a status the IP cannot map,
   * e.g. an unknown Altinn correspondence status). DPF never reports one. Spread evenly over all unscripted
   * messages, as `lestRate`.
   */
  annetRate: number;
  /**
   * Share (0–1) of arkivmelding conversations for which an OK `arkivmelding_kvittering` lands in the incoming queue
   * at LEVERT, spread evenly (the IP itself makes one for DPV at LEVERT and for DPF at LEST). 0 = only those posted
   * through the control API.
   */
  autoKvitteringRate: number;
  /** How long a peek locks an incoming message (the IP's `difi.move.nextmove.lockTimeoutMinutes`, 5). */
  incomingLockTimeoutMs: number;
  /** How often expired locks are released (the IP's `NextMoveInMessageUnlocker`, every 5 s). */
  incomingUnlockIntervalMs: number;
  /**
   * How long a copy waits on the IP's internal queue, from an accepted `POST /api/messages/out/{id}` until the
   * sender reads its files (a DELETE of the out-message in this window makes the copy fail).
   */
  sendDelayMs: number;
  /**
   * How long the transmission of a copy takes once its files are read, until SENDT (a DELETE in this window
   * comes too late: the copy still goes out). 0: SENDT as soon as the copy's turn comes.
   */
  sendTransmitMs: number;
  /** Service of every known organisation that was not configured through the control API. */
  defaultCapability: SimulatedService;
  /**
   * Organisations in the Enhetsregister without being configured (with `defaultCapability`); `*` = every 9-digit
   * number. Any other is unknown: capabilities 404, create ReceiverDoesNotAcceptProcessException.
   */
  knownOrganisations: string[] | '*';
  /** Our own organisation number: fills in a missing SBD sender, as the IP's `difi.move.org.number` does. */
  orgnr?: string;
  /**
   * How often the TTL job looks for expired conversations. The IP polls every 30 s
   * (`difi.move.nextmove.ttlPollingrate`); 0 fires exactly at each deadline.
   */
  ttlCheckIntervalMs: number;
  /**
   * Services whose statuses go on the peek/DELETE status queue (the IP's
   * `difi.move.feature.statusQueueIncludes`, empty by default: the queue stays empty).
   */
  statusQueueIncludes: SimulatedService[];
  /** `GET /api/statuses` time filter: `false` = BETWEEN (inclusive, as the IP); `true` = exclusive bounds. */
  statusTimeFilterExclusive: boolean;
  /**
   * When > 0, a status is announced to webhook subscribers at once but becomes visible to the status API only
   * this many ms later (the IP publishes the event inside the transaction that stores the status).
   */
  statusCommitDelayMs: number;
  /**
   * Status of an SBD whose top level is not exactly `header` + the business-message key (a third key, a missing or
   * misnamed business key, an unknown type). The IP's `StandardBusinessDocumentDeserializer` (efm-common) throws
   * an IllegalArgumentException that neither Jackson nor Spring turns into a 400, so the IP answers 500; 400
   * (`HttpMessageNotReadableException`) is the kinder answer of a fixed IP.
   */
  sbdShapeErrorStatus: 400 | 500;
  /** Conversations kept; past it the oldest finished ones (then the oldest) age out with their statuses. */
  capacity: number;
  /** Zone of every date-time the simulator writes (the IP writes its JVM/database zone). */
  timeZone: string;
  /** Connect + read timeout of webhook pushes and pings (the IP's `difi.move.webhooks.*Timeout`). */
  webhookTimeoutMs: number;
  /**
   * Per-service upload limits in bytes that replace the defaults (DPO/DPF 1 GiB, DPV 250 MiB), as an IP whose
   * `difi.move.<service>.upload-size-limit` properties were raised.
   */
  uploadLimits: Partial<Record<SimulatedService, number>>;
}

export const INTEGRASJONSPUNKT_SIM_DEFAULTS: IntegrasjonspunktSimulatorOptions = {
  port: 9093,
  host: '127.0.0.1',
  seed: 1,
  statusDelayMs: 1000,
  lestRate: 0,
  annetRate: 0,
  autoKvitteringRate: 0,
  incomingLockTimeoutMs: 300_000,
  incomingUnlockIntervalMs: 5_000,
  sendDelayMs: 50,
  sendTransmitMs: 0,
  defaultCapability: 'DPO',
  knownOrganisations: DEFAULT_KNOWN_ORGANISATIONS,
  ttlCheckIntervalMs: 30_000,
  statusQueueIncludes: [],
  statusTimeFilterExclusive: false,
  statusCommitDelayMs: 0,
  sbdShapeErrorStatus: 500,
  capacity: 50_000,
  timeZone: 'Europe/Oslo',
  webhookTimeoutMs: 10_000,
  uploadLimits: {},
};

const envSchema = z.object({
  SIM_IP_PORT: intFromString(0, 65_535).optional(),
  SIM_IP_HOST: z.string().min(1).optional(),
  SIM_IP_USERNAME: z.string().min(1).optional(),
  SIM_IP_PASSWORD: z.string().min(1).optional(),
  SIM_IP_STATUS_DELAY_MS: intFromString(0, 86_400_000).optional(),
  SIM_IP_SEND_DELAY_MS: intFromString(0, 86_400_000).optional(),
  SIM_IP_SEND_TRANSMIT_MS: intFromString(0, 86_400_000).optional(),
  SIM_IP_TTL_CHECK_MS: intFromString(0, 86_400_000).optional(),
  SIM_IP_DEFAULT_CAPABILITY: z.enum(SIMULATED_SERVICES).optional(),
  SIM_IP_KNOWN_ORGNRS: z
    .string()
    .regex(/^(\*|\d{9}(,\d{9})*)$/, 'must be * or a comma-separated list of 9-digit organisation numbers')
    .optional(),
  SIM_IP_ORGNR: z
    .string()
    .regex(/^\d{9}$/, 'must be 9 digits')
    .optional(),
  SIM_IP_STATUS_QUEUE: z
    .string()
    .regex(/^(DPO|DPF|DPV)(,(DPO|DPF|DPV))*$/, 'must be a comma-separated list of DPO, DPF, DPV')
    .optional(),
  SIM_IP_UPLOAD_LIMITS: z
    .string()
    .regex(/^(DPO|DPF|DPV)=\d+(,(DPO|DPF|DPV)=\d+)*$/, 'must be a comma-separated list of SERVICE=bytes')
    .optional(),
  SIM_SEED: seedFromString.optional(),
});

/**
 * Reads the simulator's variables; an empty variable counts as unset. Throws one error naming every bad
 * variable, so a typo stops the simulator at start-up rather than changing its behaviour.
 */
export function integrasjonspunktOptionsFromEnv(
  env: Record<string, string | undefined>,
): Partial<IntegrasjonspunktSimulatorOptions> {
  const v = parseSimEnv(envSchema, env, 'integrasjonspunkt');
  if ((v.SIM_IP_USERNAME === undefined) !== (v.SIM_IP_PASSWORD === undefined)) {
    throw new Error(
      'Invalid integrasjonspunkt simulator configuration: SIM_IP_USERNAME, SIM_IP_PASSWORD: set both or neither',
    );
  }
  const options: Partial<IntegrasjonspunktSimulatorOptions> = {};
  if (v.SIM_IP_PORT !== undefined) {
    options.port = v.SIM_IP_PORT;
  }
  if (v.SIM_IP_HOST !== undefined) {
    options.host = v.SIM_IP_HOST;
  }
  if (v.SIM_IP_USERNAME !== undefined && v.SIM_IP_PASSWORD !== undefined) {
    options.basicAuth = { username: v.SIM_IP_USERNAME, password: v.SIM_IP_PASSWORD };
  }
  if (v.SIM_IP_STATUS_DELAY_MS !== undefined) {
    options.statusDelayMs = v.SIM_IP_STATUS_DELAY_MS;
  }
  if (v.SIM_IP_SEND_DELAY_MS !== undefined) {
    options.sendDelayMs = v.SIM_IP_SEND_DELAY_MS;
  }
  if (v.SIM_IP_SEND_TRANSMIT_MS !== undefined) {
    options.sendTransmitMs = v.SIM_IP_SEND_TRANSMIT_MS;
  }
  if (v.SIM_IP_TTL_CHECK_MS !== undefined) {
    options.ttlCheckIntervalMs = v.SIM_IP_TTL_CHECK_MS;
  }
  if (v.SIM_IP_DEFAULT_CAPABILITY !== undefined) {
    options.defaultCapability = v.SIM_IP_DEFAULT_CAPABILITY;
  }
  if (v.SIM_IP_KNOWN_ORGNRS !== undefined) {
    options.knownOrganisations = v.SIM_IP_KNOWN_ORGNRS === '*' ? '*' : v.SIM_IP_KNOWN_ORGNRS.split(',');
  }
  if (v.SIM_IP_ORGNR !== undefined) {
    options.orgnr = v.SIM_IP_ORGNR;
  }
  if (v.SIM_IP_STATUS_QUEUE !== undefined) {
    options.statusQueueIncludes = v.SIM_IP_STATUS_QUEUE.split(',') as SimulatedService[];
  }
  if (v.SIM_IP_UPLOAD_LIMITS !== undefined) {
    options.uploadLimits = Object.fromEntries(
      v.SIM_IP_UPLOAD_LIMITS.split(',').map((pair) => [pair.split('=')[0], Number(pair.split('=')[1])]),
    );
  }
  if (v.SIM_SEED !== undefined) {
    options.seed = v.SIM_SEED;
  }
  return options;
}
