import { messageIdFor } from '../../src/forsendelse/forsendelse-ids';
import type { ResponseOverride } from '../../src/simulator/common/faults';
import type { SimulatorSet } from '../../src/simulator/start-simulators';
import {
  control,
  eventually,
  forsendelseRows,
  testKeys,
  useBridgeEnvironment,
  type RunningBridge,
} from '../support/bridge-harness';
import { LogCapture, type CapturedLog } from '../support/log-capture';
import { isClean, judge } from './checker';
import { collectRecords } from './run-records';
import { expireUnsentMessages } from './ttl-stand-in';
import { reportVerdict } from './verdict-log';

/**
 * Hostile input, table-driven: each peer answers one operation with something it should never send — invalid
 * JSON, wrong types, missing fields, an HTML page, a wrong content type, a body far larger than expected, an
 * unknown status value, an unknown mottakId format — through the simulators' response overrides
 * (docs/simulators.md). Every case must end in a logged warning or error that names the peer and the operation
 * (and the mottakId/messageId where there is one), and then in a retry: once the override is used up, the run
 * finishes with everything confirmed, judged by the fault checker. Never a crash, never a loss.
 */

type Peer = 'maskinporten' | 'brreg' | 'integrasjonspunkt';

interface Seeded {
  mottakIds: string[];
  /** The first attempt's messageId of the first forsendelse: the one a per-message override names. */
  messageId: string;
  mottakId: string;
}

interface HostileCase {
  name: string;
  peer: Peer;
  operation: string;
  /** The bad answer; built from the seeded forsendelser when it must name one of them. */
  answer: (seeded: Seeded) => ResponseOverride;
  /** What the logged problem must say (matched against its JSON). */
  says: RegExp;
  /** The ids the log line must carry: one of the seeded forsendelser (`true`), or this literal one. */
  ids?: { mottakId?: true | string; messageId?: true };
  /** A body larger than the client's limit: the client must cut it off, not read it whole. */
  huge?: boolean;
  /** The override is armed only once the first forsendelse is SENT and held there (status cases). */
  whileSent?: boolean;
  /** Armed first, on the same simulator: a failure that makes the bad answer's call happen at all. */
  cause?: ResponseOverride;
}

const OUTBOUND = '/outbound';
const TOKEN: Pick<ResponseOverride, 'method' | 'path'> = { method: 'POST', path: '/token' };
const AVAILABLE: Pick<ResponseOverride, 'method' | 'path'> = { method: 'GET', path: `${OUTBOUND}/available` };
const DOWNLOAD: Pick<ResponseOverride, 'method' | 'path'> = { method: 'GET', path: `${OUTBOUND}/download` };
const CONFIRM: Pick<ResponseOverride, 'method' | 'path'> = { method: 'PUT', path: `${OUTBOUND}/confirm` };
const CAPABILITIES: Pick<ResponseOverride, 'method' | 'path'> = { method: 'GET', path: '/api/capabilities/*' };
const CREATE: Pick<ResponseOverride, 'method' | 'path'> = { method: 'POST', path: '/api/messages/out' };
const UPLOAD: Pick<ResponseOverride, 'method' | 'path'> = { method: 'PUT', path: '/api/messages/out/*' };
const SEND: Pick<ResponseOverride, 'method' | 'path'> = { method: 'POST', path: '/api/messages/out/*' };
const CONVERSATION: Pick<ResponseOverride, 'method' | 'path'> = {
  method: 'GET',
  path: '/api/conversations/messageId/*',
};
const STATUSES: Pick<ResponseOverride, 'method' | 'path'> = { method: 'GET', path: '/api/statuses' };

const JSON_TYPE = 'application/json';
/**
 * Only a resumed forward asks the IP for its conversation (a fresh one knows there is none): one upload
 * answered 500 makes the retry ask.
 */
const RESUME: ResponseOverride = {
  method: 'PUT',
  path: '/api/messages/out/*',
  times: 1,
  status: 500,
  contentType: 'application/json',
  body: '{"status":500,"error":"Internal Server Error","message":"try again"}',
};
const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>' +
  '<p>The proxy server received an invalid response from an upstream server.</p></body></html>';
const MB = 1_000_000;
const MIB = 1024 * 1024;

function answer(
  where: Pick<ResponseOverride, 'method' | 'path'>,
  rest: Omit<ResponseOverride, 'method' | 'path' | 'times'> & { times?: number },
): ResponseOverride {
  return { times: 1, ...where, ...rest };
}

/** A page of /api/statuses holding one status for `messageId`, as the IP frames it. */
function statusPage(status: Record<string, unknown>): string {
  return JSON.stringify({ content: [status], totalElements: 1, totalPages: 1, number: 0, size: 2000, last: true });
}

const CASES: HostileCase[] = [
  // Maskinporten: the token answer. The poll asks for the token; no forsendelse is named yet.
  {
    name: 'token: invalid JSON',
    peer: 'maskinporten',
    operation: 'token',
    answer: () => answer(TOKEN, { status: 200, contentType: JSON_TYPE, body: '{"access_token": "abc",' }),
    says: /not JSON/,
  },
  {
    name: 'token: access_token missing',
    peer: 'maskinporten',
    operation: 'token',
    answer: () =>
      answer(TOKEN, { status: 200, contentType: JSON_TYPE, body: '{"token_type":"Bearer","expires_in":120}' }),
    says: /access_token/,
  },
  {
    name: 'token: wrong types',
    peer: 'maskinporten',
    operation: 'token',
    answer: () =>
      answer(TOKEN, {
        status: 200,
        contentType: JSON_TYPE,
        body: '{"access_token":12345,"token_type":"Bearer","expires_in":"120"}',
      }),
    says: /access_token|expires_in/,
  },
  {
    name: 'token: HTML 500 page',
    peer: 'maskinporten',
    operation: 'token',
    answer: () => answer(TOKEN, { status: 500, contentType: 'text/html', body: HTML_PAGE }),
    says: /500/,
  },
  {
    name: 'token: text/plain instead of JSON',
    peer: 'maskinporten',
    operation: 'token',
    answer: () => answer(TOKEN, { status: 200, contentType: 'text/plain', body: 'access_token=abc&token_type=bearer' }),
    says: /not JSON/,
  },
  {
    name: 'token: a 50 MB body',
    peer: 'maskinporten',
    operation: 'token',
    answer: () => answer(TOKEN, { status: 200, contentType: JSON_TYPE, body: '{"a":', bodyBytes: 50 * MB }),
    says: /larger than/,
    huge: true,
  },

  // Brreg /available.
  {
    name: 'available: invalid JSON',
    peer: 'brreg',
    operation: 'available',
    answer: () => answer(AVAILABLE, { status: 200, contentType: JSON_TYPE, body: '[{"mottakId":' }),
    says: /not JSON/,
  },
  {
    name: 'available: an object where the array belongs',
    peer: 'brreg',
    operation: 'available',
    answer: () => answer(AVAILABLE, { status: 200, contentType: JSON_TYPE, body: '{"items":[]}' }),
    says: /not a JSON array/,
  },
  {
    name: 'available: HTML page with 200',
    peer: 'brreg',
    operation: 'available',
    answer: () => answer(AVAILABLE, { status: 200, contentType: 'text/html', body: HTML_PAGE }),
    says: /HTML page/,
  },
  {
    name: 'available: HTML 503 page',
    peer: 'brreg',
    operation: 'available',
    answer: () => answer(AVAILABLE, { status: 503, contentType: 'text/html', body: HTML_PAGE }),
    says: /503/,
  },
  {
    name: 'available: text/plain instead of JSON',
    peer: 'brreg',
    operation: 'available',
    answer: () => answer(AVAILABLE, { status: 200, contentType: 'text/plain', body: 'OK' }),
    says: /not JSON/,
  },
  {
    name: 'available: a body above its 64 MiB limit',
    peer: 'brreg',
    operation: 'available',
    answer: () => answer(AVAILABLE, { status: 200, contentType: JSON_TYPE, body: '[', bodyBytes: 80 * MIB }),
    says: /larger than/,
    huge: true,
  },
  {
    name: 'available: an unknown mottakId format',
    peer: 'brreg',
    operation: 'available',
    answer: () =>
      answer(AVAILABLE, {
        status: 200,
        contentType: JSON_TYPE,
        body: '[{"mottakId":"BRREG-12345","status":"ready","oppdatert":"2026-01-05T10:00:00"}]',
      }),
    says: /UUID/,
    ids: { mottakId: 'BRREG-12345' },
  },
  {
    name: 'available: an item with missing fields',
    peer: 'brreg',
    operation: 'available',
    answer: (s) =>
      answer(AVAILABLE, { status: 200, contentType: JSON_TYPE, body: JSON.stringify([{ mottakId: s.mottakId }]) }),
    says: /expected string|status/,
    ids: { mottakId: true },
  },
  {
    name: 'available: an unknown status value',
    peer: 'brreg',
    operation: 'available',
    answer: (s) =>
      answer(AVAILABLE, {
        status: 200,
        contentType: JSON_TYPE,
        body: JSON.stringify([{ mottakId: s.mottakId, status: 'quarantined', oppdatert: '2026-01-05T10:00:00' }]),
      }),
    says: /quarantined/,
    ids: { mottakId: true },
  },

  // Brreg /download.
  {
    name: 'download: HTML error page with 200',
    peer: 'brreg',
    operation: 'download',
    answer: () => answer(DOWNLOAD, { status: 200, contentType: 'text/html', body: HTML_PAGE }),
    says: /HTML page/,
    ids: { mottakId: true },
  },
  {
    name: 'download: JSON instead of a zip',
    peer: 'brreg',
    operation: 'download',
    answer: () => answer(DOWNLOAD, { status: 200, contentType: JSON_TYPE, body: '{"status":"ok"}' }),
    says: /application\/json, not a zip/,
    ids: { mottakId: true },
  },
  {
    name: 'download: HTML 502 page',
    peer: 'brreg',
    operation: 'download',
    answer: () => answer(DOWNLOAD, { status: 502, contentType: 'text/html', body: HTML_PAGE }),
    says: /502/,
    ids: { mottakId: true },
  },

  // Brreg /confirm.
  {
    name: 'confirm: HTML 502 page',
    peer: 'brreg',
    operation: 'confirm',
    answer: () => answer(CONFIRM, { status: 502, contentType: 'text/html', body: HTML_PAGE }),
    says: /502/,
    ids: { mottakId: true },
  },
  {
    name: 'confirm: an unknown error body',
    peer: 'brreg',
    operation: 'confirm',
    answer: () => answer(CONFIRM, { status: 500, contentType: JSON_TYPE, body: '{"error":"kaboom","code":17}' }),
    says: /500/,
    ids: { mottakId: true },
  },
  {
    name: 'confirm: HTML page with 200',
    peer: 'brreg',
    operation: 'confirm',
    answer: () => answer(CONFIRM, { status: 200, contentType: 'text/html', body: HTML_PAGE }),
    says: /HTML page/,
    ids: { mottakId: true },
  },

  // The integrasjonspunkt.
  {
    name: 'capabilities: invalid JSON',
    peer: 'integrasjonspunkt',
    operation: 'capabilities',
    answer: () => answer(CAPABILITIES, { status: 200, contentType: JSON_TYPE, body: '{"capabilities":[' }),
    says: /not JSON/,
    ids: { mottakId: true },
  },
  {
    name: 'capabilities: wrong types',
    peer: 'integrasjonspunkt',
    operation: 'capabilities',
    answer: () => answer(CAPABILITIES, { status: 200, contentType: JSON_TYPE, body: '{"capabilities":"DPO"}' }),
    says: /unexpected answer/,
    ids: { mottakId: true },
  },
  {
    name: 'capabilities: HTML 500 page',
    peer: 'integrasjonspunkt',
    operation: 'capabilities',
    // The client tries an idempotent read answered 5xx three times before the job fails; two forwards share these.
    answer: () => answer(CAPABILITIES, { status: 500, contentType: 'text/html', body: HTML_PAGE, times: 6 }),
    says: /500/,
    ids: { mottakId: true },
  },
  {
    name: 'create: HTML 502 page',
    peer: 'integrasjonspunkt',
    operation: 'create',
    answer: () => answer(CREATE, { status: 502, contentType: 'text/html', body: HTML_PAGE }),
    says: /502/,
    ids: { mottakId: true, messageId: true },
  },
  {
    name: 'create: HTML page with 200',
    peer: 'integrasjonspunkt',
    operation: 'create',
    answer: () => answer(CREATE, { status: 200, contentType: 'text/html', body: HTML_PAGE }),
    says: /HTML page/,
    ids: { mottakId: true, messageId: true },
  },
  {
    name: 'upload: HTML 500 page',
    peer: 'integrasjonspunkt',
    operation: 'upload',
    answer: () => answer(UPLOAD, { status: 500, contentType: 'text/html', body: HTML_PAGE }),
    says: /500/,
    ids: { mottakId: true, messageId: true },
  },
  {
    name: 'upload: HTML page with 200',
    peer: 'integrasjonspunkt',
    operation: 'upload',
    answer: () => answer(UPLOAD, { status: 200, contentType: 'text/html', body: HTML_PAGE }),
    says: /HTML page/,
    ids: { mottakId: true, messageId: true },
  },
  {
    name: 'send: HTML 502 page',
    peer: 'integrasjonspunkt',
    operation: 'send',
    answer: () => answer(SEND, { status: 502, contentType: 'text/html', body: HTML_PAGE }),
    says: /502/,
    ids: { mottakId: true, messageId: true },
  },
  {
    name: 'conversation: invalid JSON',
    peer: 'integrasjonspunkt',
    operation: 'conversation',
    answer: () => answer(CONVERSATION, { status: 200, contentType: JSON_TYPE, body: '{"messageId":' }),
    says: /not JSON/,
    cause: RESUME,
    ids: { mottakId: true, messageId: true },
  },
  {
    name: 'conversation: wrong types',
    peer: 'integrasjonspunkt',
    operation: 'conversation',
    answer: () =>
      answer(CONVERSATION, { status: 200, contentType: JSON_TYPE, body: '{"messageId":5,"messageStatuses":"none"}' }),
    says: /unexpected answer/,
    cause: RESUME,
    ids: { mottakId: true, messageId: true },
  },
  {
    name: 'conversation: a body above its 32 MiB limit',
    peer: 'integrasjonspunkt',
    operation: 'conversation',
    answer: () => answer(CONVERSATION, { status: 200, contentType: JSON_TYPE, body: '{', bodyBytes: 50 * MB }),
    says: /larger than/,
    cause: RESUME,
    ids: { mottakId: true, messageId: true },
    huge: true,
  },
  {
    name: 'statuses: invalid JSON',
    peer: 'integrasjonspunkt',
    operation: 'statuses',
    answer: () => answer(STATUSES, { status: 200, contentType: JSON_TYPE, body: '{"content":[' }),
    says: /not JSON/,
  },
  {
    name: 'statuses: HTML page with 200',
    peer: 'integrasjonspunkt',
    operation: 'statuses',
    answer: () => answer(STATUSES, { status: 200, contentType: 'text/html', body: HTML_PAGE }),
    says: /HTML page/,
  },
  {
    name: 'statuses: a body above its 32 MiB limit',
    peer: 'integrasjonspunkt',
    operation: 'statuses',
    answer: () => answer(STATUSES, { status: 200, contentType: JSON_TYPE, body: '{', bodyBytes: 50 * MB }),
    says: /larger than/,
    huge: true,
  },
  {
    name: 'statuses: wrong types in an item',
    peer: 'integrasjonspunkt',
    operation: 'statuses',
    answer: (s) =>
      answer(STATUSES, {
        status: 200,
        contentType: JSON_TYPE,
        body: statusPage({ id: 'x', messageId: s.messageId, status: 42, lastUpdate: new Date().toISOString() }),
      }),
    says: /unreadable status/,
    ids: { messageId: true },
    whileSent: true,
  },
  {
    name: 'statuses: an unknown status value',
    peer: 'integrasjonspunkt',
    operation: 'statuses',
    answer: (s) =>
      answer(STATUSES, {
        status: 200,
        contentType: JSON_TYPE,
        body: statusPage({
          id: 900_000_001,
          messageId: s.messageId,
          status: 'TELEPORTERT',
          lastUpdate: new Date().toISOString(),
        }),
      }),
    says: /TELEPORTERT/,
    ids: { mottakId: true, messageId: true },
    whileSent: true,
  },
];

const COUNT = 2;

function simulatorOf(sims: SimulatorSet, peer: Peer): string {
  return { maskinporten: sims.maskinporten.url, brreg: sims.brreg.url, integrasjonspunkt: sims.integrasjonspunkt.url }[
    peer
  ];
}

/** The logged problem for this case: warn or above, naming the peer and operation, the ids, and the reason. */
function findProblem(logs: LogCapture, c: HostileCase, seeded: Seeded): CapturedLog | undefined {
  const messageIds = new Set(seeded.mottakIds.flatMap((id) => [messageIdFor(id, 1), messageIdFor(id, 2)]));
  return logs.problems({ peer: c.peer, operation: c.operation }).find((entry) => {
    const { mottakId, messageId } = entry.fields;
    if (c.ids?.mottakId === true && !seeded.mottakIds.includes(mottakId as string)) {
      return false;
    }
    if (typeof c.ids?.mottakId === 'string' && mottakId !== c.ids.mottakId) {
      return false;
    }
    if (c.ids?.messageId === true && !messageIds.has(messageId as string)) {
      return false;
    }
    return c.says.test(JSON.stringify(entry.fields));
  });
}

describe('hostile input', () => {
  for (const c of CASES) {
    describe(`${c.peer} ${c.operation}: ${c.name}`, () => {
      const env = useBridgeEnvironment();

      it('is logged with its peer, operation and ids, retried, and everything is confirmed', async () => {
        const started = Date.now();
        const { sims } = env;
        const { orgnr } = await testKeys();
        const offered = await control<{ mottakId: string }[]>(sims.brreg.url, '/forsendelser', {
          body: { orgnr, count: COUNT, sizeBytes: 20_000 },
        });
        const seeded: Seeded = {
          mottakIds: offered.map((f) => f.mottakId),
          mottakId: offered[0].mottakId,
          messageId: messageIdFor(offered[0].mottakId, 1),
        };
        const simulator = simulatorOf(sims, c.peer);
        const override = c.answer(seeded);
        if (c.whileSent) {
          // Held at SENDT, so the bad status arrives while the message is in flight and is ours to record.
          await control(sims.integrasjonspunkt.url, '/scripts', {
            body: { match: { messageId: seeded.messageId }, preset: 'HOLD' },
          });
        } else {
          if (c.cause) {
            await control(simulator, '/faults/responses', { body: c.cause });
          }
          await control(simulator, '/faults/responses', { body: override });
        }
        const logs = new LogCapture();
        const bridge: RunningBridge = await env.start({}, { logger: logs });

        if (c.whileSent) {
          await eventually(
            async () =>
              (await forsendelseRows(bridge)).some((r) => r.mottakId === seeded.mottakId && r.state === 'SENT')
                ? true
                : undefined,
            60_000,
            'the held forsendelse SENT',
          );
          await control(simulator, '/faults/responses', { body: override });
        }

        const problem = await eventually(
          () => Promise.resolve(findProblem(logs, c, seeded)),
          90_000,
          `a logged problem naming ${c.peer} ${c.operation} that says ${c.says}`,
        );
        const served = await control<{ responseOverrides: { served: number; remaining: number }[] }>(
          simulator,
          '/faults',
        );
        expect(served.responseOverrides.map((o) => o.served)).toEqual([
          ...(c.cause ? [c.cause.times] : []),
          override.times,
        ]);

        if (c.whileSent) {
          await control(sims.integrasjonspunkt.url, `/messages/${seeded.messageId}/statuses`, {
            body: { status: 'LEVERT' },
          });
        }
        await eventually(
          async () => {
            const rows = await forsendelseRows(bridge);
            if (rows.length === COUNT && rows.every((r) => r.state === 'CONFIRMED')) {
              return true;
            }
            // A send answered by the proxy never reached the IP and is never repeated: the IP's TTL job ends it.
            await expireUnsentMessages(sims, rows);
            return undefined;
          },
          120_000,
          `all ${COUNT} confirmed after "${c.name}"`,
        );

        const verdict = judge(await collectRecords(`hostile input: ${c.peer} ${c.name}`, sims, bridge));
        reportVerdict(verdict);
        expect(verdict).toMatchObject({ lost: [], early: [], duplicate: [], double: [], unexpected: [] });
        expect(isClean(verdict)).toBe(true);
        expect((await forsendelseRows(bridge)).filter((r) => r.state !== 'CONFIRMED')).toEqual([]);

        if (c.huge) {
          // Cut off at the client's limit: the simulator could not finish sending it.
          const calls = await control<{ method: string; url: string; status: number }[]>(simulator, '/calls');
          const cut = calls.filter((call) => call.method === override.method && call.status === 0);
          expect(cut.length).toBeGreaterThanOrEqual(1);
        }
        process.stdout.write(
          `hostile input: ${c.peer} ${c.name}: ${problem.level} "${String(problem.fields.msg)}" ` +
            `(${JSON.stringify(problem.fields.error ?? problem.fields.detail ?? problem.fields.reason ?? problem.fields.status)})` +
            `; all ${COUNT} confirmed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
      }, 300_000);
    });
  }
});
