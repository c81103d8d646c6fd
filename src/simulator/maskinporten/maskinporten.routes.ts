import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AccessTokenClaims, AccessTokenSigner } from './access-token.signer';
import { GRANT_ALGORITHMS, verifyGrant, type GrantFacts, type VerifiedGrant } from './jwt-grant.verifier';
import { TokenRequestError, tokenErrorBody } from './maskinporten.errors';
import type { GrantRecord, MaskinportenState } from './maskinporten.state';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface MaskinportenRoutesDeps {
  state: MaskinportenState;
  signer: AccessTokenSigner;
  /** Known only once the server listens (the default issuer contains the port). */
  issuer: () => string;
}

/** The peer's own routes: the RFC 8414 metadata, the JWKS and the token endpoint. */
export function maskinportenRoutes(deps: MaskinportenRoutesDeps): Router {
  const router = express.Router();

  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    const issuer = deps.issuer();
    res.json({
      issuer,
      token_endpoint: new URL('token', issuer).toString(),
      jwks_uri: new URL('jwk', issuer).toString(),
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      grant_types_supported: [JWT_BEARER_GRANT_TYPE],
      token_endpoint_auth_signing_alg_values_supported: [...GRANT_ALGORITHMS],
    });
  });

  router.get('/jwk', (_req, res) => {
    res.json(deps.signer.jwks());
  });

  router.post(
    '/token',
    // Only form bodies are parsed; anything else leaves req.body empty and is refused below.
    express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 20 }),
    (req: Request, res: Response, next: NextFunction) => {
      handleToken(req, res, deps).catch(next);
    },
    // A form body the parser refuses (too large, bad encoding) is the client's error, not ours.
    (err: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (isClientBodyError(err)) {
        sendTokenError(
          res,
          deps.state,
          TokenRequestError.request('invalid_request', 'The request body could not be read'),
          emptyFacts(),
        );
        return;
      }
      next(err);
    },
  );

  router.all('/token', (req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json(springError(405, 'Method Not Allowed', req.path));
  });

  return router;
}

async function handleToken(req: Request, res: Response, deps: MaskinportenRoutesDeps): Promise<void> {
  const { state } = deps;
  const facts = emptyFacts();
  if (!req.is('application/x-www-form-urlencoded')) {
    sendTokenError(
      res,
      state,
      TokenRequestError.request('invalid_request', 'Content-Type must be application/x-www-form-urlencoded'),
      facts,
    );
    return;
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const grantType = body.grant_type;
  const assertion = body.assertion;
  if (typeof grantType !== 'string' || grantType === '') {
    // An array means the parameter was sent twice, which RFC 6749 §3.2 forbids.
    sendTokenError(res, state, TokenRequestError.request('invalid_request', 'Missing or repeated grant_type'), facts);
    return;
  }
  if (grantType !== JWT_BEARER_GRANT_TYPE) {
    sendTokenError(
      res,
      state,
      TokenRequestError.request('unsupported_grant_type', `grant_type must be ${JWT_BEARER_GRANT_TYPE}`),
      facts,
    );
    return;
  }
  if (typeof assertion !== 'string' || assertion === '') {
    sendTokenError(res, state, TokenRequestError.request('invalid_request', 'Missing or repeated assertion'), facts);
    return;
  }

  let grant: VerifiedGrant;
  try {
    grant = await verifyGrant(
      assertion,
      { issuer: deps.issuer(), nowMs: state.nowMs(), clients: state.clients, replay: state.replay },
      facts,
    );
  } catch (err) {
    if (err instanceof TokenRequestError) {
      sendTokenError(res, state, err, facts);
      return;
    }
    throw err;
  }
  await issueToken(res, deps, grant, facts);
}

async function issueToken(
  res: Response,
  deps: MaskinportenRoutesDeps,
  grant: VerifiedGrant,
  facts: GrantFacts,
): Promise<void> {
  const { state } = deps;
  const expiresIn = state.expiresInFor(grant.client.clientId);
  const iat = Math.floor(state.nowMs() / 1000);
  const scope = grant.scopes.join(' ');
  const aud = audienceOf(grant.resource);
  const claims: AccessTokenClaims = {
    iss: deps.issuer(),
    client_amr: grant.mode === 'x5c' ? 'virksomhetssertifikat' : 'private_key_jwt',
    token_type: 'Bearer',
    aud,
    scope,
    consumer: { authority: 'iso6523-actorid-upis', ID: `0192:${grant.client.orgnr}` },
    client_id: grant.client.clientId,
    iat,
    exp: iat + expiresIn,
    jti: state.random.uuid(),
  };
  const accessToken = await deps.signer.sign(claims);
  state.tokens.push({ jti: claims.jti, clientId: claims.client_id, scope, aud, iat, exp: claims.exp });
  record(state, facts, { outcome: 'issued', status: 200, traceId: state.traceId(), tokenJti: claims.jti });
  noStore(res);
  res.status(200).json({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope });
}

/** Maskinporten sets `aud` to the literal "unspecified" unless the grant asked for a resource. */
function audienceOf(resource: string | string[] | undefined): string | string[] {
  if (resource === undefined) {
    return 'unspecified';
  }
  if (Array.isArray(resource)) {
    return resource.length === 1 ? resource[0] : resource;
  }
  return resource;
}

function sendTokenError(res: Response, state: MaskinportenState, err: TokenRequestError, facts: GrantFacts): void {
  const traceId = state.traceId();
  record(state, facts, {
    outcome: 'refused',
    status: 400,
    traceId,
    error: err.error,
    code: err.code,
    reason: err.detail,
  });
  noStore(res);
  res.status(400).json(tokenErrorBody(err, traceId));
}

function record(
  state: MaskinportenState,
  facts: GrantFacts,
  result: Pick<GrantRecord, 'outcome' | 'status' | 'traceId'> & Partial<GrantRecord>,
): void {
  state.grants.push({
    time: new Date(state.nowMs()).toISOString(),
    traceId: result.traceId,
    clientId: facts.clientId,
    mode: facts.mode,
    jti: facts.jti,
    scope: facts.scope,
    outcome: result.outcome,
    status: result.status,
    error: result.error ?? null,
    code: result.code ?? null,
    reason: result.reason ?? null,
    tokenJti: result.tokenJti ?? null,
  });
}

function emptyFacts(): GrantFacts {
  return { clientId: null, mode: null, jti: null, scope: null };
}

/** RFC 6749 §5.1: token responses must not be cached. */
function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
}

function isClientBodyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('status' in err)) {
    return false;
  }
  const status = err.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * Spring Boot's default body for routing errors. Maskinporten is a Java/Spring service; we have no capture
 * of its 404, so this is the framework default rather than a recorded answer.
 */
export function springError(status: number, error: string, path: string): object {
  return { timestamp: new Date().toISOString(), status, error, path };
}
