import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Peer = 'maskinporten' | 'brreg' | 'integrasjonspunkt';

/**
 * Every series the bridge exports (README, "Metrics"; the Grafana dashboard is built on exactly these).
 * One registry per process: a global default registry would collide between two apps in one test process.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly queueJobs = new Gauge({
    name: 'bridge_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, delayed, failed, completed, prioritized, waiting-children)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly forsendelser = new Gauge({
    name: 'bridge_forsendelser',
    help: 'Forsendelser per state, from the database',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly transitions = new Counter({
    name: 'bridge_transitions_total',
    help: 'State transitions won by this process',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });

  readonly confirms = new Counter({
    name: 'bridge_confirms_total',
    help: 'Confirms at Brreg by outcome (confirmed, verified-gone after ERROR-00005 or 404, still-listed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly failures = new Counter({
    name: 'bridge_failures_total',
    help: 'Forsendelser parked as FAILED, by kind of reason',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly contentSurprises = new Counter({
    name: 'bridge_content_surprises_total',
    help: 'Odd forsendelse content forwarded in the safe form (the zip too), by kind of surprise',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly sjekksumMismatches = new Counter({
    name: 'bridge_sjekksum_mismatches_total',
    help: 'Entries whose MD5 differs from their DataRef sjekksum (BRREG_SJEKKSUM says whether that parks)',
    registers: [this.registry],
  });

  readonly lateStatuses = new Counter({
    name: 'bridge_late_statuses_total',
    help: 'Statuses that came after delivery and cannot be acted on (FEIL after LEVERT)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly externalCalls = new Histogram({
    name: 'bridge_external_call_duration_seconds',
    help: 'Duration of each call to a peer, to the response headers, by peer, operation and outcome',
    labelNames: ['peer', 'operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly forwardDuration = new Histogram({
    name: 'bridge_forward_duration_seconds',
    help: 'Duration of a forward job, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });

  readonly forwardBytes = new Histogram({
    name: 'bridge_forward_bytes',
    help: 'Size of each forwarded zip',
    buckets: [1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 4e9],
    registers: [this.registry],
  });

  readonly levertToConfirm = new Histogram({
    name: 'bridge_levert_to_confirm_seconds',
    help: "Time from the IP's LEVERT/LEST (its lastUpdate) to our confirm at Brreg",
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'bridge_' });
  }

  /** Starts timing one HTTP call; the returned function ends it with the status (or 'network' when none came). */
  startCall(peer: Peer, operation: string): (status: number | 'network') => void {
    const end = this.externalCalls.startTimer({ peer, operation });
    return (status) => end({ outcome: status === 'network' ? 'network' : `${Math.floor(status / 100)}xx` });
  }
}
