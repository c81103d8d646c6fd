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

export interface FaultSnapshot {
  latencyMs: number;
  errorRate: number;
  hangNext: number;
  injectedErrors: number;
  hungRequests: number;
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

  reset(): void {
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
