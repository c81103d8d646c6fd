import { messageIdFor } from '../../src/forsendelse/forsendelse-ids';
import { arkivmeldingProblems } from '../support/arkivmelding-schema';

/**
 * The judge of a run, from the simulators' own records (not our logs or tables): was every forsendelse Brreg
 * offered confirmed once, after the IP stored LEVERT for a message carrying its bytes, delivered once, with every
 * document of its zip intact — or parked with a reason?
 */

export interface OfferedForsendelse {
  mottakId: string;
  /** sha256 of the zip Brreg served. */
  sha256: string;
  /** Each file entry of that zip with the sha256 of its content; absent where the run did not collect them. */
  entries?: { name: string; sha256: string }[];
}

export interface ConfirmRecord {
  time: string;
  mottakId: string | null;
  /** Brreg simulator outcomes; `confirmed` and `conflict-fault-applied` took effect. */
  outcome: string;
}

export interface IpMessageRecord {
  messageId: string;
  files: { filename: string; sha256: string | null }[];
  /** Copies the IP delivered for this messageId (a repeated send can deliver twice). */
  copiesDelivered: number;
  statuses: { status: string; lastUpdate: string }[];
}

export interface RunRecords {
  name: string;
  offered: OfferedForsendelse[];
  confirms: ConfirmRecord[];
  messages: IpMessageRecord[];
  /** mottakId → reason, for forsendelser the bridge parked as FAILED (from its admin list). */
  parked: ReadonlyMap<string, string>;
  /**
   * The arkivmelding.xml of each delivered message as the IP stored it (null: it has none); absent where the run
   * did not collect them.
   */
  arkivmeldinger?: { messageId: string; xml: string | null }[];
}

export interface Verdict {
  name: string;
  items: number;
  lost: string[];
  early: string[];
  duplicate: string[];
  double: string[];
  /** Confirmed forsendelser with a document missing, or differing in bytes, at the IP. */
  documents: string[];
  /** Delivered messages whose arkivmelding.xml is missing or fails the schema check (docs/peers/arkivmelding.md). */
  arkivmelding: string[];
  unexpected: string[];
}

const TOOK_EFFECT = new Set(['confirmed', 'conflict-fault-applied']);
const DELIVERED = new Set(['LEVERT', 'LEST']);
/** Attempts looked for when mapping a messageId back to its forsendelse. */
const MAX_ATTEMPTS_CHECKED = 20;

export function judge(run: RunRecords): Verdict {
  const verdict: Verdict = {
    name: run.name,
    items: run.offered.length,
    lost: [],
    early: [],
    duplicate: [],
    double: [],
    documents: [],
    arkivmelding: [],
    unexpected: [],
  };
  const offered = new Map(run.offered.map((f) => [f.mottakId.toLowerCase(), f]));
  const effective = run.confirms.filter((c) => c.mottakId !== null && TOOK_EFFECT.has(c.outcome));

  for (const confirm of effective) {
    if (!offered.has((confirm.mottakId as string).toLowerCase())) {
      verdict.unexpected.push(confirm.mottakId as string);
    }
  }

  for (const message of run.messages) {
    if (message.copiesDelivered > 1) {
      verdict.duplicate.push(`${message.messageId}: ${message.copiesDelivered} copies`);
    }
  }

  for (const { messageId, xml } of run.arkivmeldinger ?? []) {
    const problems = xml === null ? ['no arkivmelding.xml'] : arkivmeldingProblems(xml);
    if (problems.length > 0) {
      verdict.arkivmelding.push(`${messageId}: ${problems.join('; ')}`);
    }
  }

  for (const f of run.offered) {
    const id = f.mottakId.toLowerCase();
    const confirms = effective.filter((c) => (c.mottakId as string).toLowerCase() === id);
    if (confirms.length === 0) {
      if (!run.parked.get(f.mottakId)) {
        verdict.lost.push(f.mottakId);
      }
      continue;
    }
    if (confirms.length > 1) {
      verdict.double.push(`${f.mottakId}: ${confirms.length} confirms`);
    }
    // A carrier holds the zip as served or any of its entries: whether the bridge forwards the zip or the
    // documents (or both, in its safe form) is its own choice, so the judge does not depend on it.
    const entryHashes = new Set((f.entries ?? []).map((e) => e.sha256));
    const carriers = run.messages.filter((m) =>
      m.files.some((file) => file.sha256 === f.sha256 || (file.sha256 !== null && entryHashes.has(file.sha256))),
    );
    const deliveredAt = carriers
      .flatMap((m) => m.statuses)
      .filter((s) => DELIVERED.has(s.status))
      .map((s) => Date.parse(s.lastUpdate));
    const firstConfirm = Math.min(...confirms.map((c) => Date.parse(c.time)));
    if (deliveredAt.length === 0 || Math.min(...deliveredAt) > firstConfirm) {
      verdict.early.push(f.mottakId);
    }
    const delivered = carriers.filter((m) => m.statuses.some((s) => DELIVERED.has(s.status)));
    if (f.entries !== undefined && delivered.length > 0) {
      // One delivered message must hold them all; the one that lacks the fewest names what is missing.
      const fewest = delivered.map((m) => missingDocuments(f, m)).sort((a, b) => a.length - b.length)[0];
      if (fewest.length > 0) {
        verdict.documents.push(`${f.mottakId}: ${fewest.join(', ')} missing or changed at the IP`);
      }
    }
    // Every delivered carrier must be a distinct attempt of this forsendelse (deterministic ids): anything
    // else is the same bytes delivered under an id the bridge should never have made.
    const attemptIds = new Set(Array.from({ length: MAX_ATTEMPTS_CHECKED }, (_, i) => messageIdFor(f.mottakId, i + 1)));
    for (const m of carriers) {
      if (m.statuses.some((s) => DELIVERED.has(s.status)) && !attemptIds.has(m.messageId)) {
        verdict.duplicate.push(`${m.messageId}: delivers ${f.mottakId} but is none of its attempts`);
      }
    }
  }
  return verdict;
}

/**
 * The entries of `f`'s zip that message `m` lacks: none if it carries the zip itself with Brreg's bytes (the zip
 * mode and the safe form), else each entry whose content (by sha256) is not one of its files.
 */
function missingDocuments(f: OfferedForsendelse, m: IpMessageRecord): string[] {
  const hashes = new Set(m.files.map((file) => file.sha256));
  if (hashes.has(f.sha256)) {
    return [];
  }
  return (f.entries ?? []).filter((e) => !hashes.has(e.sha256)).map((e) => e.name);
}

/** A verdict recorded before `documents` existed counts none. */
function documentsOf(v: Verdict): string[] {
  return v.documents ?? [];
}

/** Likewise for one recorded before `arkivmelding` existed. */
function arkivmeldingOf(v: Verdict): string[] {
  return v.arkivmelding ?? [];
}

export function verdictLine(v: Verdict): string {
  return (
    `${v.name}: ${v.items} items, lost ${v.lost.length}, early ${v.early.length}, duplicate ${v.duplicate.length}, ` +
    `double ${v.double.length}, documents ${documentsOf(v).length}, arkivmelding ${arkivmeldingOf(v).length}, ` +
    `unexpected ${v.unexpected.length}`
  );
}

/** The last line of a fault run; any non-zero count fails it. */
export function summaryLine(verdicts: readonly Verdict[]): string {
  const sum = (pick: (v: Verdict) => unknown[]) => verdicts.reduce((n, v) => n + pick(v).length, 0);
  const items = verdicts.reduce((n, v) => n + v.items, 0);
  return (
    `faults: ${verdicts.length} runs, ${items} items, lost ${sum((v) => v.lost)}, early ${sum((v) => v.early)}, ` +
    `duplicate ${sum((v) => v.duplicate)}, double ${sum((v) => v.double)}, documents ${sum(documentsOf)}, ` +
    `arkivmelding ${sum(arkivmeldingOf)}`
  );
}

export function isClean(v: Verdict): boolean {
  return (
    v.lost.length +
      v.early.length +
      v.duplicate.length +
      v.double.length +
      documentsOf(v).length +
      arkivmeldingOf(v).length +
      v.unexpected.length ===
    0
  );
}
