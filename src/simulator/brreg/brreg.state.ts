import type { Response } from 'express';
import { BoundedLog, BoundedMap } from '../common/bounded-log';
import { SeededRandom } from '../common/seeded-random';
import type { AuthFailure } from './brreg.errors';
import { TokenRevocation } from './brreg-token.verifier';
import {
  forsendelseEntries,
  forsendelseSha256,
  type ForsendelseEntry,
  type ForsendelseZipCache,
} from './forsendelse-zip';
import { PlanError, planForsendelse, type ForsendelsePlan, type PlanRequest } from './forsendelse.plan';
import { osloLocalDateTime } from './local-date-time';

export type ForsendelseState = 'available' | 'confirmed';

export interface ForsendelseRecord {
  plan: ForsendelsePlan;
  /** What /available reports; "ready" unless a seed request chose otherwise. */
  status: string;
  oppdatert: string;
  createdAt: string;
  /** Per forsendelse; undefined follows the simulator's setting. */
  omitContentLength?: boolean;
  state: ForsendelseState;
  confirmedAt?: string;
  /** Downloads answered 200 (including truncated and hung ones). */
  downloads: number;
  completedDownloads: number;
  cache: ForsendelseZipCache;
  sha256?: Promise<string>;
  sha256Value?: string;
  entriesValue?: ForsendelseEntry[];
}

export interface SeedRequest extends Omit<PlanRequest, 'mottakId'> {
  count: number;
  mottakId?: string;
  oppdatert?: string;
  status?: string;
  omitContentLength?: boolean;
}

export type ConfirmOutcome =
  | 'confirmed'
  | 'unknown'
  | 'already-confirmed'
  | 'concurrent'
  | 'conflict-fault-applied'
  | 'conflict-fault-not-applied'
  | 'bad-request';

export interface ConfirmAttempt {
  time: string;
  mottakId: string | null;
  orgnr: string;
  status: number;
  outcome: ConfirmOutcome;
}

export type DownloadOutcome =
  'complete' | 'aborted' | 'truncated' | 'reset' | 'short' | 'hung' | 'not-found' | 'bad-request';

/**
 * How a truncated download stops: `close` ends the connection (FIN) mid-body, `reset` destroys the socket
 * (RST), `end` finishes a well-formed response that carries only the first bytes (Content-Length, if sent,
 * says that shorter size): the HTTP layer sees nothing wrong, only the ZIP is cut.
 */
export const TRUNCATION_MODES = ['close', 'reset', 'end'] as const;
export type TruncationMode = (typeof TRUNCATION_MODES)[number];

export interface DownloadRecord {
  time: string;
  mottakId: string | null;
  orgnr: string;
  status: number;
  outcome: DownloadOutcome;
  /** Body bytes handed to the socket. */
  bytes: number;
  contentLength: boolean;
  durationMs: number;
}

export interface AuthFailureRecord {
  time: string;
  method: string;
  path: string;
  failure: AuthFailure;
  reason: string;
}

interface Countdown {
  remaining: number;
}

export interface Truncation {
  afterBytes: number;
  mode: TruncationMode;
}

/** Brreg-specific faults, each armed for a mottakId and used up by the calls it hits. */
export class BrregFaults {
  readonly confirmConflicts = new BoundedMap<string, Countdown & { applied: boolean }>(10_000);
  readonly truncations = new BoundedMap<string, Countdown & Truncation>(10_000);
  readonly hangs = new BoundedMap<string, Countdown>(10_000);

  takeConfirmConflict(mottakId: string): { applied: boolean } | undefined {
    return take(this.confirmConflicts, mottakId);
  }

  takeTruncation(mottakId: string): Truncation | undefined {
    return take(this.truncations, mottakId);
  }

  takeHang(mottakId: string): boolean {
    return take(this.hangs, mottakId) !== undefined;
  }

  snapshot() {
    const list = <T extends Countdown>(map: Map<string, T>) => [...map].map(([mottakId, v]) => ({ mottakId, ...v }));
    return {
      confirmConflicts: list(this.confirmConflicts),
      truncateDownloads: list(this.truncations),
      hangDownloads: list(this.hangs),
    };
  }

  clear(): void {
    this.confirmConflicts.clear();
    this.truncations.clear();
    this.hangs.clear();
  }
}

function take<T extends Countdown>(map: Map<string, T>, key: string): T | undefined {
  const armed = map.get(key);
  if (armed === undefined) {
    return undefined;
  }
  armed.remaining -= 1;
  if (armed.remaining <= 0) {
    map.delete(key);
  }
  return armed;
}

export interface BrregStateSettings {
  seed: number;
  confirmDelayMs: number;
  sjekksumMaxBytes: number;
  omitContentLength: boolean;
  legacyAvailableFields: boolean;
}

/** At most this many forsendelser wait in /available; a seed request beyond it is refused. */
export const MAX_AVAILABLE = 100_000;
/** Confirmed forsendelser are remembered for the control API until this many newer ones push them out. */
export const CONFIRMED_CAPACITY = 10_000;

export class SeedError extends Error {}

export interface AvailableFilter {
  orgnr: string;
  tjeneste?: string;
  fraDato?: string;
  tilDato?: string;
}

/** Everything the Brreg simulator remembers; bounded, and cleared by reset. */
export class BrregState {
  private readonly available = new Map<string, ForsendelseRecord>();
  private readonly confirmed = new BoundedMap<string, ForsendelseRecord>(CONFIRMED_CAPACITY);
  private readonly confirmLocks = new Set<string>();
  private random: SeededRandom;
  readonly confirms = new BoundedLog<ConfirmAttempt>(10_000);
  readonly downloads = new BoundedLog<DownloadRecord>(10_000);
  readonly authFailures = new BoundedLog<AuthFailureRecord>(1_000);
  readonly revocation = new TokenRevocation();
  readonly faults = new BrregFaults();
  /** Downloads held open by the hang-download fault, released on reset and close. */
  readonly hungDownloads = new Set<Response>();
  omitContentLength: boolean;
  legacyAvailableFields: boolean;

  constructor(private readonly settings: BrregStateSettings) {
    this.random = new SeededRandom(settings.seed);
    this.omitContentLength = settings.omitContentLength;
    this.legacyAvailableFields = settings.legacyAvailableFields;
  }

  seed(request: SeedRequest, now = new Date()): ForsendelseRecord[] {
    if (request.mottakId !== undefined && request.count !== 1) {
      throw new SeedError('mottakId can only be given with count 1');
    }
    if (request.mottakId !== undefined && this.find(request.mottakId.toLowerCase()) !== undefined) {
      throw new SeedError(`mottakId ${request.mottakId} exists already`);
    }
    if (this.available.size + request.count > MAX_AVAILABLE) {
      throw new SeedError(`at most ${MAX_AVAILABLE} forsendelser can be available at once`);
    }
    const records: ForsendelseRecord[] = [];
    for (let i = 0; i < request.count; i++) {
      // One draw per forsendelse from the simulator's sequence; everything else comes from its own sequence.
      const own = new SeededRandom(this.random.nextUint32());
      let plan: ForsendelsePlan;
      try {
        plan = planForsendelse(request, own, { sjekksumMaxBytes: this.settings.sjekksumMaxBytes });
      } catch (error) {
        if (error instanceof PlanError) {
          throw new SeedError(error.message);
        }
        throw error;
      }
      records.push({
        plan,
        status: request.status ?? 'ready',
        oppdatert: request.oppdatert ?? osloLocalDateTime(now),
        createdAt: now.toISOString(),
        omitContentLength: request.omitContentLength,
        state: 'available',
        downloads: 0,
        completedDownloads: 0,
        cache: {},
      });
    }
    for (const record of records) {
      this.available.set(record.plan.mottakId, record);
    }
    return records;
  }

  find(mottakId: string): ForsendelseRecord | undefined {
    return this.available.get(mottakId) ?? this.confirmed.get(mottakId);
  }

  /** Another organisation's forsendelse is as unknown to a caller as one that never existed. */
  findFor(mottakId: string, orgnr: string): ForsendelseRecord | undefined {
    const record = this.find(mottakId);
    return record?.plan.orgnr === orgnr ? record : undefined;
  }

  listAvailable(filter: AvailableFilter): ForsendelseRecord[] {
    return [...this.available.values()].filter((r) => {
      if (r.plan.orgnr !== filter.orgnr) {
        return false;
      }
      if (filter.tjeneste !== undefined && r.plan.tjeneste !== filter.tjeneste) {
        return false;
      }
      const day = r.oppdatert.slice(0, 10);
      return (
        (filter.fraDato === undefined || day >= filter.fraDato) &&
        (filter.tilDato === undefined || day <= filter.tilDato)
      );
    });
  }

  all(): ForsendelseRecord[] {
    return [...this.available.values(), ...this.confirmed.values()];
  }

  /**
   * Brreg's confirm with its optimistic lock: the first confirm of an id holds the lock for `confirmDelayMs` and
   * wins; one that arrives meanwhile fails with ERROR-00005 and changes nothing.
   */
  async confirm(mottakId: string, orgnr: string): Promise<ConfirmOutcome> {
    const record = this.findFor(mottakId, orgnr);
    if (record === undefined) {
      return 'unknown';
    }
    if (record.state === 'confirmed') {
      return 'already-confirmed';
    }
    const fault = this.faults.takeConfirmConflict(mottakId);
    if (fault !== undefined) {
      if (fault.applied) {
        this.markConfirmed(record);
      }
      return fault.applied ? 'conflict-fault-applied' : 'conflict-fault-not-applied';
    }
    if (this.confirmLocks.has(mottakId)) {
      return 'concurrent';
    }
    this.confirmLocks.add(mottakId);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.settings.confirmDelayMs));
      // A reset while the lock was held forgets the forsendelse.
      if (this.available.get(mottakId) !== record) {
        return 'unknown';
      }
      this.markConfirmed(record);
      return 'confirmed';
    } finally {
      this.confirmLocks.delete(mottakId);
    }
  }

  private markConfirmed(record: ForsendelseRecord): void {
    record.state = 'confirmed';
    record.confirmedAt = new Date().toISOString();
    this.available.delete(record.plan.mottakId);
    this.confirmed.set(record.plan.mottakId, record);
  }

  sha256(record: ForsendelseRecord): Promise<string> {
    record.sha256 ??= forsendelseSha256(record.plan, record.cache).then((value) => {
      record.sha256Value = value;
      return value;
    });
    return record.sha256;
  }

  /** Each entry's name, size and sha256 (a pass over the attachments, once). */
  async entries(record: ForsendelseRecord): Promise<ForsendelseEntry[]> {
    record.entriesValue = await forsendelseEntries(record.plan, record.cache);
    return record.entriesValue;
  }

  releaseHungDownloads(): void {
    for (const res of this.hungDownloads) {
      res.socket?.destroy();
    }
    this.hungDownloads.clear();
  }

  reset(): void {
    this.available.clear();
    this.confirmed.clear();
    this.confirmLocks.clear();
    this.random = new SeededRandom(this.settings.seed);
    this.confirms.clear();
    this.downloads.clear();
    this.authFailures.clear();
    this.revocation.clear();
    this.faults.clear();
    this.releaseHungDownloads();
    this.omitContentLength = this.settings.omitContentLength;
    this.legacyAvailableFields = this.settings.legacyAvailableFields;
  }
}
