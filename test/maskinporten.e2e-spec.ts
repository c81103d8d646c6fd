import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { loadConfig } from '../src/config/config.loader';
import { OutboundHttp } from '../src/http/outbound-http';
import { MaskinportenTokenProvider } from '../src/maskinporten/maskinporten-token.provider';
import { MaskinportenClient } from '../src/maskinporten/maskinporten.client';
import { MaskinportenError } from '../src/maskinporten/maskinporten.errors';
import { loadSigningKey } from '../src/maskinporten/signing-key.loader';
import {
  startMaskinportenSimulator,
  type MaskinportenSimulator,
} from '../src/simulator/maskinporten/maskinporten.simulator';
import { mintTestKeys, type KeysMode, type TestKeys } from '../src/simulator/maskinporten/test-keys';
import { ManualClock } from './support/manual-clock';

interface GrantRecord {
  clientId: string;
  mode: string;
  outcome: string;
  code?: string;
  jti: string;
}

describe('Maskinporten token provider against the Maskinporten simulator', () => {
  let keys: TestKeys;
  let sim: MaskinportenSimulator;
  const https: OutboundHttp[] = [];

  beforeAll(async () => {
    keys = await mintTestKeys(mkdtempSync(join(tmpdir(), 'mp-keys-')));
    sim = await startMaskinportenSimulator({ port: 0, keysDir: keys.dir, tokenExpiresIn: 120 });
  });

  afterAll(async () => {
    await Promise.all(https.map((h) => h.close()));
    await sim?.close();
  });

  beforeEach(async () => {
    await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
  });

  function providerFor(env: Record<string, string>, clock = new ManualClock()): MaskinportenTokenProvider {
    const config = loadConfig({
      EFM_SENDER_ORGNR: keys.orgnr,
      MASKINPORTEN_ISSUER: sim.issuer,
      MASKINPORTEN_TOKEN_URL: sim.tokenUrl,
      ...env,
    });
    const http = OutboundHttp.fromConfig(config);
    https.push(http);
    const client = new MaskinportenClient(http, config.maskinporten, loadSigningKey(config.maskinporten.key));
    return new MaskinportenTokenProvider(client, clock);
  }

  async function grants(): Promise<GrantRecord[]> {
    return (await (await fetch(`${sim.url}/_sim/grants`)).json()) as GrantRecord[];
  }

  it.each<KeysMode>(['x5c', 'pkcs12', 'kid', 'jwk'])('gets a token Brreg can verify, in %s mode', async (mode) => {
    const token = await providerFor(keys.env[mode]).getToken();
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(sim.jwksUrl)), { issuer: sim.issuer });
    expect(payload.scope).toBe('brreg:mottak');
    expect(payload.consumer).toEqual({ authority: 'iso6523-actorid-upis', ID: `0192:${keys.orgnr}` });
    const [grant] = await grants();
    expect(grant).toMatchObject({ outcome: 'issued', mode: mode === 'pkcs12' ? 'x5c' : mode === 'jwk' ? 'kid' : mode });
  });

  it('reads issuer and token URL from the metadata document when given a well-known URL', async () => {
    const provider = providerFor({
      ...keys.env.kid,
      MASKINPORTEN_ISSUER: '',
      MASKINPORTEN_TOKEN_URL: '',
      MASKINPORTEN_WELL_KNOWN_URL: `${sim.url}/.well-known/oauth-authorization-server`,
    });
    await expect(provider.getToken()).resolves.toEqual(expect.any(String));
  });

  it('asks once however many callers wait (single-flight), then reuses the token', async () => {
    const provider = providerFor(keys.env.x5c);
    const tokens = await Promise.all(Array.from({ length: 25 }, () => provider.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(await provider.getToken()).toBe(tokens[0]);
    expect(await grants()).toHaveLength(1);
  });

  it('refreshes before expires_in runs out, not after', async () => {
    const clock = new ManualClock();
    const provider = providerFor(keys.env.kid, clock);
    const first = await provider.getToken();
    // 120 s tokens are refreshed with 30 s left: at +89 s the old one is still handed out...
    clock.advance(89_000);
    await fetch(`${sim.url}/_sim/clock`, {
      method: 'POST',
      body: JSON.stringify({ skewSeconds: 89 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await provider.getToken()).toBe(first);
    // ...and at +91 s a new grant is made, while the first token would still be valid for 29 s.
    clock.advance(2_000);
    await fetch(`${sim.url}/_sim/clock`, {
      method: 'POST',
      body: JSON.stringify({ skewSeconds: 91 }),
      headers: { 'content-type': 'application/json' },
    });
    const second = await provider.getToken();
    expect(second).not.toBe(first);
    const issued = await grants();
    expect(issued).toHaveLength(2);
    expect(new Set(issued.map((g) => g.jti)).size).toBe(2);
  });

  it('drops an invalidated token and fetches a new one, but keeps a newer token', async () => {
    const provider = providerFor(keys.env.x5c);
    const first = await provider.getToken();
    provider.invalidate(first);
    const second = await provider.getToken();
    expect(second).not.toBe(first);
    provider.invalidate(first);
    expect(await provider.getToken()).toBe(second);
    expect(await grants()).toHaveLength(2);
  });

  it('treats a 400 as a configuration error: names the MP code, goes unhealthy, and does not hammer Maskinporten', async () => {
    const provider = providerFor({ ...keys.env.x5c, MASKINPORTEN_CLIENT_ID: '00000000-0000-4000-8000-000000000000' });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaskinportenError);
    expect(error).toMatchObject({ kind: 'configuration', code: 'MP-100' });
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'MP-100' });
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'MP-100' });
    expect(await grants()).toHaveLength(1);
    expect(provider.health()).toMatchObject({ ok: false, reason: expect.stringContaining('MP-100') });
  });

  it('reports a scope not granted as MP-200', async () => {
    const provider = providerFor({ ...keys.env.kid, MASKINPORTEN_SCOPE: 'brreg:annet' });
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'configuration', code: 'MP-200' });
  });

  it('classifies a 5xx as retryable and asks again on the next call', async () => {
    const provider = providerFor(keys.env.kid);
    await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'retryable', code: 'HTTP_500' });
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    await expect(provider.getToken()).resolves.toEqual(expect.any(String));
    expect(provider.health()).toEqual({ ok: true });
  });

  it('classifies an unreachable Maskinporten as retryable', async () => {
    const provider = providerFor({ ...keys.env.kid, MASKINPORTEN_TOKEN_URL: 'http://127.0.0.1:9/token' });
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'retryable', code: 'NETWORK' });
  });
});
