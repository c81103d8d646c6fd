import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { control, eventually, testKeys, useBridgeEnvironment } from './support/bridge-harness';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist/src/main.js');

/**
 * The built bridge, as ops run it, with JSON logs at debug level through a full run: its output must hold no
 * access token or grant (JWTs), no key or certificate (PEM), no PKCS#12 password and no Basic credentials.
 */
describe('the logs of a full run', () => {
  const env = useBridgeEnvironment();
  let child: ChildProcess | undefined;

  beforeAll(() => {
    if (!existsSync(MAIN)) {
      const build = spawnSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
      expect(build.status).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child?.once('exit', resolve));
    }
  });

  it('contain no token, grant, key, certificate, password or Basic credentials', async () => {
    const keys = await testKeys();
    const { sims, db } = env;
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr: keys.orgnr, count: 4 } });
    const adminPassword = 'admin-secret-password-42';
    const ipPassword = 'ip-secret-password-42';
    let output = '';
    child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ...keys.env.pkcs12,
        LOG_LEVEL: 'debug',
        // Its own HTTP port is not used by the test; any free-looking one will do.
        PORT: String(40_000 + Math.floor(Math.random() * 20_000)),
        MASKINPORTEN_ISSUER: sims.maskinporten.issuer,
        MASKINPORTEN_TOKEN_URL: sims.maskinporten.tokenUrl,
        BRREG_BASE_URL: sims.brreg.outboundUrl,
        BRREG_POLL_INTERVAL_MS: '1000',
        EFM_BASE_URL: sims.integrasjonspunkt.url,
        EFM_USERNAME: 'ip-user',
        EFM_PASSWORD: ipPassword,
        EFM_SENDER_ORGNR: keys.orgnr,
        EFM_RECEIVER_ORGNR: '310000001',
        EFM_STATUS_POLL_INTERVAL_MS: '200',
        DATABASE_URL: db.url,
        QUEUE_PREFIX: `logs${Date.now().toString(36)}`,
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: adminPassword,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) {
        process.stderr.write(`bridge exited with ${code}:\n${output.slice(-2000)}\n`);
      }
    });

    // The IP simulator does not require Basic here, so the bridge sends it and the run still completes.
    await eventually(
      async () => {
        const forsendelser = await control<{ state: string }[]>(sims.brreg.url, '/forsendelser');
        return forsendelser.every((f) => f.state === 'confirmed') ? true : undefined;
      },
      45_000,
      'all four confirmed at Brreg',
    );
    await control(sims.brreg.url, '/faults/revoke-tokens', { body: {} });
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr: keys.orgnr, count: 1 } });
    await eventually(
      async () =>
        (await control<{ state: string }[]>(sims.brreg.url, '/forsendelser')).every((f) => f.state === 'confirmed')
          ? true
          : undefined,
      30_000,
      'the fifth confirmed after a revoked token',
    );
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child?.once('exit', resolve));
    expect(code).toBe(0);

    expect(output).toContain('"msg":"confirmed at Brreg"');
    const privateKey = readFileSync(keys.files.key, 'utf8').split('\n')[1];
    const secrets = {
      jwt: /eyJ[\w-]{10,}\.[\w-]{10,}/.exec(output)?.[0],
      pem: /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/.exec(output)?.[0],
      privateKeyLine: output.includes(privateKey) ? privateKey : undefined,
      pkcs12Password: output.includes(keys.pkcs12Password) ? keys.pkcs12Password : undefined,
      adminPassword: output.includes(adminPassword) ? adminPassword : undefined,
      ipPassword: output.includes(ipPassword) ? ipPassword : undefined,
      ipBasic: output.includes(Buffer.from(`ip-user:${ipPassword}`).toString('base64')) ? 'basic' : undefined,
    };
    expect(secrets).toEqual({
      jwt: undefined,
      pem: undefined,
      privateKeyLine: undefined,
      pkcs12Password: undefined,
      adminPassword: undefined,
      ipPassword: undefined,
      ipBasic: undefined,
    });
  });
});
