import { generateKeyPairSync } from 'node:crypto';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/config.loader';

let cachedKey: string | undefined;

/** A throwaway RSA key in PKCS#8 PEM, generated once per test file. */
export function aPrivateKeyPem(): string {
  cachedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return cachedKey;
}

/**
 * The smallest environment that passes validation (kid mode), with overrides. Peers point at a closed
 * loopback port unless a test overrides them: tests never reach outside this machine.
 */
export function aValidEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    // Tests assert on the simulators' records; TEST_LOGS=1 shows the bridge's own lines too.
    LOG_LEVEL: process.env.TEST_LOGS ? 'debug' : 'warn',
    MASKINPORTEN_ISSUER: 'http://127.0.0.1:9/',
    MASKINPORTEN_TOKEN_URL: 'http://127.0.0.1:9/token',
    BRREG_BASE_URL: 'http://127.0.0.1:9/outbound',
    EFM_BASE_URL: 'http://127.0.0.1:9',
    MASKINPORTEN_CLIENT_ID: '7f1c0f4e-2d4b-4d8e-9a34-1b2c3d4e5f60',
    MASKINPORTEN_KEY_ID: 'test-kid',
    MASKINPORTEN_PRIVATE_KEY: aPrivateKeyPem(),
    EFM_SENDER_ORGNR: '311000012',
    ...overrides,
  };
}

export function aConfig(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig(aValidEnv(overrides));
}
