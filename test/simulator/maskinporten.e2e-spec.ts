import { createPrivateKey, createPublicKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, importJWK, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import forge from 'node-forge';
import {
  maskinportenOptionsFromEnv,
  startMaskinportenSimulator,
  type MaskinportenSimulator,
} from '../../src/simulator/maskinporten/maskinporten.simulator';
import { formatKeysEnv, mintTestKeys, type TestKeys } from '../../src/simulator/maskinporten/test-keys';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ERROR_URI_BASE = 'https://docs.digdir.no/docs/Maskinporten/errors/';
const PROTOCOL_URI = 'https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token';

interface Credentials {
  key: KeyObject;
  /** x5c values: standard base64 DER, leaf first. */
  chain: string[];
}

interface TokenAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

let keysDir: string;
let keys: TestKeys;
let sim: MaskinportenSimulator;
let virksomhet: Credentials;
let untrusted: Credentials;
let registeredKey: KeyObject;

beforeAll(async () => {
  keysDir = await mkdtemp(join(tmpdir(), 'mp-sim-'));
  keys = await mintTestKeys(keysDir);
  virksomhet = await credentialsFromPem(keys.files.key, keys.files.chain);
  untrusted = await credentialsFromPem(keys.files.untrustedKey, keys.files.untrustedChain);
  registeredKey = createPrivateKey(await readFile(keys.files.registeredKey, 'utf8'));
  sim = await startMaskinportenSimulator({ port: 0, keysDir });
});

afterAll(async () => {
  await sim?.close();
  await rm(keysDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await control(sim, 'POST', '/_sim/reset');
});

async function credentialsFromPem(keyFile: string, chainFile: string): Promise<Credentials> {
  const chainPem = await readFile(chainFile, 'utf8');
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return {
    key: createPrivateKey(await readFile(keyFile, 'utf8')),
    chain: blocks.map((pem) => new X509Certificate(pem).raw.toString('base64')),
  };
}

function nowSeconds(skewSeconds = 0): number {
  return Math.floor(Date.now() / 1000) + skewSeconds;
}

function grantClaims(target: MaskinportenSimulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds();
  return {
    aud: target.issuer,
    iss: keys.clientId,
    scope: 'brreg:mottak',
    iat,
    exp: iat + 60,
    jti: randomUUID(),
    ...overrides,
  };
}

/** Signs a grant; the header is taken as given so malformed ones (x5c as a string) can be sent. */
function signGrant(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject | Uint8Array) {
  return new SignJWT(claims).setProtectedHeader(header as unknown as JWTHeaderParameters).sign(key);
}

function x5cGrant(
  claims: Record<string, unknown> = {},
  options: { credentials?: Credentials; key?: KeyObject; alg?: string; target?: MaskinportenSimulator } = {},
): Promise<string> {
  const credentials = options.credentials ?? virksomhet;
  return signGrant(
    { alg: options.alg ?? 'RS256', x5c: credentials.chain },
    grantClaims(options.target ?? sim, claims),
    options.key ?? credentials.key,
  );
}

function kidGrant(
  claims: Record<string, unknown> = {},
  options: { kid?: string; key?: KeyObject; target?: MaskinportenSimulator } = {},
): Promise<string> {
  return signGrant(
    { alg: 'RS256', kid: options.kid ?? keys.kid },
    grantClaims(options.target ?? sim, claims),
    options.key ?? registeredKey,
  );
}

async function requestToken(
  assertion: string,
  target: MaskinportenSimulator = sim,
  form: Record<string, string> = { grant_type: JWT_BEARER },
): Promise<TokenAnswer> {
  return postForm(target, new URLSearchParams({ ...form, assertion }).toString());
}

async function postForm(
  target: MaskinportenSimulator,
  body: string,
  contentType = 'application/x-www-form-urlencoded',
) {
  const res = await fetch(target.tokenUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function control(target: MaskinportenSimulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${target.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

function expectIssued(answer: TokenAnswer, expiresIn = 120): string {
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.body).toEqual({
    access_token: expect.any(String) as unknown,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope: 'brreg:mottak',
  });
  return answer.body.access_token as string;
}

function expectRefused(answer: TokenAnswer, code: string | null, error: string): void {
  expect(answer.status).toBe(400);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(Object.keys(answer.body).sort()).toEqual(['error', 'error_description', 'error_uri']);
  expect(answer.body.error).toBe(error);
  expect(answer.body.error_description).toMatch(/ \(trace_id: [0-9a-f]{32}\)$/);
  expect(answer.body.error_uri).toBe(code ? `${ERROR_URI_BASE}${code}` : PROTOCOL_URI);
}

async function lastGrant(target: MaskinportenSimulator = sim): Promise<Record<string, unknown>> {
  const grants = (await control(target, 'GET', '/_sim/grants')).body as Record<string, unknown>[];
  return grants[grants.length - 1];
}

describe('test keys', () => {
  it('mints every file and describes each mode in the bridge variables', async () => {
    for (const file of Object.values(keys.files)) {
      expect((await stat(file)).size).toBeGreaterThan(0);
    }
    expect(keys.env.x5c).toEqual({
      MASKINPORTEN_CLIENT_ID: keys.clientId,
      MASKINPORTEN_SCOPE: 'brreg:mottak',
      MASKINPORTEN_PRIVATE_KEY_FILE: join(keysDir, 'virksomhet.key.pem'),
      MASKINPORTEN_CERTIFICATE_FILE: join(keysDir, 'virksomhet.chain.pem'),
    });
    expect(keys.env.pkcs12).toMatchObject({
      MASKINPORTEN_PKCS12_FILE: join(keysDir, 'virksomhet.p12'),
      MASKINPORTEN_PKCS12_PASSWORD: keys.pkcs12Password,
    });
    expect(keys.env.kid).toMatchObject({
      MASKINPORTEN_KEY_ID: keys.kid,
      MASKINPORTEN_PRIVATE_KEY_FILE: join(keysDir, 'registered.key.pem'),
    });
    expect(keys.env.jwk).toMatchObject({ MASKINPORTEN_JWK_FILE: join(keysDir, 'registered.jwk.json') });
    const jwk = JSON.parse(await readFile(keys.files.registeredJwk, 'utf8')) as Record<string, unknown>;
    expect(jwk).toMatchObject({ kty: 'RSA', kid: keys.kid, alg: 'RS256', d: expect.any(String) as unknown });
    const leaf = new X509Certificate(Buffer.from(virksomhet.chain[0], 'base64'));
    expect(leaf.subject).toContain('serialNumber=311000012');
    expect(leaf.verify(new X509Certificate(Buffer.from(virksomhet.chain[1], 'base64')).publicKey)).toBe(true);
  });

  it('renders x5c mode active and the other modes commented out', () => {
    const text = formatKeysEnv(keys, { issuer: sim.issuer });
    expect(text).toContain(`MASKINPORTEN_ISSUER=${sim.issuer}\n`);
    expect(text).toContain(`MASKINPORTEN_TOKEN_URL=${sim.tokenUrl}\n`);
    expect(text).toContain(`\nMASKINPORTEN_CLIENT_ID=${keys.clientId}\n`);
    expect(text).toContain(`\nMASKINPORTEN_CERTIFICATE_FILE=${keys.files.chain}\n`);
    expect(text).toContain(`\n# MASKINPORTEN_PKCS12_FILE=${keys.files.pkcs12}\n`);
    expect(text).toContain(`\n# MASKINPORTEN_KEY_ID=${keys.kid}\n`);
    expect(text).toContain(`\n# MASKINPORTEN_JWK_FILE=${keys.files.registeredJwk}\n`);
    const active = text.split('\n').filter((line) => /^[A-Z_]+=/.test(line));
    expect(new Set(active.map((line) => line.split('=')[0])).size).toBe(active.length);
  });
});

describe('metadata and keys', () => {
  it('serves the RFC 8414 metadata derived from the issuer', async () => {
    const res = await fetch(`${sim.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(sim.issuer).toBe(`${sim.url}/`);
    expect(await res.json()).toEqual({
      issuer: sim.issuer,
      token_endpoint: sim.tokenUrl,
      jwks_uri: sim.jwksUrl,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      grant_types_supported: [JWT_BEARER],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512'],
    });
  });

  it('publishes its signing key as a public RS256 JWK', async () => {
    const res = await fetch(sim.jwksUrl);
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual({
      kty: 'RSA',
      n: expect.any(String) as unknown,
      e: 'AQAB',
      kid: expect.any(String) as unknown,
      alg: 'RS256',
      use: 'sig',
    });
  });
});

describe('token issuance', () => {
  it('issues a token for an x5c grant with the full chain, verifiable against /jwk, with Maskinporten claims', async () => {
    const assertion = await x5cGrant();
    const token = expectIssued(await requestToken(assertion));

    const jwks = createRemoteJWKSet(new URL(sim.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: sim.issuer, audience: 'unspecified' });
    const published = ((await (await fetch(sim.jwksUrl)).json()) as { keys: { kid: string }[] }).keys[0];
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: published.kid });
    expect(payload).toEqual({
      iss: sim.issuer,
      client_id: keys.clientId,
      client_amr: 'virksomhetssertifikat',
      token_type: 'Bearer',
      aud: 'unspecified',
      scope: 'brreg:mottak',
      consumer: { authority: 'iso6523-actorid-upis', ID: '0192:311000012' },
      iat: expect.any(Number) as unknown,
      exp: expect.any(Number) as unknown,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    });
    expect(Math.abs((payload.iat as number) - nowSeconds())).toBeLessThanOrEqual(2);
    expect((payload.exp as number) - (payload.iat as number)).toBe(120);

    const grants = (await control(sim, 'GET', '/_sim/grants')).body as Record<string, unknown>[];
    expect(grants).toEqual([
      {
        time: expect.any(String) as unknown,
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
        clientId: keys.clientId,
        mode: 'x5c',
        jti: expect.any(String) as unknown,
        scope: 'brreg:mottak',
        outcome: 'issued',
        status: 200,
        error: null,
        code: null,
        reason: null,
        tokenJti: payload.jti,
      },
    ]);
    const tokens = (await control(sim, 'GET', '/_sim/tokens')).body;
    expect(tokens).toEqual([
      {
        jti: payload.jti,
        clientId: keys.clientId,
        scope: 'brreg:mottak',
        aud: 'unspecified',
        iat: payload.iat,
        exp: payload.exp,
      },
    ]);
    const controlState = JSON.stringify({ grants, tokens });
    expect(controlState).not.toContain(token);
    expect(controlState).not.toContain(assertion.split('.')[2]);
  });

  it('accepts an x5c holding only the leaf certificate', async () => {
    const leafOnly = { ...virksomhet, chain: virksomhet.chain.slice(0, 1) };
    expectIssued(await requestToken(await x5cGrant({}, { credentials: leafOnly })));
  });

  it('accepts RS384 and RS512 grants', async () => {
    expectIssued(await requestToken(await x5cGrant({}, { alg: 'RS384' })));
    expectIssued(await requestToken(await x5cGrant({}, { alg: 'RS512' })));
  });

  it('issues a token for an x5c grant built from the PKCS#12 file read with node-forge', async () => {
    const der = await readFile(keys.files.pkcs12);
    const p12 = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))),
      keys.pkcs12Password,
    );
    const keyBag = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag];
    const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    const privateKey = keyBag?.[0]?.key as forge.pki.rsa.PrivateKey;
    const certs = certBags.map((bag) => bag.cert as forge.pki.Certificate);
    const isLeaf = (cert: forge.pki.Certificate) => (cert.publicKey as forge.pki.rsa.PublicKey).n.equals(privateKey.n);
    const ordered = [...certs.filter(isLeaf), ...certs.filter((cert) => !isLeaf(cert))];
    expect(ordered).toHaveLength(2);
    const credentials: Credentials = {
      key: createPrivateKey(forge.pki.privateKeyToPem(privateKey)),
      chain: ordered.map((cert) => forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes())),
    };
    expect(credentials.chain).toEqual(virksomhet.chain);
    expectIssued(await requestToken(await x5cGrant({}, { credentials })));
  });

  it('issues a private_key_jwt token for a kid grant signed with the registered key', async () => {
    const token = expectIssued(await requestToken(await kidGrant()));
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(sim.jwksUrl)), { issuer: sim.issuer });
    expect(payload).toMatchObject({
      client_id: keys.clientId,
      client_amr: 'private_key_jwt',
      consumer: { authority: 'iso6523-actorid-upis', ID: '0192:311000012' },
    });
    expect(await lastGrant()).toMatchObject({ mode: 'kid', outcome: 'issued' });
  });

  it('issues a token for a kid grant signed with the registered JWK file', async () => {
    const jwk = JSON.parse(await readFile(keys.files.registeredJwk, 'utf8')) as { kid: string };
    const key = (await importJWK(jwk, 'RS256')) as unknown as KeyObject;
    const assertion = await signGrant({ alg: 'RS256', kid: jwk.kid }, grantClaims(sim), key);
    expectIssued(await requestToken(assertion));
  });

  it('accepts a certificate carrying the orgnr as organizationIdentifier NTRNO-<orgnr>', async () => {
    const caPem = await readFile(keys.files.caCert, 'utf8');
    const caKey = forge.pki.privateKeyFromPem(await readFile(keys.files.caKey, 'utf8'));
    const ca = forge.pki.certificateFromPem(caPem);
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(
      createPublicKey(virksomhet.key).export({ type: 'spki', format: 'pem' }).toString(),
    );
    cert.serialNumber = '4a01';
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(Date.now() + 3600_000);
    cert.setSubject([
      { shortName: 'C', value: 'NO' },
      { type: '2.5.4.97', value: 'NTRNO-311000012' },
      { shortName: 'CN', value: 'SEID2 TEST' },
    ]);
    cert.setIssuer(ca.subject.attributes);
    cert.sign(caKey, forge.md.sha256.create());
    const der = forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
    expect(new X509Certificate(Buffer.from(der, 'base64')).subject).toContain('organizationIdentifier=NTRNO-311000012');
    expectIssued(await requestToken(await x5cGrant({}, { credentials: { key: virksomhet.key, chain: [der] } })));
  });

  it('sets aud to the resource the grant asked for', async () => {
    const token = expectIssued(await requestToken(await x5cGrant({ resource: 'https://mottak.brreg.no/' })));
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(sim.jwksUrl)), {
      audience: 'https://mottak.brreg.no/',
    });
    expect(payload.aud).toBe('https://mottak.brreg.no/');
  });

  it('honours a per-client expires_in set through the control API', async () => {
    const patched = await control(sim, 'PATCH', `/_sim/clients/${keys.clientId}`, { expiresIn: 600 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ clientId: keys.clientId, expiresIn: 600 });
    const token = expectIssued(await requestToken(await kidGrant()), 600);
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(sim.jwksUrl)));
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
  });
});

describe('refused grants (MP codes)', () => {
  it('MP-100: unknown client', async () => {
    const answer = await requestToken(await x5cGrant({ iss: 'no-such-client' }));
    expectRefused(answer, 'MP-100', 'invalid_grant');
    expect(await lastGrant()).toMatchObject({
      clientId: 'no-such-client',
      mode: 'x5c',
      outcome: 'refused',
      status: 400,
      error: 'invalid_grant',
      code: 'MP-100',
      tokenJti: null,
    });
  });

  it('MP-110: aud without the trailing slash, or as an array', async () => {
    expectRefused(await requestToken(await x5cGrant({ aud: sim.url })), 'MP-110', 'invalid_grant');
    expectRefused(await requestToken(await kidGrant({ aud: [sim.issuer] })), 'MP-110', 'invalid_grant');
  });

  it('MP-120: a certificate from a CA this environment does not trust', async () => {
    expectRefused(await requestToken(await x5cGrant({}, { credentials: untrusted })), 'MP-120', 'invalid_grant');
  });

  it('MP-120: a trusted certificate that has expired by the simulator clock', async () => {
    const threeYears = 3 * 365 * 24 * 3600;
    await control(sim, 'POST', '/_sim/clock', { skewSeconds: threeYears });
    const iat = nowSeconds(threeYears);
    const answer = await requestToken(await x5cGrant({ iat, exp: iat + 60 }));
    expectRefused(answer, 'MP-120', 'invalid_grant');
    expect(answer.body.error_description).toContain('expired');
  });

  it('MP-121: a registered key past its expiry', async () => {
    const jwk = JSON.parse(await readFile(keys.files.clients, 'utf8')) as { keys: { publicJwk: object }[] }[];
    const registered = await control(sim, 'POST', '/_sim/clients', {
      clientId: 'expired-key-client',
      orgnr: '311000012',
      scopes: ['brreg:mottak'],
      keys: [{ kid: 'old-key', publicJwk: jwk[0].keys[0].publicJwk, expiresAt: '2020-01-01T00:00:00Z' }],
    });
    expect(registered.status).toBe(201);
    const answer = await requestToken(await kidGrant({ iss: 'expired-key-client' }, { kid: 'old-key' }));
    expectRefused(answer, 'MP-121', 'invalid_grant');
  });

  it('MP-122: a certificate whose orgnr is not the client organisation', async () => {
    await control(sim, 'POST', '/_sim/clients', {
      clientId: 'other-org',
      orgnr: '999888777',
      scopes: ['brreg:mottak'],
    });
    expectRefused(await requestToken(await x5cGrant({ iss: 'other-org' })), 'MP-122', 'invalid_grant');
  });

  it('MP-123: x5c that is not an array of base64 DER strings', async () => {
    const claims = grantClaims(sim);
    for (const x5c of [virksomhet.chain[0], [42], [virksomhet.chain[0].replace(/\+/g, '-')], ['AAAA']]) {
      const answer = await requestToken(
        await signGrant({ alg: 'RS256', x5c }, { ...claims, jti: randomUUID() }, virksomhet.key),
      );
      expectRefused(answer, 'MP-123', 'invalid_request');
    }
  });

  it('MP-124: a trusted certificate with a grant signed by another key', async () => {
    expectRefused(await requestToken(await x5cGrant({}, { key: untrusted.key })), 'MP-124', 'invalid_grant');
  });

  it('MP-124: a kid grant signed by another key, or naming a kid the client does not have', async () => {
    expectRefused(await requestToken(await kidGrant({}, { key: virksomhet.key })), 'MP-124', 'invalid_grant');
    expectRefused(await requestToken(await kidGrant({}, { kid: 'unknown-kid' })), 'MP-124', 'invalid_grant');
  });

  it('MP-130: iat 11 seconds behind or ahead of the simulator clock', async () => {
    const behind = nowSeconds() - 11;
    expectRefused(await requestToken(await x5cGrant({ iat: behind, exp: behind + 60 })), 'MP-130', 'invalid_grant');
    const ahead = nowSeconds() + 11;
    expectRefused(await requestToken(await x5cGrant({ iat: ahead, exp: ahead + 60 })), 'MP-130', 'invalid_grant');
  });

  it('MP-130 never fires for an iat 9 seconds off (within the ±10 s window)', async () => {
    const behind = nowSeconds() - 9;
    expectIssued(await requestToken(await x5cGrant({ iat: behind, exp: behind + 60 })));
  });

  it('MP-130: a grant whose exp has passed', async () => {
    const iat = nowSeconds() - 8;
    expectRefused(await requestToken(await x5cGrant({ iat, exp: iat + 5 })), 'MP-130', 'invalid_grant');
  });

  it('MP-012: the same jti twice', async () => {
    const assertion = await x5cGrant();
    expectIssued(await requestToken(assertion));
    expectRefused(await requestToken(assertion), 'MP-012', 'invalid_grant');
  });

  it('MP-011: exp - iat of 121 seconds is refused, 120 accepted', async () => {
    const iat = nowSeconds();
    expectRefused(await requestToken(await x5cGrant({ iat, exp: iat + 121 })), 'MP-011', 'invalid_request');
    expectIssued(await requestToken(await x5cGrant({ iat, exp: iat + 120 })));
  });

  it('MP-011: an unsupported alg, both or neither of x5c and kid, no jti', async () => {
    const claims = () => grantClaims(sim);
    const hs256 = await signGrant({ alg: 'HS256', kid: keys.kid }, claims(), new Uint8Array(32));
    expectRefused(await requestToken(hs256), 'MP-011', 'invalid_request');
    const both = await signGrant({ alg: 'RS256', kid: keys.kid, x5c: virksomhet.chain }, claims(), registeredKey);
    expectRefused(await requestToken(both), 'MP-011', 'invalid_request');
    const neither = await signGrant({ alg: 'RS256' }, claims(), registeredKey);
    expectRefused(await requestToken(neither), 'MP-011', 'invalid_request');
    const noJti = { ...claims() };
    delete noJti.jti;
    expectRefused(
      await requestToken(await signGrant({ alg: 'RS256', kid: keys.kid }, noJti, registeredKey)),
      'MP-011',
      'invalid_request',
    );
  });

  it('MP-200: a scope not granted to the client, alone or beside a granted one, or no scope', async () => {
    expectRefused(await requestToken(await x5cGrant({ scope: 'brreg:annet' })), 'MP-200', 'invalid_scope');
    expectRefused(await requestToken(await x5cGrant({ scope: 'brreg:mottak brreg:annet' })), 'MP-200', 'invalid_scope');
    expectRefused(await requestToken(await x5cGrant({ scope: undefined })), 'MP-200', 'invalid_scope');
  });
});

describe('malformed token requests', () => {
  it('refuses a body that is not a form', async () => {
    const answer = await postForm(sim, JSON.stringify({ grant_type: JWT_BEARER, assertion: 'x' }), 'application/json');
    expectRefused(answer, null, 'invalid_request');
    expect(await lastGrant()).toMatchObject({ outcome: 'refused', code: null, error: 'invalid_request', mode: null });
  });

  it('refuses a missing grant_type as invalid_request and another grant_type as unsupported_grant_type', async () => {
    const assertion = await x5cGrant();
    expectRefused(await postForm(sim, new URLSearchParams({ assertion }).toString()), null, 'invalid_request');
    expectRefused(
      await requestToken(assertion, sim, { grant_type: 'client_credentials' }),
      null,
      'unsupported_grant_type',
    );
    const twice = `grant_type=${encodeURIComponent(JWT_BEARER)}&grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${assertion}`;
    expectRefused(await postForm(sim, twice), null, 'invalid_request');
  });

  it('refuses a missing assertion', async () => {
    expectRefused(
      await postForm(sim, new URLSearchParams({ grant_type: JWT_BEARER }).toString()),
      null,
      'invalid_request',
    );
  });

  it('refuses an assertion that is not a JWT as MP-011 invalid_request', async () => {
    expectRefused(await requestToken('not.a.jwt'), 'MP-011', 'invalid_request');
    expectRefused(await requestToken('abc'), 'MP-011', 'invalid_request');
    const withNewline = (await x5cGrant()).replace('.', '.\n');
    expectRefused(await requestToken(withNewline), 'MP-011', 'invalid_request');
  });

  it('answers GET /token with 405 and unknown paths with 404', async () => {
    const get = await fetch(sim.tokenUrl);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ status: 405, error: 'Method Not Allowed', path: '/token' });
    const missing = await fetch(`${sim.url}/authorize`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404, error: 'Not Found', path: '/authorize' });
  });
});

describe('control API', () => {
  it('moves the simulator clock; grants must then follow it', async () => {
    const set = await control(sim, 'POST', '/_sim/clock', { skewSeconds: 60 });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ skewSeconds: 60, now: expect.any(String) as unknown });
    expect(Math.abs(Date.parse((set.body as { now: string }).now) - Date.now() - 60_000)).toBeLessThan(2000);

    expectRefused(await requestToken(await x5cGrant()), 'MP-130', 'invalid_grant');
    const iat = nowSeconds(60);
    const token = expectIssued(await requestToken(await x5cGrant({ iat, exp: iat + 60 })));
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(sim.jwksUrl)), {
      currentDate: new Date(iat * 1000),
    });
    expect(Math.abs((payload.iat as number) - iat)).toBeLessThanOrEqual(2);

    expect((await control(sim, 'POST', '/_sim/clock', { skewSeconds: 'soon' })).status).toBe(400);
    expect((await control(sim, 'GET', '/_sim/clock')).body).toMatchObject({ skewSeconds: 60 });
  });

  it('registers clients, validates them, and trusts an extra CA', async () => {
    const bad = await control(sim, 'POST', '/_sim/clients', { clientId: 'x', orgnr: '123', scopes: [] });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: expect.stringContaining('orgnr') as unknown });
    expect((await control(sim, 'PATCH', '/_sim/clients/nobody', { expiresIn: 5 })).status).toBe(404);

    expectRefused(await requestToken(await x5cGrant({}, { credentials: untrusted })), 'MP-120', 'invalid_grant');
    const untrustedCaPem = new X509Certificate(Buffer.from(untrusted.chain[1], 'base64')).toString();
    const trusted = await control(sim, 'POST', '/_sim/trusted-cas', { pem: untrustedCaPem });
    expect(trusted.status).toBe(201);
    expect(trusted.body).toEqual([
      {
        subject: expect.stringContaining('Ukjent test-CA') as unknown,
        fingerprint256: expect.any(String) as unknown,
        validTo: expect.any(String) as unknown,
        pem: expect.stringContaining('BEGIN CERTIFICATE') as unknown,
      },
    ]);
    expectIssued(await requestToken(await x5cGrant({}, { credentials: untrusted })));
    expect((await control(sim, 'POST', '/_sim/trusted-cas', { pem: 'nope' })).status).toBe(400);
    const chainFile = await readFile(keys.files.chain, 'utf8');
    const leafAsCa = await control(sim, 'POST', '/_sim/trusted-cas', { pem: chainFile });
    expect(leafAsCa.status).toBe(400);
    expect(leafAsCa.body).toEqual({ error: expect.stringContaining('not a CA certificate') as unknown });
  });

  it('answers injected faults with a 5xx JSON server_error', async () => {
    await control(sim, 'POST', '/_sim/faults', { errorRate: 1 });
    const res = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: await x5cGrant() }).toString(),
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: 'server_error',
      error_description: expect.stringMatching(/\(trace_id: [0-9a-f]{32}\)$/) as unknown,
    });
    await control(sim, 'DELETE', '/_sim/faults');
    expectIssued(await requestToken(await x5cGrant()));
  });

  it('reset forgets grants, tokens, used jtis, added clients and CAs and the clock, and keeps keysDir', async () => {
    const beforeClients = (await control(sim, 'GET', '/_sim/clients')).body;
    const beforeCas = (await control(sim, 'GET', '/_sim/trusted-cas')).body;
    const firstRefusal = await requestToken('abc');
    const assertion = await x5cGrant();
    expectIssued(await requestToken(assertion));
    await control(sim, 'POST', '/_sim/clients', { clientId: 'temp', orgnr: '999888777', scopes: ['a:b'] });
    await control(sim, 'PATCH', `/_sim/clients/${keys.clientId}`, { expiresIn: 30 });
    await control(sim, 'POST', '/_sim/trusted-cas', {
      pem: new X509Certificate(Buffer.from(untrusted.chain[1], 'base64')).toString(),
    });
    await control(sim, 'POST', '/_sim/clock', { skewSeconds: 5 });

    expect((await control(sim, 'POST', '/_sim/reset')).status).toBe(204);

    expect((await control(sim, 'GET', '/_sim/grants')).body).toEqual([]);
    expect((await control(sim, 'GET', '/_sim/tokens')).body).toEqual([]);
    expect((await control(sim, 'GET', '/_sim/clients')).body).toEqual(beforeClients);
    expect((await control(sim, 'GET', '/_sim/trusted-cas')).body).toEqual(beforeCas);
    expect((await control(sim, 'GET', '/_sim/clock')).body).toMatchObject({ skewSeconds: 0 });
    // Seeded: the trace ids start over, so the same refusal gets the same trace id.
    expect((await requestToken('abc')).body.error_description).toBe(firstRefusal.body.error_description);
    expectIssued(await requestToken(assertion));
    expect(beforeClients).toEqual([
      expect.objectContaining({
        clientId: keys.clientId,
        orgnr: '311000012',
        scopes: ['brreg:mottak'],
        expiresIn: null,
      }),
    ]);
  });
});

describe('options', () => {
  it('applies tokenExpiresIn, clockSkewSeconds and a custom issuer, and reset restores the configured skew', async () => {
    const other = await startMaskinportenSimulator({
      port: 0,
      keysDir,
      tokenExpiresIn: 45,
      clockSkewSeconds: 20,
      issuer: 'https://maskinporten.sim.test/',
    });
    try {
      expect(other.issuer).toBe('https://maskinporten.sim.test/');
      const metadata = (await (await fetch(`${other.url}/.well-known/oauth-authorization-server`)).json()) as Record<
        string,
        unknown
      >;
      expect(metadata).toMatchObject({
        issuer: 'https://maskinporten.sim.test/',
        token_endpoint: 'https://maskinporten.sim.test/token',
        jwks_uri: 'https://maskinporten.sim.test/jwk',
      });
      const iat = nowSeconds(20);
      const token = expectIssued(
        await requestToken(await x5cGrant({ iat, exp: iat + 60 }, { target: other }), other),
        45,
      );
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(other.jwksUrl)), {
        issuer: 'https://maskinporten.sim.test/',
        currentDate: new Date(iat * 1000),
      });
      expect((payload.exp as number) - (payload.iat as number)).toBe(45);
      await control(other, 'POST', '/_sim/clock', { skewSeconds: 0 });
      await control(other, 'POST', '/_sim/reset');
      expect((await control(other, 'GET', '/_sim/clock')).body).toMatchObject({ skewSeconds: 20 });
    } finally {
      await other.close();
    }
  });

  it('starts without keysDir with an in-memory CA and no clients; clients can be registered', async () => {
    const bare = await startMaskinportenSimulator({ port: 0 });
    try {
      expect((await control(bare, 'GET', '/_sim/clients')).body).toEqual([]);
      expect((await control(bare, 'GET', '/_sim/trusted-cas')).body).toHaveLength(1);
      expectRefused(await requestToken(await kidGrant({}, { target: bare }), bare), 'MP-100', 'invalid_grant');
      const clients = JSON.parse(await readFile(keys.files.clients, 'utf8')) as unknown[];
      expect((await control(bare, 'POST', '/_sim/clients', clients[0])).status).toBe(201);
      expectIssued(await requestToken(await kidGrant({}, { target: bare }), bare));
      expectRefused(await requestToken(await x5cGrant({}, { target: bare }), bare), 'MP-120', 'invalid_grant');
    } finally {
      await bare.close();
    }
  });

  it('reads its options from SIM_* variables and names a bad one', () => {
    expect(
      maskinportenOptionsFromEnv({
        SIM_MASKINPORTEN_PORT: '9000',
        SIM_MASKINPORTEN_ISSUER: 'http://mp.local:9000/',
        SIM_MASKINPORTEN_EXPIRES_IN: '60',
        SIM_KEYS_DIR: '/keys',
        SIM_SEED: '42',
        UNRELATED: 'x',
      }),
    ).toEqual({ port: 9000, issuer: 'http://mp.local:9000/', tokenExpiresIn: 60, keysDir: '/keys', seed: 42 });
    expect(maskinportenOptionsFromEnv({ SIM_MASKINPORTEN_PORT: '' })).toEqual({});
    expect(() => maskinportenOptionsFromEnv({ SIM_MASKINPORTEN_PORT: 'eighty' })).toThrow(/SIM_MASKINPORTEN_PORT/);
    expect(() => maskinportenOptionsFromEnv({ SIM_MASKINPORTEN_EXPIRES_IN: '0' })).toThrow(
      /SIM_MASKINPORTEN_EXPIRES_IN/,
    );
    expect(() => maskinportenOptionsFromEnv({ SIM_MASKINPORTEN_ISSUER: 'not a url' })).toThrow(
      /SIM_MASKINPORTEN_ISSUER/,
    );
  });

  it('refuses to start on a keysDir without clients.json', async () => {
    await expect(startMaskinportenSimulator({ port: 0, keysDir: join(keysDir, 'missing') })).rejects.toThrow(/ENOENT/);
  });
});
