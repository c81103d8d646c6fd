import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { CallLog } from './call-log';
import { FaultInjector, faultSettingsSchema, responseOverrideSchema, type ServerErrorResponder } from './faults';

export interface SimulatorApp {
  app: Express;
  calls: CallLog;
  faults: FaultInjector;
}

export interface SimulatorAppOptions {
  seed: number;
  /** Writes this peer's own 5xx body when a fault draws an error. */
  respondServerError: ServerErrorResponder;
  callLogCapacity?: number;
  /** Clears the simulator's own state; the common parts (calls, faults) are cleared by the reset route. */
  onReset: () => void;
}

/**
 * The part every simulator shares: an Express app with the call log and generic faults in front of the
 * peer's routes, and the common control routes:
 *   GET /_sim/calls, DELETE /_sim/calls, GET|POST|DELETE /_sim/faults, POST|DELETE /_sim/faults/responses,
 *   POST /_sim/reset.
 * Peer routes are added by the caller after this returns; `finishSimulatorApp` adds the fallbacks.
 */
export function createSimulatorApp(options: SimulatorAppOptions): SimulatorApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const calls = new CallLog(options.callLogCapacity);
  const faults = new FaultInjector(options.seed);
  app.use(calls.middleware());
  app.use(faults.middleware(options.respondServerError));

  const control = express.Router();
  control.use(express.json({ limit: '10mb' }));
  control.get('/calls', (_req, res) => {
    res.json(calls.all());
  });
  control.delete('/calls', (_req, res) => {
    calls.clear();
    res.status(204).end();
  });
  control.get('/faults', (_req, res) => {
    res.json(faults.snapshot());
  });
  control.post('/faults', (req, res) => {
    faults.apply(parseControlBody(faultSettingsSchema, req.body));
    res.json(faults.snapshot());
  });
  control.delete('/faults', (_req, res) => {
    faults.reset();
    res.json(faults.snapshot());
  });
  control.post('/faults/responses', (req, res) => {
    faults.override(parseControlBody(responseOverrideSchema, req.body));
    res.json(faults.snapshot());
  });
  control.delete('/faults/responses', (_req, res) => {
    faults.clearOverrides();
    res.json(faults.snapshot());
  });
  control.post('/reset', (_req, res) => {
    calls.clear();
    faults.reset();
    options.onReset();
    res.status(204).end();
  });
  app.use('/_sim', control);
  return { app, calls, faults };
}

/** Thrown by control handlers for a bad control request; answered 400 by `finishSimulatorApp`. */
export class ControlRequestError extends Error {}

/** Validates a control API body; a bad one is the test author's mistake, answered 400 with the reason. */
export function parseControlBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new ControlRequestError(z.prettifyError(parsed.error));
  }
  return parsed.data;
}

/**
 * Installs the fallbacks after the peer's routes: unknown control routes → 404, control errors → 400, and
 * anything else to the peer's own not-found / error responders (each peer has its own error shape).
 */
export function finishSimulatorApp(
  app: Express,
  peer: {
    respondNotFound: (req: Request, res: Response) => void;
    respondServerError: ServerErrorResponder;
  },
): void {
  app.use((req: Request, res: Response) => {
    if (req.path.startsWith('/_sim/')) {
      res.status(404).json({ error: `no control route ${req.method} ${req.path}` });
      return;
    }
    peer.respondNotFound(req, res);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.socket?.destroy();
      return;
    }
    if (req.path.startsWith('/_sim/')) {
      const message = err instanceof Error ? err.message : String(err);
      const status = err instanceof ControlRequestError || isBodyParserError(err) ? 400 : 500;
      res.status(status).json({ error: message });
      return;
    }
    peer.respondServerError(req, res);
  });
}

function isBodyParserError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'type' in err && 'status' in err;
}
