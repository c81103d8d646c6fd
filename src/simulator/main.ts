import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importJWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { brregOptionsFromEnv, startBrregSimulator } from './brreg/brreg.simulator';
import { integrasjonspunktOptionsFromEnv } from './integrasjonspunkt/integrasjonspunkt-sim.options';
import { startIntegrasjonspunktSimulator } from './integrasjonspunkt/integrasjonspunkt.simulator';
import { maskinportenOptionsFromEnv, startMaskinportenSimulator } from './maskinporten/maskinporten.simulator';
import { formatKeysEnv, mintTestKeys, TEST_KEY_FILES } from './maskinporten/test-keys';
import { startSimulators } from './start-simulators';

const BRIDGE_ENV_FILE = 'bridge.env';

const USAGE = `Usage: npm run simulators -- [command] [options]

Commands:
  all (default)          Maskinporten, Brreg mottak and the integrasjonspunkt together
  maskinporten | brreg | integrasjonspunkt
                         one simulator alone
  keys DIR               mint a test CA, a virksomhetssertifikat (PEM and PKCS#12) and a registered key
                         into DIR, and print the bridge's MASKINPORTEN_* variables (also DIR/bridge.env)
  grant DIR              print a signed JWT grant for the registered key in DIR (for curl)

Options (each also as an environment variable):
  --host HOST                  listen address (default 127.0.0.1)
  --seed N                     SIM_SEED: makes every simulator deterministic
  --keys DIR                   SIM_KEYS_DIR: credentials Maskinporten trusts (all: minted into .sim-keys if absent)
  --maskinporten-port N        SIM_MASKINPORTEN_PORT (8082)
  --brreg-port N               SIM_BRREG_PORT (8081)
  --ip-port N                  SIM_IP_PORT (9093)
  --status-delay-ms N          SIM_IP_STATUS_DELAY_MS: time between automatic status steps (1000)
  --expires-in N               SIM_MASKINPORTEN_EXPIRES_IN: access token lifetime, seconds (120)
  --omit-content-length        SIM_BRREG_OMIT_CONTENT_LENGTH=true: downloads without Content-Length
  --issuer URL                 (grant) the audience, default http://127.0.0.1:8082/
  -h, --help
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string' },
    seed: { type: 'string' },
    keys: { type: 'string' },
    'maskinporten-port': { type: 'string' },
    'brreg-port': { type: 'string' },
    'ip-port': { type: 'string' },
    'status-delay-ms': { type: 'string' },
    'expires-in': { type: 'string' },
    'omit-content-length': { type: 'boolean' },
    issuer: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

/** Flags become the SIM_* variables they stand for, so flags and environment go through one validation. */
function environment(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  const flagToEnv: [string | boolean | undefined, string][] = [
    [values.seed, 'SIM_SEED'],
    [values.keys, 'SIM_KEYS_DIR'],
    [values['maskinporten-port'], 'SIM_MASKINPORTEN_PORT'],
    [values['brreg-port'], 'SIM_BRREG_PORT'],
    [values['ip-port'], 'SIM_IP_PORT'],
    [values['status-delay-ms'], 'SIM_IP_STATUS_DELAY_MS'],
    [values['expires-in'], 'SIM_MASKINPORTEN_EXPIRES_IN'],
    [values['omit-content-length'] ? 'true' : undefined, 'SIM_BRREG_OMIT_CONTENT_LENGTH'],
  ];
  for (const [value, name] of flagToEnv) {
    if (value !== undefined) {
      env[name] = String(value);
    }
  }
  return env;
}

async function ensureKeys(dir: string): Promise<void> {
  if (existsSync(join(dir, TEST_KEY_FILES.clients))) {
    return;
  }
  mkdirSync(dir, { recursive: true });
  await mintKeys(dir);
}

/** Mints into `dir` and writes the bridge's variables beside them as `bridge.env` (for `set -a; . bridge.env`). */
async function mintKeys(dir: string): Promise<void> {
  const keys = await mintTestKeys(dir);
  const env = formatKeysEnv(keys);
  writeFileSync(join(dir, BRIDGE_ENV_FILE), env);
  process.stdout.write(
    `Minted test credentials into ${dir}; the bridge's variables (also in ${join(dir, BRIDGE_ENV_FILE)}):\n\n${env}\n`,
  );
}

async function printGrant(dir: string): Promise<void> {
  const jwk = JSON.parse(await readFile(join(dir, TEST_KEY_FILES.registeredJwk), 'utf8')) as { kid: string };
  const clients = JSON.parse(await readFile(join(dir, TEST_KEY_FILES.clients), 'utf8')) as { clientId: string }[];
  const now = Math.floor(Date.now() / 1000);
  const grant = await new SignJWT({ scope: 'brreg:mottak' })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
    .setAudience(values.issuer ?? 'http://127.0.0.1:8082/')
    .setIssuer(clients[0].clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .setJti(randomUUID())
    .sign(await importJWK(jwk, 'RS256'));
  process.stdout.write(`${grant}\n`);
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [command = 'all', dir] = positionals;
  const host = values.host;
  const env = environment();
  switch (command) {
    case 'keys': {
      if (!dir) {
        throw new Error('keys needs a folder: npm run simulators -- keys DIR');
      }
      return mintKeys(resolve(dir));
    }
    case 'grant':
      return printGrant(resolve(dir ?? '.sim-keys'));
    case 'all': {
      const keysDir = resolve(env.SIM_KEYS_DIR ?? '.sim-keys');
      await ensureKeys(keysDir);
      const set = await startSimulators({
        maskinporten: { ...maskinportenOptionsFromEnv({ ...env, SIM_KEYS_DIR: keysDir }), ...(host ? { host } : {}) },
        brreg: { ...brregOptionsFromEnv(env), ...(host ? { host } : {}) },
        integrasjonspunkt: { ...integrasjonspunktOptionsFromEnv(env), ...(host ? { host } : {}) },
      });
      process.stdout.write(
        [
          `Maskinporten      ${set.maskinporten.url}  (issuer ${set.maskinporten.issuer}, keys ${keysDir})`,
          `Brreg mottak      ${set.brreg.outboundUrl}`,
          `integrasjonspunkt ${set.integrasjonspunkt.url}/api`,
          'Control APIs under /_sim on each; see docs/simulators.md. Ctrl-C stops.',
          '',
        ].join('\n'),
      );
      stopOnSignal(() => set.close());
      return;
    }
    case 'maskinporten': {
      const sim = await startMaskinportenSimulator({ ...maskinportenOptionsFromEnv(env), ...(host ? { host } : {}) });
      process.stdout.write(`Maskinporten ${sim.url} (issuer ${sim.issuer})\n`);
      stopOnSignal(() => sim.close());
      return;
    }
    case 'brreg': {
      const sim = await startBrregSimulator({ ...brregOptionsFromEnv(env), ...(host ? { host } : {}) });
      process.stdout.write(`Brreg mottak ${sim.outboundUrl}\n`);
      stopOnSignal(() => sim.close());
      return;
    }
    case 'integrasjonspunkt': {
      const sim = await startIntegrasjonspunktSimulator({
        ...integrasjonspunktOptionsFromEnv(env),
        ...(host ? { host } : {}),
      });
      process.stdout.write(`integrasjonspunkt ${sim.url}/api\n`);
      stopOnSignal(() => sim.close());
      return;
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

function stopOnSignal(close: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void close().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
