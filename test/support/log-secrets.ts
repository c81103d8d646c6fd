import { readFileSync } from 'node:fs';
import type { TestKeys } from '../../src/simulator/maskinporten/test-keys';

export interface BasicCredentials {
  username: string;
  password: string;
}

export interface KnownSecrets {
  keys: TestKeys;
  admin: BasicCredentials;
  ip: BasicCredentials;
}

/**
 * Every secret of a run found in a bridge's output, by kind: an access token or a grant (any JWT), a key or
 * certificate (PEM), a line of the private key, the PKCS#12 password, the admin and IP passwords and their
 * Basic headers. An empty list is a clean log.
 */
export function secretsIn(output: string, known: KnownSecrets): string[] {
  const privateKeyLine = readFileSync(known.keys.files.key, 'utf8').split('\n')[1];
  const basic = (c: BasicCredentials) => Buffer.from(`${c.username}:${c.password}`).toString('base64');
  const found: [string, boolean][] = [
    ['jwt', /eyJ[\w-]{10,}\.[\w-]{10,}/.test(output)],
    ['pem', /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/.test(output)],
    ['private key line', output.includes(privateKeyLine)],
    ['PKCS#12 password', output.includes(known.keys.pkcs12Password)],
    ['admin password', output.includes(known.admin.password)],
    ['admin Basic credentials', output.includes(basic(known.admin))],
    ['IP password', output.includes(known.ip.password)],
    ['IP Basic credentials', output.includes(basic(known.ip))],
  ];
  return found.filter(([, hit]) => hit).map(([kind]) => kind);
}
