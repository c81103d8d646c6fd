import { X509Certificate } from 'node:crypto';

/** Longer chains than this are not something a virksomhetssertifikat has; the bound keeps path building cheap. */
const MAX_X5C_LENGTH = 10;

const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** What parsing `x5c` found: the certificates, or why the header is not an array of base64 DER strings. */
export type X5cParse = { ok: true; chain: X509Certificate[] } | { ok: false; reason: string };

/**
 * Reads the `x5c` header: an array of standard (not url-safe) base64 DER certificates, leaf first
 * (RFC 7515 §4.1.6). Anything else is the client's formatting mistake (MP-123), not a trust question.
 */
export function parseX5c(x5c: unknown): X5cParse {
  if (!Array.isArray(x5c)) {
    return { ok: false, reason: 'x5c must be an array of strings' };
  }
  if (x5c.length === 0 || x5c.length > MAX_X5C_LENGTH) {
    return { ok: false, reason: `x5c must hold 1 to ${MAX_X5C_LENGTH} certificates` };
  }
  const chain: X509Certificate[] = [];
  for (const [index, entry] of x5c.entries()) {
    if (typeof entry !== 'string') {
      return { ok: false, reason: 'x5c must be an array of strings' };
    }
    if (entry.length % 4 !== 0 || !STANDARD_BASE64.test(entry)) {
      return { ok: false, reason: `x5c[${index}] is not standard base64` };
    }
    try {
      chain.push(new X509Certificate(Buffer.from(entry, 'base64')));
    } catch {
      return { ok: false, reason: `x5c[${index}] is not a DER certificate` };
    }
  }
  return { ok: true, chain };
}

/**
 * Builds a path from the leaf through the intermediates given in `x5c` to one of the trusted CAs, each
 * link checked by name, key identifiers and signature, every certificate on the path within its
 * validity at `nowMs` (the simulator's clock). Returns null when trusted, else the reason (MP-120).
 */
export function untrustedReason(
  chain: X509Certificate[],
  trusted: readonly X509Certificate[],
  nowMs: number,
): string | null {
  const [leaf, ...pool] = chain;
  let current = leaf;
  for (let depth = 0; depth <= MAX_X5C_LENGTH; depth++) {
    const outside = outsideValidity(current, nowMs);
    if (outside) {
      return depth === 0 ? `the certificate ${outside}` : `a certificate in the chain ${outside}`;
    }
    const anchor = trusted.find((ca) => isIssuedBy(current, ca));
    if (anchor) {
      const anchorOutside = outsideValidity(anchor, nowMs);
      return anchorOutside ? `the issuing CA ${anchorOutside}` : null;
    }
    const next = pool.find((candidate) => candidate.ca && isIssuedBy(current, candidate));
    if (!next) {
      return 'the certificate is not issued by a CA trusted in this environment';
    }
    current = next;
  }
  return 'the certificate chain is too long';
}

/**
 * The organisation number a Norwegian virksomhetssertifikat carries: `organizationIdentifier`
 * `NTRNO-<orgnr>` (SEID 2) or the subject `serialNumber` (OID 2.5.4.5, SEID 1).
 */
export function organisationNumberOf(cert: X509Certificate): string | null {
  const attributes = cert.subject.split(/\n| \+ /).map((line) => {
    const eq = line.indexOf('=');
    return { name: line.slice(0, eq), value: line.slice(eq + 1) };
  });
  for (const { name, value } of attributes) {
    const match = name === 'organizationIdentifier' ? /^NTRNO-(\d{9})$/.exec(value) : null;
    if (match) {
      return match[1];
    }
  }
  const serial = attributes.find(({ name, value }) => name === 'serialNumber' && /^\d{9}$/.test(value));
  return serial?.value ?? null;
}

export function toPem(cert: X509Certificate): string {
  const body = cert.raw.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** Every certificate in a PEM bundle (a CA file may hold several). */
export function certificatesFromPem(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function isIssuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function outsideValidity(cert: X509Certificate, nowMs: number): string | null {
  if (nowMs < Date.parse(cert.validFrom)) {
    return `is not valid before ${new Date(cert.validFrom).toISOString()}`;
  }
  if (nowMs > Date.parse(cert.validTo)) {
    return `expired at ${new Date(cert.validTo).toISOString()}`;
  }
  return null;
}
