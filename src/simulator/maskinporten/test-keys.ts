import { createHash, generateKeyPair, randomBytes, type JsonWebKey } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsaKeyPair = promisify(generateKeyPair);

export const DEFAULT_TEST_ORGNR = '311000012';
export const DEFAULT_TEST_CLIENT_ID = '5b3c8f0e-7a1d-4e6b-9c2f-1d8e4a6b0c37';
export const DEFAULT_TEST_SCOPE = 'brreg:mottak';
export const DEFAULT_PKCS12_PASSWORD = 'simulator-p12';
export const DEFAULT_TEST_ORGANISATION = 'SIMULERT TESTVIRKSOMHET AS';

export interface MintTestKeysOptions {
  orgnr: string;
  clientId: string;
  scope: string;
  pkcs12Password: string;
  /** The `O` and `CN` of the virksomhetssertifikat. */
  organisationName: string;
}

/** The file names mintTestKeys writes; the simulator's keysDir loader reads `ca.pem` and `clients.json`. */
export const TEST_KEY_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key.pem',
  key: 'virksomhet.key.pem',
  chain: 'virksomhet.chain.pem',
  pkcs12: 'virksomhet.p12',
  registeredJwk: 'registered.jwk.json',
  registeredKey: 'registered.key.pem',
  untrustedKey: 'untrusted.key.pem',
  untrustedChain: 'untrusted.chain.pem',
  clients: 'clients.json',
} as const;

export type TestKeyFile = keyof typeof TEST_KEY_FILES;

/** How the bridge can authenticate; each mode is one set of MASKINPORTEN_* variables. */
export type KeysMode = 'x5c' | 'pkcs12' | 'kid' | 'jwk';

export interface TestKeys {
  dir: string;
  orgnr: string;
  clientId: string;
  scope: string;
  /** The `kid` of the registered key (its RFC 7638 thumbprint). */
  kid: string;
  pkcs12Password: string;
  /** Absolute paths. */
  files: Record<TestKeyFile, string>;
  /** The bridge's variables per mode (docs/configuration.md names), file paths absolute. */
  env: Record<KeysMode, Record<string, string>>;
}

/** One entry of `clients.json`, the clients the simulator registers at start-up. */
export interface ClientsFileEntry {
  clientId: string;
  orgnr: string;
  scopes: string[];
  keys?: { kid: string; publicJwk: JsonWebKey; expiresAt?: string }[];
  expiresIn?: number;
}

export interface PemKeyPair {
  certPem: string;
  keyPem: string;
}

/**
 * Writes a complete, self-consistent set of Maskinporten credentials into `dir`: a test CA, a
 * virksomhetssertifikat issued by it (PEM and PKCS#12), a registered key (PEM and JWK), a certificate
 * from an unrelated CA, and `clients.json` for the simulator.
 */
export async function mintTestKeys(dir: string, options: Partial<MintTestKeysOptions> = {}): Promise<TestKeys> {
  const opts: MintTestKeysOptions = {
    orgnr: options.orgnr ?? DEFAULT_TEST_ORGNR,
    clientId: options.clientId ?? DEFAULT_TEST_CLIENT_ID,
    scope: options.scope ?? DEFAULT_TEST_SCOPE,
    pkcs12Password: options.pkcs12Password ?? DEFAULT_PKCS12_PASSWORD,
    organisationName: options.organisationName ?? DEFAULT_TEST_ORGANISATION,
  };
  const absDir = resolve(dir);
  await mkdir(absDir, { recursive: true });
  const files = Object.fromEntries(
    Object.entries(TEST_KEY_FILES).map(([name, file]) => [name, resolve(absDir, file)]),
  ) as Record<TestKeyFile, string>;

  // Key generation dominates; Node's async generator runs the five keys on the thread pool in parallel.
  const [caKeys, leafKeys, untrustedCaKeys, untrustedLeafKeys, registeredKeys] = await Promise.all(
    Array.from({ length: 5 }, () => newRsaKeyPair()),
  );
  const ca = certificateAuthority(caKeys, 'Simulert Maskinporten test-CA');
  const leaf = virksomhetssertifikat(ca, leafKeys, opts.orgnr, opts.organisationName);
  const untrustedCa = certificateAuthority(untrustedCaKeys, 'Ukjent test-CA');
  const untrustedLeaf = virksomhetssertifikat(untrustedCa, untrustedLeafKeys, opts.orgnr, opts.organisationName);

  const publicJwk = registeredKeys.publicJwk;
  const kid = jwkThumbprint(publicJwk);
  const registeredPrivateJwk = { ...registeredKeys.privateJwk, kid, alg: 'RS256', use: 'sig' };
  const clients: ClientsFileEntry[] = [
    {
      clientId: opts.clientId,
      orgnr: opts.orgnr,
      scopes: [opts.scope],
      keys: [{ kid, publicJwk: { kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e, kid, alg: 'RS256', use: 'sig' } }],
    },
  ];

  await Promise.all([
    writeFile(files.caCert, ca.certPem),
    writeSecret(files.caKey, ca.keyPem),
    writeSecret(files.key, leaf.keyPem),
    writeFile(files.chain, leaf.certPem + ca.certPem),
    writeSecret(files.pkcs12, pkcs12(leaf, [ca.certPem], opts.pkcs12Password, opts.organisationName)),
    writeSecret(files.registeredJwk, `${JSON.stringify(registeredPrivateJwk, null, 2)}\n`),
    writeSecret(files.registeredKey, registeredKeys.keyPem),
    writeSecret(files.untrustedKey, untrustedLeaf.keyPem),
    writeFile(files.untrustedChain, untrustedLeaf.certPem + untrustedCa.certPem),
    writeFile(files.clients, `${JSON.stringify(clients, null, 2)}\n`),
  ]);

  const common = { MASKINPORTEN_CLIENT_ID: opts.clientId, MASKINPORTEN_SCOPE: opts.scope };
  return {
    dir: absDir,
    orgnr: opts.orgnr,
    clientId: opts.clientId,
    scope: opts.scope,
    kid,
    pkcs12Password: opts.pkcs12Password,
    files,
    env: {
      x5c: { ...common, MASKINPORTEN_PRIVATE_KEY_FILE: files.key, MASKINPORTEN_CERTIFICATE_FILE: files.chain },
      pkcs12: { ...common, MASKINPORTEN_PKCS12_FILE: files.pkcs12, MASKINPORTEN_PKCS12_PASSWORD: opts.pkcs12Password },
      kid: { ...common, MASKINPORTEN_KEY_ID: kid, MASKINPORTEN_PRIVATE_KEY_FILE: files.registeredKey },
      jwk: { ...common, MASKINPORTEN_JWK_FILE: files.registeredJwk },
    },
  };
}

const MODE_TITLES: Record<KeysMode, string> = {
  x5c: 'x5c mode: the virksomhetssertifikat as a PEM key and chain',
  pkcs12: 'PKCS#12 mode (x5c from a .p12)',
  kid: 'kid mode: the registered key as PEM plus its key id',
  jwk: 'kid mode from a JWK file (the kid is inside the JWK)',
};

/**
 * Renders `KEY=value` lines for a `.env` file: the shared lines, then x5c mode active and the other modes
 * commented out, because the bridge picks its mode from which variables are set and two modes at once
 * would be ambiguous.
 */
export function formatKeysEnv(keys: TestKeys, options: { issuer?: string } = {}): string {
  const issuer = options.issuer ?? 'http://127.0.0.1:8082/';
  const shared = new Set(['MASKINPORTEN_CLIENT_ID', 'MASKINPORTEN_SCOPE']);
  const lines = [
    `# Maskinporten simulator credentials in ${keys.dir}`,
    `# client ${keys.clientId}, orgnr ${keys.orgnr}; the simulator loads ca.pem and clients.json (SIM_KEYS_DIR)`,
    `MASKINPORTEN_ISSUER=${issuer}`,
    `MASKINPORTEN_TOKEN_URL=${new URL('token', issuer).toString()}`,
    `MASKINPORTEN_CLIENT_ID=${keys.clientId}`,
    `MASKINPORTEN_SCOPE=${keys.scope}`,
  ];
  (['x5c', 'pkcs12', 'kid', 'jwk'] as const).forEach((mode, index) => {
    const active = index === 0;
    lines.push('', `# ${MODE_TITLES[mode]}${active ? '' : ' — uncomment instead of the x5c lines'}`);
    for (const [name, value] of Object.entries(keys.env[mode])) {
      if (!shared.has(name)) {
        lines.push(`${active ? '' : '# '}${name}=${value}`);
      }
    }
  });
  return `${lines.join('\n')}\n`;
}

/** A self-signed CA, used by the simulator when it has no keysDir. */
export async function mintCertificateAuthority(commonName: string): Promise<PemKeyPair> {
  return certificateAuthority(await newRsaKeyPair(), commonName);
}

interface RsaKeys {
  keyPem: string;
  publicPem: string;
  publicJwk: JsonWebKey;
  privateJwk: JsonWebKey;
}

async function newRsaKeyPair(): Promise<RsaKeys> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicJwk: publicKey.export({ format: 'jwk' }),
    privateJwk: privateKey.export({ format: 'jwk' }),
  };
}

function certificateAuthority(keys: RsaKeys, commonName: string): PemKeyPair {
  const subject: forge.pki.CertificateField[] = [
    { shortName: 'C', value: 'NO' },
    { name: 'organizationName', value: 'Simulatorer for brreg-efm-bridge', valueTagClass: utf8 },
    { name: 'commonName', value: commonName, valueTagClass: utf8 },
  ];
  const cert = newCertificate(keys, subject, 3650);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/**
 * A certificate shaped like a Norwegian virksomhetssertifikat: the organisation number sits in the
 * subject's `serialNumber` attribute (OID 2.5.4.5), which is where Maskinporten reads it.
 */
function virksomhetssertifikat(ca: PemKeyPair, keys: RsaKeys, orgnr: string, organisationName: string): PemKeyPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = newCertificate(
    keys,
    [
      { shortName: 'C', value: 'NO' },
      { name: 'organizationName', value: organisationName, valueTagClass: utf8 },
      { name: 'serialNumber', value: orgnr },
      { name: 'commonName', value: organisationName, valueTagClass: utf8 },
    ],
    730,
  );
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

// @types/node-forge types `valueTagClass` as an ASN.1 class; forge actually reads it as the string tag type.
const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;

function newCertificate(
  keys: RsaKeys,
  subject: forge.pki.CertificateField[],
  validDays: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumberHex();
  // Back-dated a day so a verifier whose clock lags (or a simulator with negative skew) still accepts it.
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(now + validDays * 24 * 3600 * 1000);
  cert.setSubject(subject);
  return cert;
}

/** 16 random bytes, first byte in 0x40..0x7f so the DER INTEGER is positive and minimal. */
function serialNumberHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/**
 * Key bag plus certificate bags, 3DES-encrypted with a SHA-1 MAC: the classic profile that node-forge,
 * OpenSSL 3 and Java's keytool all read.
 */
function pkcs12(leaf: PemKeyPair, chainPems: string[], password: string, friendlyName: string): Buffer {
  const certs = [leaf.certPem, ...chainPems].map((pem) => forge.pki.certificateFromPem(pem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(leaf.keyPem), certs, password, {
    algorithm: '3des',
    friendlyName,
    generateLocalKeyId: true,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** RFC 7638 thumbprint of an RSA public key, base64url. */
function jwkThumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

async function writeSecret(path: string, content: string | Buffer): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
}
