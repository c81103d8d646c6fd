import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';

/** The `kilde` in every documented Brreg error body. */
export const BRREG_ERROR_KILDE = 'maskinport-agent';

/** Brreg's documented codes; every other failure we answer with is our choice (docs/simulators/brreg.md). */
export const BrregFeilkode = {
  /** Generic: 500 "try again later"; we also use it for 400 and 404, where Brreg documents nothing. */
  generic: 'ERROR-00000',
  /** Two confirms of one forsendelse at once (optimistic lock). */
  concurrentConfirm: 'ERROR-00005',
} as const;
export type BrregFeilkode = (typeof BrregFeilkode)[keyof typeof BrregFeilkode];

export const CONCURRENT_CONFIRM_BESKRIVELSE = 'Simultaneous attempt to confirm same file';

export interface BrregErrorBody {
  feilId: string;
  mottakId: string | null;
  kilde: string;
  feilkode: BrregFeilkode;
  beskrivelse: string;
}

export function sendBrregError(
  res: Response,
  status: number,
  feilkode: BrregFeilkode,
  beskrivelse: string,
  mottakId: string | null,
): void {
  const body: BrregErrorBody = { feilId: randomUUID(), mottakId, kilde: BRREG_ERROR_KILDE, feilkode, beskrivelse };
  res.status(status).json(body);
}

/** The error body for a 5xx a generic fault injects: Brreg's generic ERROR-00000. */
export function respondBrregServerError(req: Request, res: Response): void {
  const mottakId = typeof req.query.mottakId === 'string' ? req.query.mottakId : null;
  sendBrregError(res, 500, BrregFeilkode.generic, 'Internal server error, try again later', mottakId);
}

/** The two `WWW-Authenticate` values Brreg documents, byte for byte. */
export const WWW_AUTHENTICATE = {
  unauthorized:
    'Bearer realm="unspecified", error="unauthorized", error_description="Full authentication is required to access this resource"',
  invalid_token:
    'Bearer realm="unspecified", error="invalid_token", error_description="invalid bearer token or wrong scope for bearer token"',
} as const;
export type AuthFailure = keyof typeof WWW_AUTHENTICATE;

const AUTH_DESCRIPTIONS: Record<AuthFailure, string> = {
  unauthorized: 'Full authentication is required to access this resource',
  invalid_token: 'invalid bearer token or wrong scope for bearer token',
};

/**
 * 401 with the documented header. The body is our choice: the `{error, error_description}` JSON that Spring Security
 * OAuth2's entry point writes next to exactly this header format.
 */
export function respondUnauthorized(res: Response, failure: AuthFailure): void {
  res
    .status(401)
    .set('WWW-Authenticate', WWW_AUTHENTICATE[failure])
    .json({ error: failure, error_description: AUTH_DESCRIPTIONS[failure] });
}

const REASONS: Record<number, string> = { 404: 'Not Found', 405: 'Method Not Allowed' };

/**
 * Spring Boot's default error body, for what no Brreg controller handles (an unknown path, a wrong method): the
 * service is a Spring Boot application, and its own error JSON comes from its controllers only.
 */
export function respondSpringError(req: Request, res: Response, status: 404 | 405): void {
  res.status(status).json({
    timestamp: new Date().toISOString().replace('Z', '+00:00'),
    status,
    error: REASONS[status],
    // The full path, as Spring reports it (a router mount point is invisible to req.path).
    path: req.originalUrl.split('?')[0],
  });
}
