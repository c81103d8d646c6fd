import type { Request } from 'express';
import type { RequestOperation } from '../common/request-observer';

const OPERATIONS: Record<string, string> = {
  'GET /outbound/available': 'available',
  'GET /outbound/download': 'download',
  'PUT /outbound/confirm': 'confirm',
};

/** Brreg mottak's operations for the request observer, with the mottakId they name. */
export function brregOperation(req: Request): RequestOperation | undefined {
  const operation = OPERATIONS[`${req.method} ${req.path}`];
  if (operation === undefined) {
    return undefined;
  }
  const mottakId = req.query.mottakId;
  return typeof mottakId === 'string' ? { operation, id: mottakId.toLowerCase() } : { operation };
}
