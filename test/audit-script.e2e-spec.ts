import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * scripts/audit.sh (run by .ci/run) against a stand-in registry: it must fail on a high advisory in a production
 * dependency, pass without one, and — when the registry cannot answer the audit — say so in one line instead of
 * passing silently (and fail with AUDIT_REQUIRED=1).
 */
describe('scripts/audit.sh', () => {
  let server: Server;
  let mode: 'high' | 'none' | '405' = 'none';

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET' && req.url === '/jose') {
          // npm reads the packument of an advised package to see which versions are affected.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              name: 'jose',
              'dist-tags': { latest: '6.2.18' },
              versions: { '6.2.18': { name: 'jose', version: '6.2.18' } },
            }),
          );
          return;
        }
        if (mode === '405') {
          res.writeHead(405, { allow: 'GET,HEAD' });
          res.end();
          return;
        }
        const advisory = {
          id: 4711,
          url: 'https://example.invalid/advisory/4711',
          title: 'Stand-in advisory',
          severity: 'high',
          vulnerable_versions: '<99.0.0',
          cwe: [],
          cvss: { score: 7.5, vectorString: null },
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(mode === 'high' ? { jose: [advisory] } : {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function audit(env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
    const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const child = spawn('bash', ['scripts/audit.sh'], {
      cwd: ROOT,
      env: { ...process.env, npm_config_registry: registry, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, output };
  }

  it('fails on a high advisory in a production dependency, and shows it', async () => {
    mode = 'high';
    const { code, output } = await audit();
    expect(code).toBe(1);
    expect(output).toContain('production dependencies have high or critical advisories (0 critical, 1 high');
    expect(output).toContain('https://example.invalid/advisory/4711');
  }, 120_000);

  it('passes when there is none', async () => {
    mode = 'none';
    const { code, output } = await audit();
    expect(code).toBe(0);
    expect(output.trim()).toBe(
      'npm audit: no high or critical advisories in production dependencies (0 critical, 0 high, 0 moderate, 0 low)',
    );
  }, 120_000);

  it('says in one line that nothing was audited when the registry cannot answer, and fails only if required', async () => {
    mode = '405';
    const optional = await audit();
    expect(optional.code).toBe(0);
    expect(optional.output.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^npm audit: NOT AUDITED — the registry \(.*\) cannot answer the audit \(405 Method Not Allowed/,
      ),
    ]);
    expect((await audit({ AUDIT_REQUIRED: '1' })).code).toBe(1);
  }, 120_000);
});
