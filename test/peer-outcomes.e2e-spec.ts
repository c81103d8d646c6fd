import type { PeerReport, Readiness } from '../src/ops/readiness.service';
import {
  control,
  createTestDatabase,
  eventually,
  startBridge,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from './support/bridge-harness';
import type { TestDatabase } from './support/database';

const IP_USER = { username: 'ip-user', password: 'the-right-ip-password' };

async function readiness(bridge: RunningBridge): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${bridge.url}/health/ready`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

/** The peer's report once its outcome is `outcome` (every answer on the way must be 200: the pod can work). */
async function reportOnce(
  bridge: RunningBridge,
  peer: keyof Readiness['info']['peers'],
  outcome: string,
): Promise<PeerReport> {
  return eventually(
    async () => {
      const { status, body } = await readiness(bridge);
      expect(status).toBe(200);
      return body.info.peers[peer].outcome === outcome ? body.info.peers[peer] : undefined;
    },
    20_000,
    `${peer} to report ${outcome}`,
  );
}

/** The value of `bridge_peer_last_outcome` per outcome of `peer`, once `outcome` is 1 (the collector reads every 5 s). */
async function outcomeSeries(bridge: RunningBridge, peer: string, outcome: string): Promise<Record<string, number>> {
  return eventually(
    async () => {
      const text = await (await fetch(`${bridge.url}/metrics`)).text();
      const values: Record<string, number> = {};
      for (const [, name, value] of text.matchAll(
        new RegExp(`^bridge_peer_last_outcome\\{peer="${peer}",outcome="(\\w+)"\\} (\\S+)$`, 'gm'),
      )) {
        values[name] = Number(value);
      }
      return values[outcome] === 1 ? values : undefined;
    },
    20_000,
    `bridge_peer_last_outcome{peer="${peer}",outcome="${outcome}"} 1`,
  );
}

describe('each peer’s last outcome, in words an operator can act on', () => {
  const env = useBridgeEnvironment({ integrasjonspunkt: { basicAuth: IP_USER } });
  let otherDb: TestDatabase | undefined;
  let other: RunningBridge | undefined;

  afterAll(async () => {
    await other?.close();
    await otherDb?.drop();
  });

  it('a BRREG_BASE_URL without /outbound: 404 on every poll, named with the path and the variable', async () => {
    const { orgnr } = await testKeys();
    await control(env.sims.brreg.url, '/forsendelser', { body: { orgnr, count: 1 } });
    const bridge = await env.start({
      BRREG_BASE_URL: env.sims.brreg.url,
      EFM_USERNAME: IP_USER.username,
      EFM_PASSWORD: IP_USER.password,
    });
    const brreg = await reportOnce(bridge, 'brreg', 'not_found');
    expect(brreg.summary).toMatch(
      /^brreg: (every call since \S+ \(\d+ s\)|the last call \(\d+ s ago\)) answers 404 Not Found at \/available \(available\) — check BRREG_BASE_URL \(it must end in \/outbound\)$/,
    );
    // Several polls later the words say it is every poll, not a passing one.
    const later = await eventually(
      async () => {
        const report = (await readiness(bridge)).body.info.peers.brreg;
        return report.summary.includes('every call since') ? report : undefined;
      },
      10_000,
      'a run of 404s',
    );
    expect(later.since).toEqual(expect.any(String));
    const { body } = await readiness(bridge);
    expect(body.info.brregPoll.summary).toMatch(/^no poll has reached Brreg/);
    // The token was fine: Brreg answered the path, not our credentials.
    expect(body.info.peers.maskinporten.outcome).toBe('ok');
    expect(body.info.maskinportenToken.expiresInSeconds).toBeGreaterThan(0);

    const series = await outcomeSeries(bridge, 'brreg', 'not_found');
    expect(Object.entries(series).filter(([, v]) => v === 1)).toEqual([['not_found', 1]]);
    expect(Object.keys(series).sort()).toHaveLength(9);
    process.stdout.write(`wrong BRREG_BASE_URL: ${later.summary}\n`);
    await bridge.close();
  });

  it('a wrong IP password: 401 on the IP, named with EFM_USERNAME/EFM_PASSWORD, while the pod stays ready', async () => {
    const { orgnr } = await testKeys();
    await control(env.sims.brreg.url, '/forsendelser', { body: { orgnr, count: 2 } });
    otherDb = await createTestDatabase();
    other = await startBridge(env.sims, otherDb, {
      EFM_USERNAME: IP_USER.username,
      EFM_PASSWORD: 'a-wrong-password',
    });
    const ip = await reportOnce(other, 'integrasjonspunkt', 'auth');
    expect(ip.summary).toMatch(
      /^integrasjonspunkt: .* answers 401 Unauthorized at \/api\/\S+ \(\S+\) — check EFM_USERNAME\/EFM_PASSWORD$/,
    );
    // Brreg itself is fine: its polls succeed and say so (the IP's 401 can come before the first poll's answer).
    await reportOnce(other, 'brreg', 'ok');
    const { body } = await readiness(other);
    expect(body.info.peers.brreg.outcome).toBe('ok');
    expect(body.info.brregPoll.ageSeconds).toBeLessThanOrEqual(5);

    const series = await outcomeSeries(other, 'integrasjonspunkt', 'auth');
    expect(Object.entries(series).filter(([, v]) => v === 1)).toEqual([['auth', 1]]);
    // The collector reads every 5 s: it may have read the IP's outcome before Brreg's.
    await outcomeSeries(other, 'brreg', 'ok');
    const text = await (await fetch(`${other.url}/metrics`)).text();
    expect(text).toMatch(/^bridge_peer_last_outcome\{peer="brreg",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^bridge_brreg_last_poll_success_timestamp_seconds [1-9]\d*(\.\d+)?$/m);
    expect(text).toMatch(/^bridge_maskinporten_token_expiry_timestamp_seconds [1-9]\d*(\.\d+)?$/m);
    expect(text).toMatch(/^bridge_peer_last_success_timestamp_seconds\{peer="integrasjonspunkt"\} 0$/m);
    process.stdout.write(`wrong EFM_PASSWORD: ${ip.summary}\n`);
  });
});
