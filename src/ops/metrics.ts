import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ownVersion } from '../http/user-agent';

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

  readonly sendCancels = new Counter({
    name: 'bridge_send_cancels_total',
    help: 'Attempts cancelled at the IP after their send answered an error and no SENDT came, each followed by a new attempt',
    registers: [this.registry],
  });

  readonly lateStatuses = new Counter({
    name: 'bridge_late_statuses_total',
    help: 'Statuses that came after delivery and cannot be acted on (FEIL after LEVERT)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly receipts = new Counter({
    name: 'bridge_receipts_total',
    help: "Receivers' receipts (arkivmelding_kvittering) recorded, by receiptType (OK, WARNING, ERROR, NOTSUPPORTED); unreadable: one that could not be read, each time it was peeked",
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly retentionPruned = new Counter({
    name: 'bridge_retention_pruned_total',
    help: 'Rows deleted by retention (RETENTION_DAYS), by table',
    labelNames: ['table'] as const,
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

  readonly buildInfo = new Gauge({
    name: 'bridge_build_info',
    help: 'Always 1: the version (package.json), commit (env GIT_COMMIT, else "unknown") and Node.js of this process',
    labelNames: ['version', 'commit', 'node'] as const,
    registers: [this.registry],
  });

  // The series below come from the background collector (metrics.collector.ts): last-known while a source is away.

  readonly collectorLastSuccess = new Gauge({
    name: 'bridge_collector_last_success_timestamp_seconds',
    help: 'When the background collector last read the database, the queues and the shared health (0: never)',
    registers: [this.registry],
  });

  readonly brregLastPollSuccess = new Gauge({
    name: 'bridge_brreg_last_poll_success_timestamp_seconds',
    help: 'When a poll of any replica last listed Brreg successfully (0: not since the shared record began)',
    registers: [this.registry],
  });

  readonly tokenExpiry = new Gauge({
    name: 'bridge_maskinporten_token_expiry_timestamp_seconds',
    help: 'When the newest Maskinporten token of any replica expires (0: none fetched)',
    registers: [this.registry],
  });

  readonly peerLastOutcome = new Gauge({
    name: 'bridge_peer_last_outcome',
    help: "1 for the outcome of the peer's last call (any replica), 0 for the others",
    labelNames: ['peer', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly peerLastSuccess = new Gauge({
    name: 'bridge_peer_last_success_timestamp_seconds',
    help: 'When a call to the peer last succeeded (any replica; 0: not since the shared record began)',
    labelNames: ['peer'] as const,
    registers: [this.registry],
  });

  /** Creation time (ms) of the oldest row per non-final state, as the collector last read it; none: no row. */
  readonly oldestInFlightMs = new Map<string, number | undefined>();

  readonly oldestUnconfirmedAge = new Gauge({
    name: 'bridge_oldest_unconfirmed_age_seconds',
    help: 'Age (since discovery) of the oldest forsendelse per non-final state; 0 when the state is empty',
    labelNames: ['state'] as const,
    registers: [this.registry],
    // Computed at each scrape from the collector's last reading, so the age keeps growing while a source is away.
    collect: () => {
      const now = Date.now();
      for (const [state, oldest] of this.oldestInFlightMs) {
        this.oldestUnconfirmedAge.set({ state }, oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000));
      }
    },
  });

  /** `commit`: GIT_COMMIT of the build, when the deployment sets it. */
  constructor(commit?: string) {
    // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …): dashboards and alerts made for
    // any Node.js service work unchanged.
    collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: ownVersion(), commit: commit ?? 'unknown', node: process.version }, 1);
  }

  /** Starts timing one HTTP call; the returned function ends it with the status (or 'network' when none came). */
  startCall(peer: Peer, operation: string): (status: number | 'network') => void {
    const end = this.externalCalls.startTimer({ peer, operation });
    return (status) => end({ outcome: status === 'network' ? 'network' : `${Math.floor(status / 100)}xx` });
  }
}
