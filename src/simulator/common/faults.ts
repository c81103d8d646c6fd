import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { SeededRandom } from './seeded-random';

/** What the control API may set; every field optional so a call changes only what it names. */
export const faultSettingsSchema = z.strictObject({
  /** Added to every non-control request before it is handled. */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** Fraction (0..1) of non-control requests answered with the simulator's 5xx error. */
  errorRate: z.number().min(0).max(1).optional(),
  /** The next N non-control requests are accepted and never answered (a hung peer). */
  hangNext: z.number().int().min(0).optional(),
  /** Restarts the fault draws from this seed, so a run is reproducible. */
  seed: z.number().int().optional(),
});
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

/**
 * "Answer the next `times` requests matching `method` and `path` with this": a hostile or broken answer (an HTML
 * error page, invalid JSON, a wrong content type, a huge body) in place of the peer's own. `path` is matched
 * against the request path without its query: `*` stands for any characters within one segment, `**` for any
 * characters at all. `bodyBytes` generates a body of exactly that many bytes by repeating `body` (default `x`),
 * streamed with back-pressure, so a simulator can serve gigabytes without holding them.
 */
export const responseOverrideSchema = z.strictObject({
  method: z
    .string()
    .regex(/^([A-Za-z]+|\*)$/, 'an HTTP method or *')
    .transform((m) => m.toUpperCase())
    .default('*'),
  path: z.string().startsWith('/', 'must start with /'),
  times: z.number().int().min(1).default(1),
  status: z.number().int().min(200).max(599),
  /** Omitted: the answer has no Content-Type at all. */
  contentType: z.string().min(1).optional(),
  body: z
    .string()
    .max(16 * 1024 * 1024)
    .optional(),
  bodyBytes: z
    .number()
    .int()
    .min(0)
    .max(16 * 1024 ** 3)
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type ResponseOverride = z.infer<typeof responseOverrideSchema>;

export interface ResponseOverrideSnapshot {
  method: string;
  path: string;
  status: number;
  /** Requests still to be answered by it. */
  remaining: number;
  /** Requests it answered so far. */
  served: number;
}

export interface FaultSnapshot {
  latencyMs: number;
  errorRate: number;
  hangNext: number;
  injectedErrors: number;
  hungRequests: number;
  /** Every override armed since the last reset, used up or not (in arming order). */
  responseOverrides: ResponseOverrideSnapshot[];
}

/** Writes the simulator's own 5xx error body (each peer has its own shape). */
export type ServerErrorResponder = (req: Request, res: Response) => void;

/**
 * Generic network-level faults shared by the three simulators. Peer-specific faults (a revoked token,
 * ERROR-00005, a FEIL status) live in each simulator.
 */
export class FaultInjector {
  private latencyMs = 0;
  private errorRate = 0;
  private hangNext = 0;
  private injectedErrors = 0;
  private readonly hung = new Set<Response>();
  private overrides: ArmedOverride[] = [];
  private random: SeededRandom;

  constructor(private readonly seed: number) {
    this.random = new SeededRandom(seed);
  }

  apply(settings: FaultSettings): void {
    if (settings.latencyMs !== undefined) {
      this.latencyMs = settings.latencyMs;
    }
    if (settings.errorRate !== undefined) {
      this.errorRate = settings.errorRate;
    }
    if (settings.hangNext !== undefined) {
      this.hangNext = settings.hangNext;
    }
    if (settings.seed !== undefined) {
      this.random = new SeededRandom(settings.seed);
    }
  }

  /** Arms an override; the oldest armed one with requests left wins when several match. */
  override(override: ResponseOverride): void {
    this.overrides.push({ ...override, pattern: pathPattern(override.path), remaining: override.times, served: 0 });
  }

  clearOverrides(): void {
    this.overrides = [];
  }

  reset(): void {
    this.overrides = [];
    this.latencyMs = 0;
    this.errorRate = 0;
    this.hangNext = 0;
    this.injectedErrors = 0;
    this.random = new SeededRandom(this.seed);
    this.releaseHung();
  }

  snapshot(): FaultSnapshot {
    return {
      latencyMs: this.latencyMs,
      errorRate: this.errorRate,
      hangNext: this.hangNext,
      injectedErrors: this.injectedErrors,
      hungRequests: this.hung.size,
      responseOverrides: this.overrides.map((o) => ({
        method: o.method,
        path: o.path,
        status: o.status,
        remaining: o.remaining,
        served: o.served,
      })),
    };
  }

  /** Destroys the sockets of hung requests (on reset and on close, so the server can stop). */
  releaseHung(): void {
    for (const res of this.hung) {
      res.socket?.destroy();
    }
    this.hung.clear();
  }

  /** Express middleware; control routes (`/_sim/...`) are never faulted. */
  middleware(respondServerError: ServerErrorResponder): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (req.path.startsWith('/_sim/')) {
        next();
        return;
      }
      const override = this.overrides.find(
        (o) => o.remaining > 0 && (o.method === '*' || o.method === req.method) && o.pattern.test(req.path),
      );
      if (override) {
        override.remaining -= 1;
        override.served += 1;
        respondWith(req, res, override);
        return;
      }
      if (this.hangNext > 0) {
        this.hangNext -= 1;
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        return;
      }
      const proceed = (): void => {
        if (this.errorRate > 0 && this.random.next() < this.errorRate) {
          this.injectedErrors += 1;
          respondServerError(req, res);
          return;
        }
        next();
      };
      if (this.latencyMs > 0) {
        setTimeout(proceed, this.latencyMs);
        return;
      }
      proceed();
    };
  }
}

interface ArmedOverride extends ResponseOverride {
  pattern: RegExp;
  remaining: number;
  served: number;
}

/** `*` within one segment, `**` across segments; everything else literal. */
function pathPattern(glob: string): RegExp {
  const source = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/**
 * The request body is read and dropped first, so the client gets the answer cleanly instead of a reset in the
 * middle of its upload; then the override's status, headers and body.
 */
function respondWith(req: Request, res: Response, override: ResponseOverride): void {
  const answer = (): void => {
    res.status(override.status);
    for (const [name, value] of Object.entries(override.headers ?? {})) {
      res.setHeader(name, value);
    }
    if (override.contentType !== undefined) {
      res.setHeader('Content-Type', override.contentType);
    }
    if (override.bodyBytes === undefined) {
      const body = Buffer.from(override.body ?? '', 'utf8');
      res.setHeader('Content-Length', body.length);
      res.end(body);
      return;
    }
    res.setHeader('Content-Length', override.bodyBytes);
    writeGenerated(res, Buffer.from(override.body || 'x', 'utf8'), override.bodyBytes);
  };
  if (req.complete) {
    answer();
    return;
  }
  req.once('end', answer);
  req.resume();
}

/** `total` bytes of `unit` repeated, written with back-pressure; stops when the client goes away. */
function writeGenerated(res: Response, unit: Buffer, total: number): void {
  const chunk = Buffer.alloc(unit.length * Math.ceil((64 * 1024) / unit.length), unit);
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) {
      res.end();
    }
  };
  pump();
}
