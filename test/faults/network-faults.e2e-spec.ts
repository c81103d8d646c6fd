import type { SimulatorSet, SimulatorSetOptions } from '../../src/simulator/start-simulators';
import {
  control,
  eventually,
  forsendelseRows,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from '../support/bridge-harness';
import { isClean, judge } from './checker';
import { collectRecords } from './run-records';
import { expireUnsentMessages } from './ttl-stand-in';
import { reportVerdict } from './verdict-log';

/** FAULTS_SCALE=full for the long run; the bounded one runs in .ci/run. */
const FULL = process.env.FAULTS_SCALE === 'full';
const COUNT = FULL ? 30 : 12;
const SETTLE_MS = FULL ? 900_000 : 150_000;
/**
 * A forward makes about six IP calls, so at 30 % most tries fail somewhere and the backoff (doubling, up to
 * 5 min) stretches the slowest forsendelse past several minutes: the bounded run takes 10 %, the full run 30 %.
 */
const IP_ERROR_RATE = FULL ? 0.3 : 0.1;

interface Seeded {
  mottakId: string;
  sizeBytes: number;
  sha256: string;
}

interface NetworkCase {
  /** Seed requests to Brreg (orgnr added), before the bridge starts. */
  seed: Record<string, unknown>[];
  /** Arms the fault; runs before the bridge starts, so the first try of everything meets it. */
  arm(sims: SimulatorSet, seeded: Seeded[]): Promise<void>;
  /** The fault visibly happened, from the simulators' records (or the bridge's metrics). */
  happened(sims: SimulatorSet, seeded: Seeded[], bridge: RunningBridge): Promise<void>;
  env?: Record<string, string>;
  sims?: SimulatorSetOptions;
  /** Sends answered 5xx are never repeated: stand in for the IP's TTL job. */
  expireUnsent?: boolean;
  settleMs?: number;
}

interface DownloadRecord {
  mottakId: string;
  outcome: string;
  bytes: number;
  contentLength: boolean;
}

const half = (n: number) => Math.ceil(n / 2);

/** The sum of a series' samples on the bridge's /metrics whose labels include `labels`. */
async function metric(bridge: RunningBridge, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${bridge.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((w) => line.includes(w)))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** Every forsendelse's first download is cut the given way after 30 % of its bytes. */
function cutDownloads(mode: 'close' | 'reset' | 'end', outcome: string): Pick<NetworkCase, 'arm' | 'happened'> {
  return {
    arm: async (sims, seeded) => {
      for (const f of seeded) {
        await control(sims.brreg.url, '/faults/truncate-download', {
          body: { mottakId: f.mottakId, afterBytes: Math.floor(f.sizeBytes * 0.3), mode },
        });
      }
    },
    happened: async (sims, seeded) => {
      const downloads = await control<DownloadRecord[]>(sims.brreg.url, '/downloads');
      expect(downloads.filter((d) => d.outcome === outcome).length).toBe(seeded.length);
    },
  };
}

/** A share of one peer's calls answered with its own 5xx, drawn from a fixed seed. */
function serverErrors(peer: 'brreg' | 'integrasjonspunkt' | 'maskinporten', seed: number, errorRate = 0.3) {
  return {
    arm: async (sims: SimulatorSet) => {
      await control(sims[peer].url, '/faults', { body: { errorRate, seed } });
    },
    happened: async (sims: SimulatorSet) => {
      const faults = await control<{ injectedErrors: number }>(sims[peer].url, '/faults');
      expect(faults.injectedErrors).toBeGreaterThan(0);
    },
  };
}

/** Maskinporten's clock set off by `skewSeconds`: the grant's iat and the token's iat/exp are judged by it. */
function clockSkew(skewSeconds: number): Pick<NetworkCase, 'arm' | 'happened'> {
  return {
    arm: async (sims) => {
      await control(sims.maskinporten.url, '/clock', { body: { skewSeconds } });
    },
    happened: async (sims) => {
      expect(await control(sims.maskinporten.url, '/clock')).toMatchObject({ skewSeconds });
      const grants = await control<{ outcome: string; code?: string }[]>(sims.maskinporten.url, '/grants');
      expect(grants.filter((g) => g.outcome === 'issued').length).toBeGreaterThan(0);
    },
  };
}

const CASES: [string, NetworkCase][] = [
  ['reset mid-download', { seed: [{ count: COUNT, sizeBytes: 300_000 }], ...cutDownloads('reset', 'reset') }],
  [
    'download closed early against its Content-Length',
    { seed: [{ count: COUNT, sizeBytes: 300_000 }], ...cutDownloads('close', 'truncated') },
  ],
  [
    'truncated zip, clean end, with Content-Length',
    { seed: [{ count: COUNT, sizeBytes: 300_000 }], ...cutDownloads('end', 'short') },
  ],
  [
    'truncated zip, clean end, chunked',
    { seed: [{ count: COUNT, sizeBytes: 300_000, omitContentLength: true }], ...cutDownloads('end', 'short') },
  ],
  [
    'upload that hangs (our timeout fires)',
    {
      // Small zips fit in the socket buffers (the wait is for the answer), large ones back up (the wait is
      // for the IP to read on): both must time out.
      seed: [
        { count: half(COUNT), sizeBytes: 20_000 },
        { count: COUNT - half(COUNT), sizeBytes: 12_000_000 },
      ],
      env: { HTTP_TIMEOUT_MS: '2000' },
      arm: async (sims) => {
        await control(sims.integrasjonspunkt.url, '/faults/hang-upload', {
          // Any file of the forsendelse but arkivmelding.xml (which goes up last, after the documents).
          body: { filename: '^(?!arkivmelding\\.xml$)', afterBytes: 0, times: COUNT },
        });
      },
      happened: async (sims, _seeded, bridge) => {
        const faults = await control<{ hangUpload: { hung: number } }>(sims.integrasjonspunkt.url, '/faults/ip');
        expect(faults.hangUpload.hung).toBe(COUNT);
        // Each hung upload ended on our side by our own timeout, not by a stalled-job takeover.
        const timedOut = await metric(bridge, 'bridge_external_call_duration_seconds_count', {
          peer: 'integrasjonspunkt',
          operation: 'upload',
          outcome: 'network',
        });
        expect(timedOut).toBeGreaterThanOrEqual(COUNT);
      },
    },
  ],
  ['30 % 5xx from Brreg', { seed: [{ count: COUNT, sizeBytes: 20_000 }], ...serverErrors('brreg', 11) }],
  [
    `${IP_ERROR_RATE * 100} % 5xx from the integrasjonspunkt`,
    {
      seed: [{ count: COUNT, sizeBytes: 20_000 }],
      ...serverErrors('integrasjonspunkt', 12, IP_ERROR_RATE),
      env: { MAX_SEND_ATTEMPTS: '10' },
      expireUnsent: true,
      // Usually under a minute at 10 %. At 30 % a forward fails somewhere on most tries (each try makes several
      // IP calls), and the doubling backoff, capped at 5 min, puts the unluckiest past a quarter of an hour.
      settleMs: FULL ? 2_700_000 : 300_000,
    },
  ],
  [
    '30 % 5xx from Maskinporten',
    {
      seed: [{ count: COUNT, sizeBytes: 20_000 }],
      // Seed 7 refuses the first two token requests; tokens of 10 s make the bridge ask every 5 s.
      ...serverErrors('maskinporten', 7),
      sims: { maskinporten: { tokenExpiresIn: 10 } },
    },
  ],
  ['Maskinporten clock +10 s', { seed: [{ count: COUNT, sizeBytes: 20_000 }], ...clockSkew(10) }],
  ['Maskinporten clock -10 s', { seed: [{ count: COUNT, sizeBytes: 20_000 }], ...clockSkew(-10) }],
];

describe.each(CASES)('network fault: %s', (name, testCase) => {
  const env = useBridgeEnvironment(testCase.sims);

  it('loses nothing, confirms nothing early, delivers nothing twice or broken', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const seeded: Seeded[] = [];
    for (const request of testCase.seed) {
      seeded.push(...(await control<Seeded[]>(sims.brreg.url, '/forsendelser', { body: { orgnr, ...request } })));
    }
    await testCase.arm(sims, seeded);
    const started = Date.now();
    const bridge = await env.start({ RECONCILE_INTERVAL_MS: '2000', RECONCILE_STALE_MS: '5000', ...testCase.env });
    await eventually(
      async () => {
        const rows = await forsendelseRows(bridge);
        if (rows.length === seeded.length && rows.every((r) => r.state === 'CONFIRMED' || r.state === 'FAILED')) {
          return true;
        }
        if (testCase.expireUnsent) {
          await expireUnsentMessages(sims, rows);
        }
        return undefined;
      },
      testCase.settleMs ?? SETTLE_MS,
      `all ${seeded.length} settled under ${name}`,
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    await testCase.happened(sims, seeded, bridge);
    for (const url of [sims.brreg.url, sims.integrasjonspunkt.url, sims.maskinporten.url]) {
      await control(url, '/faults', { method: 'DELETE' });
    }

    const records = await collectRecords(name, sims, bridge);
    const verdict = judge(records);
    reportVerdict(verdict);
    process.stdout.write(`${name}: settled in ${seconds} s\n`);
    expect(verdict).toMatchObject({ lost: [], early: [], duplicate: [], double: [], unexpected: [] });
    expect(isClean(verdict)).toBe(true);
    // A transient fault parks nothing.
    expect((await forsendelseRows(bridge)).filter((r) => r.state !== 'CONFIRMED')).toEqual([]);
    // No cut zip ever completed an upload: every zip the IP holds is byte for byte one Brreg offered.
    const offered = new Set(records.offered.map((f) => f.sha256));
    const messages = await control<{ files: { filename: string; sha256: string }[] }[]>(
      sims.integrasjonspunkt.url,
      '/messages',
    );
    const zips = messages.flatMap((m) => m.files.filter((f) => f.filename.endsWith('.zip')));
    expect(zips.filter((f) => !offered.has(f.sha256))).toEqual([]);
  }, 3_000_000);
});
