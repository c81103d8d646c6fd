import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { MaskinportenKeyConfig } from '../config/app-config';
import { ConfigError } from '../config/config.loader';

/** What a grant is signed with, and the header that tells Maskinporten how to verify it. */
export interface SigningKey {
  key: KeyObject;
  header: { x5c: string[] } | { kid: string };
}

/**
 * Turns the configured key material into a signing key, checking what can be checked offline (the key
 * parses, the certificate belongs to the key) so a mistake stops start-up naming the variable.
 */
export function loadSigningKey(config: MaskinportenKeyConfig): SigningKey {
  switch (config.mode) {
    case 'x5c': {
      const key = createPrivateKey(config.privateKeyPem);
      const chain = parsePemChain(config.certificateChainPem, 'MASKINPORTEN_CERTIFICATE');
      assertLeafMatches(chain, key, 'MASKINPORTEN_CERTIFICATE');
      return { key, header: { x5c: chain.map((c) => c.raw.toString('base64')) } };
    }
    case 'pkcs12':
      return readPkcs12(config.pkcs12, config.password);
    case 'kid':
      return { key: createPrivateKey(config.privateKeyPem), header: { kid: config.keyId } };
    case 'jwk':
      try {
        return {
          key: createPrivateKey({ key: config.jwk, format: 'jwk' }),
          header: { kid: config.keyId },
        };
      } catch {
        throw new ConfigError(['MASKINPORTEN_JWK: is not a usable private RSA JWK']);
      }
  }
}

function parsePemChain(pem: string, variable: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new ConfigError([`${variable}: holds no PEM certificate`]);
  }
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    throw new ConfigError([`${variable}: a certificate in the chain does not parse`]);
  }
}

function assertLeafMatches(chain: X509Certificate[], key: KeyObject, variable: string): void {
  if (!chain[0].checkPrivateKey(key)) {
    throw new ConfigError([`${variable}: the first certificate (the leaf) does not belong to the private key`]);
  }
}

/** Node cannot read PKCS#12; node-forge can (RSA only). The chain is ordered leaf first, as x5c wants. */
function readPkcs12(pkcs12: Buffer, password: string): SigningKey {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(pkcs12.toString('binary'))), password);
  } catch {
    throw new ConfigError([
      'MASKINPORTEN_PKCS12_PASSWORD: the PKCS#12 could not be opened (wrong password or not a .p12)',
    ]);
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const forgeKey = keyBags.find((bag) => bag.key)?.key;
  if (!forgeKey) {
    throw new ConfigError(['MASKINPORTEN_PKCS12: holds no (RSA) private key']);
  }
  const key = createPrivateKey(forge.pki.privateKeyToPem(forgeKey));
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [])
    .filter((bag) => bag.cert)
    .map((bag) => new X509Certificate(forge.pki.certificateToPem(bag.cert as forge.pki.Certificate)));
  const leaf = certs.find((c) => c.checkPrivateKey(key));
  if (!leaf) {
    throw new ConfigError(['MASKINPORTEN_PKCS12: holds no certificate for its private key']);
  }
  const chain = [leaf];
  for (let current = leaf; ;) {
    const issuer = certs.find((c) => !chain.includes(c) && current.checkIssued(c) && c.subject !== current.subject);
    if (!issuer) {
      break;
    }
    chain.push(issuer);
    current = issuer;
  }
  return { key, header: { x5c: chain.map((c) => c.raw.toString('base64')) } };
}
