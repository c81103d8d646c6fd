import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * `received`: the request reached the peer's routes (before its body is read or it is handled). `responding`:
 * the answer's status line and headers are being written, before any of its body. `answered`: the whole
 * answer was handed to the operating system.
 */
export type RequestPhase = 'received' | 'responding' | 'answered';

/** A request in the peer's own terms: which operation, on which id (mottakId, messageId), which file. */
export interface RequestOperation {
  operation: string;
  id?: string;
  filename?: string;
}

export interface ObservedRequest extends RequestOperation {
  phase: RequestPhase;
  method: string;
  path: string;
  /** The answer's status; 0 while `received`. */
  status: number;
}

export type RequestListener = (request: ObservedRequest) => void;

/** Names a peer request's operation; undefined for requests nobody waits on. */
export type RequestClassifier = (req: Request) => RequestOperation | undefined;

/**
 * An in-process hook for tests that run the simulators in their own process: listeners are called
 * synchronously at each phase of a peer request, before the simulator carries on, so a test can stop the
 * client (kill -9) at an exact step of the protocol, e.g. after the IP answered an upload but before the
 * client read that answer. Control requests and requests answered by the generic faults are not observed.
 */
export class RequestObserver {
  private readonly listeners = new Set<RequestListener>();

  constructor(private readonly classify: RequestClassifier) {}

  /** Adds a listener; the returned function removes it. */
  onRequest(listener: RequestListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      const operation = this.listeners.size === 0 || req.path.startsWith('/_sim/') ? undefined : this.classify(req);
      if (operation === undefined) {
        next();
        return;
      }
      const request = { ...operation, method: req.method, path: req.path };
      this.emit({ ...request, phase: 'received', status: 0 });
      // Node has no event for "headers about to be written"; every answer, implicit or not, goes through
      // writeHead, so it is wrapped for this one response.
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
      let responding = false;
      res.writeHead = ((...args: unknown[]) => {
        if (!responding) {
          responding = true;
          this.emit({ ...request, phase: 'responding', status: typeof args[0] === 'number' ? args[0] : 0 });
        }
        return writeHead(...args);
      }) as Response['writeHead'];
      res.once('finish', () => this.emit({ ...request, phase: 'answered', status: res.statusCode }));
      next();
    };
  }

  private emit(request: ObservedRequest): void {
    for (const listener of [...this.listeners]) {
      listener(request);
    }
  }
}
