import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BoundedMap } from '../common/bounded-log';
import { MAX_TOKEN_EXPIRES_IN } from './maskinporten-sim.options';
import { certificatesFromPem, toPem } from './certificate-chain';
import { TEST_KEY_FILES } from './test-keys';

const publicJwkSchema = z
  .looseObject({ kty: z.literal('RSA'), n: z.string().min(1), e: z.string().min(1) })
  .refine(
    (jwk) => {
      try {
        createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a usable RSA public key' },
  )
  // Only the public members are kept: a private JWK pasted here must not end up in the registry.
  .transform((jwk) => ({ kty: jwk.kty, n: jwk.n, e: jwk.e }));

const scopeSchema = z.string().regex(/^\S+$/, 'a scope has no whitespace');

/** A client as the control API and `clients.json` describe it (Maskinporten self-service, in short). */
export const clientRegistrationSchema = z.strictObject({
  clientId: z.string().min(1).max(200),
  orgnr: z.string().regex(/^\d{9}$/, 'an organisation number has nine digits'),
  scopes: z.array(scopeSchema).max(100),
  keys: z
    .array(
      z.strictObject({
        kid: z.string().min(1).max(200),
        publicJwk: publicJwkSchema,
        expiresAt: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .max(20)
    .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, { message: 'kids must be unique' })
    .optional(),
  /** Per-client `expires_in`, seconds; the simulator-wide `tokenExpiresIn` when absent. */
  expiresIn: z.number().int().min(1).max(MAX_TOKEN_EXPIRES_IN).optional(),
});
export type ClientRegistration = z.infer<typeof clientRegistrationSchema>;

/** What `PATCH /_sim/clients/:clientId` may change; `expiresIn: null` returns to the global value. */
export const clientPatchSchema = z.strictObject({
  orgnr: clientRegistrationSchema.shape.orgnr.optional(),
  scopes: clientRegistrationSchema.shape.scopes.optional(),
  expiresIn: z.number().int().min(1).max(MAX_TOKEN_EXPIRES_IN).nullable().optional(),
});
export type ClientPatch = z.infer<typeof clientPatchSchema>;

export interface RegisteredKey {
  kid: string;
  publicJwk: { kty: 'RSA'; n: string; e: string };
  /** Epoch ms; null = never expires. */
  expiresAtMs: number | null;
}

export interface RegisteredClient {
  clientId: string;
  orgnr: string;
  scopes: string[];
  keys: RegisteredKey[];
  expiresIn: number | null;
}

export interface TrustedCa {
  subject: string;
  fingerprint256: string;
  validTo: string;
  pem: string;
}

const MAX_CLIENTS = 10_000;
const MAX_TRUSTED_CAS = 1_000;

/**
 * The clients and trusted CAs. What was loaded at start-up (keysDir, or the in-memory CA) is the baseline
 * that `reset` returns to; what the control API added is forgotten on reset.
 */
export class ClientRegistry {
  private readonly clients = new BoundedMap<string, RegisteredClient>(MAX_CLIENTS);
  private readonly cas = new BoundedMap<string, X509Certificate>(MAX_TRUSTED_CAS);

  constructor(
    private readonly baselineClients: readonly RegisteredClient[],
    private readonly baselineCas: readonly X509Certificate[],
  ) {
    this.reset();
  }

  reset(): void {
    this.clients.clear();
    this.cas.clear();
    for (const client of this.baselineClients) {
      this.clients.set(client.clientId, structuredClone(client));
    }
    for (const ca of this.baselineCas) {
      this.cas.set(ca.fingerprint256, ca);
    }
  }

  /** Adds or replaces a client (self-service: the client id is the key). */
  register(registration: ClientRegistration): RegisteredClient {
    const client = toRegisteredClient(registration);
    this.clients.set(client.clientId, client);
    return structuredClone(client);
  }

  patch(clientId: string, patch: ClientPatch): RegisteredClient | null {
    const client = this.clients.get(clientId);
    if (!client) {
      return null;
    }
    if (patch.orgnr !== undefined) {
      client.orgnr = patch.orgnr;
    }
    if (patch.scopes !== undefined) {
      client.scopes = [...patch.scopes];
    }
    if (patch.expiresIn !== undefined) {
      client.expiresIn = patch.expiresIn;
    }
    return structuredClone(client);
  }

  remove(clientId: string): boolean {
    return this.clients.delete(clientId);
  }

  get(clientId: string): RegisteredClient | undefined {
    return this.clients.get(clientId);
  }

  list(): RegisteredClient[] {
    return [...this.clients.values()].map((client) => structuredClone(client));
  }

  trust(cert: X509Certificate): TrustedCa {
    this.cas.set(cert.fingerprint256, cert);
    return describeCa(cert);
  }

  trustedCertificates(): X509Certificate[] {
    return [...this.cas.values()];
  }

  trustedCas(): TrustedCa[] {
    return this.trustedCertificates().map(describeCa);
  }
}

export function toRegisteredClient(registration: ClientRegistration): RegisteredClient {
  return {
    clientId: registration.clientId,
    orgnr: registration.orgnr,
    scopes: [...registration.scopes],
    keys: (registration.keys ?? []).map((key) => ({
      kid: key.kid,
      publicJwk: key.publicJwk,
      expiresAtMs: key.expiresAt === undefined ? null : Date.parse(key.expiresAt),
    })),
    expiresIn: registration.expiresIn ?? null,
  };
}

/** The control API's view of a client: expiry as ISO time, the public key as given. */
export function describeClient(client: RegisteredClient): object {
  return {
    clientId: client.clientId,
    orgnr: client.orgnr,
    scopes: client.scopes,
    keys: client.keys.map((key) => ({
      kid: key.kid,
      publicJwk: key.publicJwk,
      expiresAt: key.expiresAtMs === null ? null : new Date(key.expiresAtMs).toISOString(),
    })),
    expiresIn: client.expiresIn,
  };
}

function describeCa(cert: X509Certificate): TrustedCa {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    fingerprint256: cert.fingerprint256,
    validTo: new Date(cert.validTo).toISOString(),
    pem: toPem(cert),
  };
}

/** Reads `ca.pem` and `clients.json` from a directory written by `mintTestKeys`; fails loudly on anything off. */
export async function loadKeysDir(dir: string): Promise<{ clients: RegisteredClient[]; cas: X509Certificate[] }> {
  const caPath = join(dir, TEST_KEY_FILES.caCert);
  const clientsPath = join(dir, TEST_KEY_FILES.clients);
  const [caPem, clientsJson] = await Promise.all([readFile(caPath, 'utf8'), readFile(clientsPath, 'utf8')]);
  const cas = certificatesFromPem(caPem);
  if (cas.length === 0) {
    throw new Error(`${caPath} holds no PEM certificate`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(clientsJson);
  } catch (err) {
    throw new Error(`${clientsPath} is not JSON: ${(err as Error).message}`);
  }
  const parsed = z.array(clientRegistrationSchema).safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${clientsPath} is not a list of clients: ${z.prettifyError(parsed.error)}`);
  }
  return { clients: parsed.data.map(toRegisteredClient), cas };
}
