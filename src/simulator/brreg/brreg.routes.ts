import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Readable } from 'node:stream';
import {
  BrregFeilkode,
  CONCURRENT_CONFIRM_BESKRIVELSE,
  respondSpringError,
  respondUnauthorized,
  sendBrregError,
} from './brreg.errors';
import type {
  BrregState,
  ConfirmOutcome,
  DownloadOutcome,
  ForsendelseRecord,
  Truncation,
  TruncationMode,
} from './brreg.state';
import type { BrregTokenVerifier } from './brreg-token.verifier';
import { createForsendelseZipStream } from './forsendelse-zip';
import { parseLocalDate } from './local-date-time';

export interface BrregRouteDeps {
  state: BrregState;
  verifier: BrregTokenVerifier;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Brreg's mottak: `/outbound/available`, `/outbound/download`, `/outbound/confirm`, and the Swagger page. */
export function brregRouter(deps: BrregRouteDeps): Router {
  const router = express.Router();
  for (const path of ['/swagger-ui/index.html', '/outbound/swagger-ui/index.html', '/outbound/swagger-ui.html']) {
    router.get(path, swaggerPage);
  }

  const outbound = express.Router();
  // Spring Security sits in front of every handler: an unknown path or a wrong method is 401 before it is 404/405.
  outbound.use(authenticate(deps));
  outbound.get('/available', available(deps.state));
  outbound.get('/download', download(deps.state));
  outbound.put('/confirm', confirm(deps.state));
  outbound.all('/available', methodNotAllowed('GET'));
  outbound.all('/download', methodNotAllowed('GET'));
  outbound.all('/confirm', methodNotAllowed('PUT'));
  router.use('/outbound', outbound);
  return router;
}

function authenticate(deps: BrregRouteDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const result = await deps.verifier.check(req.headers.authorization);
    if (!result.ok) {
      deps.state.authFailures.push({
        time: new Date().toISOString(),
        method: req.method,
        path: req.originalUrl,
        failure: result.failure,
        reason: result.reason,
      });
      respondUnauthorized(res, result.failure);
      return;
    }
    res.locals.orgnr = result.orgnr;
    next();
  };
}

function orgnrOf(res: Response): string {
  return res.locals.orgnr as string;
}

function methodNotAllowed(allowed: string) {
  return (req: Request, res: Response): void => {
    res.set('Allow', allowed);
    respondSpringError(req, res, 405);
  };
}

/** A query parameter as Spring binds a String: the first value; empty counts as absent. */
function queryParam(req: Request, name: string): string | undefined {
  const raw = req.query[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

type MottakIdParam = { ok: true; mottakId: string } | { ok: false; raw: string | null };

function readMottakId(req: Request): MottakIdParam {
  const raw = req.query.mottakId;
  if (typeof raw !== 'string' || !UUID_PATTERN.test(raw)) {
    return { ok: false, raw: typeof raw === 'string' ? raw : null };
  }
  // java.util.UUID compares by value: upper-case hex names the same forsendelse.
  return { ok: true, mottakId: raw.toLowerCase() };
}

function respondBadMottakId(res: Response, raw: string | null): void {
  const beskrivelse = raw === null ? 'Required parameter mottakId is missing' : `mottakId is not a UUID: ${raw}`;
  sendBrregError(res, 400, BrregFeilkode.generic, beskrivelse, raw);
}

function available(state: BrregState) {
  return (req: Request, res: Response): void => {
    const fraDato = queryParam(req, 'fraDato');
    const tilDato = queryParam(req, 'tilDato');
    for (const [name, value] of [
      ['fraDato', fraDato],
      ['tilDato', tilDato],
    ] as const) {
      if (value !== undefined && parseLocalDate(value) === undefined) {
        sendBrregError(res, 400, BrregFeilkode.generic, `${name} is not a date (YYYY-MM-DD): ${value}`, null);
        return;
      }
    }
    const list = state.listAvailable({ orgnr: orgnrOf(res), tjeneste: queryParam(req, 'tjeneste'), fraDato, tilDato });
    res.json(list.map((r) => (state.legacyAvailableFields ? legacyItem(r) : currentItem(r))));
  };
}

function currentItem(r: ForsendelseRecord) {
  return { mottakId: r.plan.listedMottakId ?? r.plan.mottakId, status: r.status, oppdatert: r.oppdatert };
}

function legacyItem(r: ForsendelseRecord) {
  return {
    mottakId: r.plan.listedMottakId ?? r.plan.mottakId,
    version: 0,
    orgnr: Number(r.plan.orgnr),
    dokumentId: r.plan.mottakId,
    status: r.status,
    oppdatert: r.oppdatert,
  };
}

function download(state: BrregState) {
  return async (req: Request, res: Response): Promise<void> => {
    const started = Date.now();
    const orgnr = orgnrOf(res);
    const param = readMottakId(req);
    const log = (
      mottakId: string | null,
      status: number,
      outcome: DownloadOutcome,
      bytes: number,
      contentLength: boolean,
    ) =>
      state.downloads.push({
        time: new Date(started).toISOString(),
        mottakId,
        orgnr,
        status,
        outcome,
        bytes,
        contentLength,
        durationMs: Date.now() - started,
      });
    if (!param.ok) {
      respondBadMottakId(res, param.raw);
      log(param.raw, 400, 'bad-request', 0, false);
      return;
    }
    const { mottakId } = param;
    const record = state.findFor(mottakId, orgnr);
    if (record === undefined || record.state !== 'available') {
      sendBrregError(res, 404, BrregFeilkode.generic, `No forsendelse with mottakId ${mottakId} to download`, mottakId);
      log(mottakId, 404, 'not-found', 0, false);
      return;
    }
    const omitLength = record.omitContentLength ?? state.omitContentLength;
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    if (!omitLength) {
      headers['Content-Length'] = String(record.plan.totalSize);
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    if (state.faults.takeHang(mottakId)) {
      record.downloads += 1;
      res.writeHead(200, headers);
      res.flushHeaders();
      state.hungDownloads.add(res);
      res.on('close', () => {
        state.hungDownloads.delete(res);
        log(mottakId, 200, 'hung', 0, !omitLength);
      });
      return;
    }
    const truncation = state.faults.takeTruncation(mottakId);
    if (truncation?.mode === 'end' && !omitLength) {
      // A well-formed answer for fewer bytes: the header agrees with the short body.
      headers['Content-Length'] = String(Math.min(truncation.afterBytes, record.plan.totalSize));
    }
    const source = await createForsendelseZipStream(record.plan, record.cache);
    record.downloads += 1;
    res.writeHead(200, headers);
    pump(source, res, truncation, (outcome, bytes) => {
      if (outcome === 'complete') {
        record.completedDownloads += 1;
      }
      log(mottakId, 200, outcome, bytes, !omitLength);
    });
  };
}

type PumpOutcome = 'complete' | 'aborted' | 'truncated' | 'reset' | 'short';

/**
 * Copies the ZIP into the response with backpressure. With a truncation, the body stops once `afterBytes` have
 * been written: `close` ends the connection without finishing the response (fewer bytes than Content-Length, or
 * a chunked body without its last chunk), `reset` destroys the socket with an RST once those bytes are flushed,
 * and `end` finishes the response normally, so only the ZIP's own structure shows that it is cut.
 */
function pump(
  source: Readable,
  res: Response,
  truncation: Truncation | undefined,
  done: (outcome: PumpOutcome, bytes: number) => void,
): void {
  let sent = 0;
  let reported = false;
  const report = (outcome: PumpOutcome): void => {
    if (!reported) {
      reported = true;
      done(outcome, sent);
    }
  };
  let stopped = false;
  source.on('data', (chunk: Buffer) => {
    if (stopped) {
      // Chunks the source had already queued when it was destroyed.
      return;
    }
    if (truncation !== undefined && sent + chunk.length > truncation.afterBytes) {
      stopped = true;
      const piece = chunk.subarray(0, truncation.afterBytes - sent);
      sent += piece.length;
      source.destroy();
      stopEarly(res, piece, truncation.mode);
      report(truncation.mode === 'close' ? 'truncated' : truncation.mode === 'reset' ? 'reset' : 'short');
      return;
    }
    sent += chunk.length;
    if (!res.write(chunk)) {
      source.pause();
    }
  });
  res.on('drain', () => source.resume());
  source.on('end', () => res.end());
  source.on('error', () => res.destroy());
  res.on('close', () => {
    source.destroy();
    report(res.writableFinished ? 'complete' : 'aborted');
  });
}

function stopEarly(res: Response, piece: Buffer, mode: TruncationMode): void {
  if (mode === 'end') {
    res.end(piece);
    return;
  }
  const socket = res.socket;
  if (mode === 'reset') {
    // The write callback fires once the bytes are handed to the kernel; the RST follows them.
    res.write(piece, () => socket?.resetAndDestroy());
    return;
  }
  // The socket is ended only once the piece (and the headers before it) reached it: on Node 24 a socket ended
  // while the response still holds them loses them, and the client sees "socket hang up" and no response.
  const tearDown = (): void => {
    socket?.end(() => socket.destroy());
  };
  if (piece.length > 0) {
    res.write(piece, tearDown);
  } else {
    res.flushHeaders();
    setImmediate(tearDown);
  }
}

const CONFIRM_STATUS: Record<ConfirmOutcome, number> = {
  confirmed: 200,
  unknown: 404,
  'already-confirmed': 404,
  concurrent: 500,
  'conflict-fault-applied': 500,
  'conflict-fault-not-applied': 500,
  'bad-request': 400,
};

function confirm(state: BrregState) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgnr = orgnrOf(res);
    const param = readMottakId(req);
    const time = new Date().toISOString();
    if (!param.ok) {
      respondBadMottakId(res, param.raw);
      state.confirms.push({ time, mottakId: param.raw, orgnr, status: 400, outcome: 'bad-request' });
      return;
    }
    const { mottakId } = param;
    const outcome = await state.confirm(mottakId, orgnr);
    const status = CONFIRM_STATUS[outcome];
    state.confirms.push({ time, mottakId, orgnr, status, outcome });
    if (status === 200) {
      res.status(200).end();
    } else if (status === 500) {
      // Brreg: may be ignored, "but preventing it is the client's responsibility"; it says nothing of who won.
      sendBrregError(res, 500, BrregFeilkode.concurrentConfirm, CONCURRENT_CONFIRM_BESKRIVELSE, mottakId);
    } else {
      sendBrregError(res, 404, BrregFeilkode.generic, `No forsendelse with mottakId ${mottakId} to confirm`, mottakId);
    }
  };
}

const SWAGGER_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Swagger UI</title></head>
<body>
<h1>Brreg mottak: outbound API (simulator)</h1>
<p>Every call needs <code>Authorization: Bearer &lt;Maskinporten token with scope brreg:mottak&gt;</code>.</p>
<ul>
<li><code>GET /outbound/available</code> (optional <code>tjeneste</code>, <code>fraDato</code>, <code>tilDato</code>)</li>
<li><code>GET /outbound/download?mottakId={uuid}</code></li>
<li><code>PUT /outbound/confirm?mottakId={uuid}</code></li>
</ul>
</body>
</html>
`;

function swaggerPage(_req: Request, res: Response): void {
  res.type('html').send(SWAGGER_HTML);
}
