import express, { type Router } from 'express';
import { z } from 'zod';
import { ControlRequestError, parseControlBody } from '../common/simulator-app';
import { certificatesFromPem } from './certificate-chain';
import { clientPatchSchema, clientRegistrationSchema, describeClient } from './client.registry';
import type { MaskinportenState } from './maskinporten.state';

/** A clock far enough off to expire any certificate the tests mint (years), not so far that Date overflows. */
const MAX_SKEW_SECONDS = 100 * 365 * 24 * 3600;

const clockSchema = z.strictObject({ skewSeconds: z.number().int().min(-MAX_SKEW_SECONDS).max(MAX_SKEW_SECONDS) });
const trustedCaSchema = z.strictObject({ pem: z.string().min(1).max(1_000_000) });

/**
 * Maskinporten-specific control routes, mounted under `/_sim` (the shared ones — calls, faults, reset —
 * come from createSimulatorApp):
 *   GET|POST /clients, PATCH|DELETE /clients/:clientId, GET|POST /trusted-cas,
 *   GET /grants, GET /tokens, GET|POST /clock.
 */
export function maskinportenControlRoutes(state: MaskinportenState): Router {
  const router = express.Router();
  router.use(express.json({ limit: '2mb' }));

  router.get('/clients', (_req, res) => {
    res.json(state.clients.list().map(describeClient));
  });
  router.post('/clients', (req, res) => {
    const client = state.clients.register(parseControlBody(clientRegistrationSchema, req.body));
    res.status(201).json(describeClient(client));
  });
  router.patch('/clients/:clientId', (req, res) => {
    const client = state.clients.patch(req.params.clientId, parseControlBody(clientPatchSchema, req.body));
    if (!client) {
      res.status(404).json({ error: `no client ${req.params.clientId}` });
      return;
    }
    res.json(describeClient(client));
  });
  router.delete('/clients/:clientId', (req, res) => {
    if (!state.clients.remove(req.params.clientId)) {
      res.status(404).json({ error: `no client ${req.params.clientId}` });
      return;
    }
    res.status(204).end();
  });

  router.get('/trusted-cas', (_req, res) => {
    res.json(state.clients.trustedCas());
  });
  router.post('/trusted-cas', (req, res) => {
    const { pem } = parseControlBody(trustedCaSchema, req.body);
    let certs;
    try {
      certs = certificatesFromPem(pem);
    } catch (err) {
      throw new ControlRequestError(`pem holds a certificate that cannot be read: ${(err as Error).message}`);
    }
    if (certs.length === 0) {
      throw new ControlRequestError('pem holds no -----BEGIN CERTIFICATE----- block');
    }
    // Trusting a leaf by mistake (e.g. a whole chain file pasted) would make the test prove nothing.
    const notCa = certs.find((cert) => !cert.ca);
    if (notCa) {
      throw new ControlRequestError(`not a CA certificate (no CA:TRUE): ${notCa.subject.replace(/\n/g, ', ')}`);
    }
    res.status(201).json(certs.map((cert) => state.clients.trust(cert)));
  });

  router.get('/grants', (_req, res) => {
    res.json(state.grants.all());
  });
  router.get('/tokens', (_req, res) => {
    res.json(state.tokens.all());
  });

  router.get('/clock', (_req, res) => {
    res.json(clockView(state));
  });
  router.post('/clock', (req, res) => {
    state.clockSkewSeconds = parseControlBody(clockSchema, req.body).skewSeconds;
    res.json(clockView(state));
  });

  return router;
}

function clockView(state: MaskinportenState): { skewSeconds: number; now: string } {
  return { skewSeconds: state.clockSkewSeconds, now: new Date(state.nowMs()).toISOString() };
}
