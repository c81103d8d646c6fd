import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { parseControlBody } from '../common/simulator-app';
import {
  SeedError,
  TRUNCATION_MODES,
  type BrregState,
  type ForsendelseRecord,
  type ForsendelseState,
} from './brreg.state';
import { henvendelseXmlOf } from './forsendelse-zip';
import { FORSENDELSE_KINDS, FORSENDELSE_SHAPES, KVITTERING_STATUSES, MAX_ATTACHMENTS } from './forsendelse.plan';
import type { ForsendelseEntry } from './forsendelse-zip';
import { HENVENDELSE_FILE_NAME } from './henvendelse-xml.builder';
import { LOCAL_DATE_TIME_PATTERN } from './local-date-time';

const UUID = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a UUID');
/** A `token` of at most 64 characters, as the henvendelse schema allows for tjeneste. */
const TOKEN64 = z.string().regex(/^\S{1,64}$/, 'at most 64 characters without spaces');

const seedSchema = z.strictObject({
  orgnr: z
    .string()
    .regex(/^\d{9}$/, 'nine digits')
    .default('311000012'),
  count: z.number().int().min(1).max(10_000).default(1),
  /** The exact size of the whole ZIP (a vedtak; its attachments are sized to fit). */
  sizeBytes: z
    .number()
    .int()
    .min(1)
    .max(2 ** 40)
    .optional(),
  attachments: z.number().int().min(1).max(MAX_ATTACHMENTS).optional(),
  kind: z.enum(FORSENDELSE_KINDS).optional(),
  tjeneste: TOKEN64.optional(),
  oppdatert: z.string().regex(LOCAL_DATE_TIME_PATTERN, 'a local date-time like 2019-09-05T09:43:51.691').optional(),
  status: z.string().min(1).max(64).optional(),
  omitContentLength: z.boolean().optional(),
  mottakId: UUID.optional(),
  meldingsReferanse: TOKEN64.optional(),
  kvitteringStatus: z.enum(KVITTERING_STATUSES).optional(),
  forceZip64: z.boolean().optional(),
  shapes: z.array(z.enum(FORSENDELSE_SHAPES)).max(FORSENDELSE_SHAPES.length).optional(),
  variety: z.boolean().optional(),
});

const settingsSchema = z.strictObject({
  omitContentLength: z.boolean().optional(),
  legacyAvailableFields: z.boolean().optional(),
});

const times = z.number().int().min(1).max(1_000).default(1);
const confirmConflictSchema = z.strictObject({ mottakId: UUID, applied: z.boolean().default(true), times });
const truncateSchema = z.strictObject({
  mottakId: UUID,
  afterBytes: z.number().int().min(0),
  mode: z.enum(TRUNCATION_MODES).default('close'),
  times,
});
const hangSchema = z.strictObject({ mottakId: UUID, times });

/** sha256 is worked out for a seed response only while the request's bytes stay under this. */
const SEED_SHA256_BUDGET = 64 * 1024 * 1024;

function summary(record: ForsendelseRecord, sha256: string | null, entries: ForsendelseEntry[] | null) {
  const { plan } = record;
  return {
    mottakId: plan.mottakId,
    orgnr: plan.orgnr,
    kind: plan.kind,
    tjeneste: plan.tjeneste,
    tjenestehandling: plan.tjenestehandling,
    meldingsReferanse: plan.meldingsReferanse,
    kvitteringStatus: plan.kvitteringStatus ?? null,
    shapes: plan.shapes,
    status: record.status,
    oppdatert: record.oppdatert,
    createdAt: record.createdAt,
    state: record.state,
    confirmedAt: record.confirmedAt ?? null,
    downloads: record.downloads,
    completedDownloads: record.completedDownloads,
    sizeBytes: plan.totalSize,
    omitContentLength: record.omitContentLength ?? null,
    zip64: plan.forceZip64 || plan.totalSize >= 0xffffffff,
    files: [
      { name: HENVENDELSE_FILE_NAME, size: plan.xmlSize },
      ...plan.attachments.map((a) => ({
        name: a.filnavn,
        entryName: a.entryName,
        size: a.size,
        sjekksum: a.withSjekksum,
      })),
    ],
    sha256,
    /** Each file entry as served (name, size, sha256 of its content); null until worked out. */
    entries,
  };
}

/** The Brreg simulator's own control routes, mounted at `/_sim`. */
export function brregControlRouter(state: BrregState): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  router.post('/forsendelser', async (req: Request, res: Response) => {
    const request = parseControlBody(seedSchema, req.body);
    let records: ForsendelseRecord[];
    try {
      records = state.seed(request);
    } catch (error) {
      if (error instanceof SeedError) {
        res.status(400).json({ error: error.message });
        return;
      }
      throw error;
    }
    const bytes = records.reduce((sum, r) => sum + r.plan.totalSize, 0);
    const hashed = bytes <= SEED_SHA256_BUDGET;
    const hashes = hashed ? await Promise.all(records.map((r) => state.sha256(r))) : records.map(() => null);
    const entries = hashed ? await Promise.all(records.map((r) => state.entries(r))) : records.map(() => null);
    res.status(201).json(records.map((r, i) => summary(r, hashes[i], entries[i])));
  });

  router.get('/forsendelser', (req: Request, res: Response) => {
    const orgnr = typeof req.query.orgnr === 'string' ? req.query.orgnr : undefined;
    const wanted = typeof req.query.state === 'string' ? (req.query.state as ForsendelseState) : undefined;
    const list = state
      .all()
      .filter((r) => (orgnr === undefined || r.plan.orgnr === orgnr) && (wanted === undefined || r.state === wanted));
    res.json(list.map((r) => summary(r, r.sha256Value ?? null, r.entriesValue ?? null)));
  });

  router.get('/forsendelser/:mottakId', async (req: Request, res: Response) => {
    const record = state.find(String(req.params.mottakId).toLowerCase());
    if (record === undefined) {
      res.status(404).json({ error: `no forsendelse ${String(req.params.mottakId)}` });
      return;
    }
    // Generating the ZIP to hash it takes about a second per GiB.
    res.json(summary(record, await state.sha256(record), await state.entries(record)));
  });

  router.get('/forsendelser/:mottakId/hendvendelse.xml', async (req: Request, res: Response) => {
    const record = state.find(String(req.params.mottakId).toLowerCase());
    if (record === undefined) {
      res.status(404).json({ error: `no forsendelse ${String(req.params.mottakId)}` });
      return;
    }
    res.type('application/xml').send(await henvendelseXmlOf(record.plan, record.cache));
  });

  router.get('/confirms', (_req: Request, res: Response) => {
    res.json(state.confirms.all());
  });
  router.get('/downloads', (_req: Request, res: Response) => {
    res.json(state.downloads.all());
  });
  router.get('/auth-failures', (_req: Request, res: Response) => {
    res.json(state.authFailures.all());
  });

  router.get('/settings', (_req: Request, res: Response) => {
    res.json(settingsOf(state));
  });
  router.post('/settings', (req: Request, res: Response) => {
    const settings = parseControlBody(settingsSchema, req.body);
    state.omitContentLength = settings.omitContentLength ?? state.omitContentLength;
    state.legacyAvailableFields = settings.legacyAvailableFields ?? state.legacyAvailableFields;
    res.json(settingsOf(state));
  });

  router.post('/faults/revoke-tokens', (_req: Request, res: Response) => {
    state.revocation.revokeAll(Date.now());
    res.json(brregFaults(state));
  });
  router.post('/faults/confirm-conflict', (req: Request, res: Response) => {
    const fault = parseControlBody(confirmConflictSchema, req.body);
    state.faults.confirmConflicts.set(fault.mottakId.toLowerCase(), { applied: fault.applied, remaining: fault.times });
    res.json(brregFaults(state));
  });
  router.post('/faults/truncate-download', (req: Request, res: Response) => {
    const fault = parseControlBody(truncateSchema, req.body);
    state.faults.truncations.set(fault.mottakId.toLowerCase(), {
      afterBytes: fault.afterBytes,
      mode: fault.mode,
      remaining: fault.times,
    });
    res.json(brregFaults(state));
  });
  router.post('/faults/hang-download', (req: Request, res: Response) => {
    const fault = parseControlBody(hangSchema, req.body);
    state.faults.hangs.set(fault.mottakId.toLowerCase(), { remaining: fault.times });
    res.json(brregFaults(state));
  });
  router.get('/faults/brreg', (_req: Request, res: Response) => {
    res.json(brregFaults(state));
  });
  router.delete('/faults/brreg', (_req: Request, res: Response) => {
    state.faults.clear();
    state.revocation.clear();
    state.releaseHungDownloads();
    res.json(brregFaults(state));
  });
  return router;
}

function settingsOf(state: BrregState) {
  return { omitContentLength: state.omitContentLength, legacyAvailableFields: state.legacyAvailableFields };
}

function brregFaults(state: BrregState) {
  const cutoff = state.revocation.cutoff();
  return {
    revokedBefore: cutoff === undefined ? null : new Date(cutoff * 1000).toISOString(),
    ...state.faults.snapshot(),
    hungDownloadsOpen: state.hungDownloads.size,
  };
}
