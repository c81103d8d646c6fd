import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** A throwaway certificate for 127.0.0.1 (openssl), for a test's own TLS-only redis-server or sentinel. */
export function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  if (made.status !== 0) {
    throw new Error(`openssl could not make a certificate: ${String(made.stderr)}`);
  }
  return { certFile, keyFile };
}
