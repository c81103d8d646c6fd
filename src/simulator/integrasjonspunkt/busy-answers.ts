import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { IpHttpError, writeSpringError } from './ip.errors';

/**
 * `POST /_sim/faults/busy`: the next `times` matching API requests are answered 429 or 503 with a Retry-After
 * (delay-seconds as a number, or the header's text as given, e.g. an HTTP-date) — the IP restarting behind its
 * load balancer, or a gateway's rate limit. The request never reaches the IP's routes.
 */
export const busySchema = z.strictObject({
  status: z.union([z.literal(429), z.literal(503)]),
  retryAfter: z.union([z.number().int().min(0).max(86_400), z.string().min(1).max(100)]).optional(),
  method: z.string().min(1).max(10).optional(),
  /** A regular expression on the request path (`/api/…`); every API request when absent. */
  path: z.string().min(1).max(500).optional(),
  times: z.number().int().min(1).max(1_000).default(1),
});
export type BusyRequest = z.infer<typeof busySchema>;

interface ArmedBusy {
  status: 429 | 503;
  retryAfter?: string;
  method?: string;
  path?: RegExp;
  remaining: number;
}

const REASON = { 429: 'Too many requests; try again later', 503: 'Service unavailable; try again later' };

export class BusyAnswers {
  private armed: ArmedBusy[] = [];
  private answered = 0;

  arm(request: BusyRequest): void {
    this.armed.push({
      status: request.status,
      retryAfter: request.retryAfter === undefined ? undefined : String(request.retryAfter),
      method: request.method?.toUpperCase(),
      path: request.path === undefined ? undefined : new RegExp(request.path),
      remaining: request.times,
    });
  }

  clear(): void {
    this.armed = [];
  }

  view(): { armed: { status: number; retryAfter?: string; remaining: number }[]; answered: number } {
    return {
      armed: this.armed.map((b) => ({ status: b.status, retryAfter: b.retryAfter, remaining: b.remaining })),
      answered: this.answered,
    };
  }

  /** Express middleware for the API routes: answers a matching request busy, or passes it on. */
  middleware(timeZone: string): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      const index = this.armed.findIndex(
        (b) => (b.method === undefined || b.method === req.method) && (b.path === undefined || b.path.test(req.path)),
      );
      if (req.path.startsWith('/_sim/') || index === -1) {
        next();
        return;
      }
      const busy = this.armed[index];
      busy.remaining -= 1;
      if (busy.remaining <= 0) {
        this.armed.splice(index, 1);
      }
      this.answered += 1;
      const answer = (): void => {
        if (busy.retryAfter !== undefined) {
          res.setHeader('Retry-After', busy.retryAfter);
        }
        writeSpringError(req, res, new IpHttpError(busy.status, undefined, REASON[busy.status]), timeZone);
      };
      if (req.readableEnded) {
        answer();
        return;
      }
      // Read the body first, so an upload gets the answer rather than a reset.
      req.once('end', answer);
      req.resume();
    };
  }
}
