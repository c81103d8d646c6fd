import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { BoundedLog } from './bounded-log';

export interface CallRecord {
  /** When the request arrived (ISO-8601, UTC). */
  time: string;
  method: string;
  /** Path with query string, as sent. */
  url: string;
  /** Status sent, or 0 if the connection closed before an answer (a hang or a reset). */
  status: number;
  durationMs: number;
}

/** Records every non-control request, so tests can assert what a client actually sent. */
export class CallLog {
  private readonly log: BoundedLog<CallRecord>;

  constructor(capacity = 100_000) {
    this.log = new BoundedLog<CallRecord>(capacity);
  }

  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (req.path.startsWith('/_sim/')) {
        next();
        return;
      }
      const started = Date.now();
      const time = new Date(started).toISOString();
      let recorded = false;
      const record = (): void => {
        if (recorded) {
          return;
        }
        recorded = true;
        this.log.push({
          time,
          method: req.method,
          url: req.originalUrl,
          status: res.writableFinished ? res.statusCode : 0,
          durationMs: Date.now() - started,
        });
      };
      res.on('finish', record);
      res.on('close', record);
      next();
    };
  }

  all(): readonly CallRecord[] {
    return this.log.all();
  }

  clear(): void {
    this.log.clear();
  }
}
