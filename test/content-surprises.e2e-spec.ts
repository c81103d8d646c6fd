import { arkivmeldingProblems } from './support/arkivmelding-schema';
import { control, eventually, forsendelseRows, testKeys, useBridgeEnvironment } from './support/bridge-harness';

interface Seeded {
  mottakId: string;
  sha256: string;
  entries: { name: string; size: number; sha256: string }[];
}
interface IpMessage {
  messageId: string;
  files: { filename: string; sha256: string | null }[];
  statuses: { status: string }[];
}
interface Shown {
  forsendelse: { state: string; failureReason: string | null };
  events: { kind: string; detail: Record<string, unknown> | null }[];
}

/**
 * Issue 12 point 4, through the whole bridge: each surprise the Brreg simulator can seed ends CONFIRMED, delivered
 * in the safe form where the content is odd (the whole zip as served plus every entry the bridge could read, by
 * sha256), with an event on the row naming the surprise and `bridge_content_surprises_total{kind}` counted.
 * The shapes Brreg itself may send (Melding last, data descriptors, entry names in another case) are no surprise:
 * they arrive as documents, every entry intact, without the zip.
 */
const CASES: { shape: string; kind: string | null; unreadable?: (name: string) => boolean }[] = [
  { shape: 'no-melding', kind: 'no-melding' },
  { shape: 'missing-entry', kind: 'vedleggsdel-without-entry' },
  { shape: 'unnamed-entry', kind: 'entry-not-named' },
  { shape: 'nested-folders', kind: 'nested-folder' },
  { shape: 'case-collision', kind: 'case-only-names' },
  { shape: 'latin1-name', kind: 'non-utf8-name' },
  // A DTD is refused outright (no entity is ever expanded or fetched): the Melding does not parse.
  { shape: 'xxe', kind: 'melding-unparsable' },
  { shape: 'billion-laughs', kind: 'melding-unparsable' },
  // The bomb entry is stopped at the size its headers declare; the rest of the zip is read.
  { shape: 'zip-bomb', kind: 'inflate-bomb', unreadable: (name) => name.startsWith('bilag-') },
  { shape: 'melding-not-first', kind: null },
  { shape: 'data-descriptors', kind: null },
  { shape: 'entry-case-differs', kind: null },
];

const ADMIN = { ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'admin-password-1' };
const AUTH = { authorization: `Basic ${Buffer.from('ops:admin-password-1').toString('base64')}` };

describe('content surprises through the whole bridge (EFM_PAYLOAD=documents)', () => {
  const env = useBridgeEnvironment();

  it('confirms every one, in the safe form where the content is odd, with an event and a metric naming it', async () => {
    const { sims } = env;
    const { orgnr } = await testKeys();
    const seeded = new Map<string, Seeded>();
    for (const c of CASES) {
      const [item] = await control<Seeded[]>(sims.brreg.url, '/forsendelser', {
        body: { orgnr, count: 1, kind: 'vedtak', attachments: 2, shapes: [c.shape] },
      });
      seeded.set(c.shape, item);
    }

    const bridge = await env.start({ EFM_PAYLOAD: 'documents', ...ADMIN });
    const shapeOf = new Map([...seeded].map(([shape, f]) => [f.mottakId, shape]));
    await eventually(
      async () => {
        const rows = await forsendelseRows(bridge);
        return rows.length === CASES.length && rows.every((r) => r.state === 'CONFIRMED') ? rows : undefined;
      },
      90_000,
      `all ${CASES.length} confirmed`,
    ).catch(async (error: Error) => {
      const rows = await forsendelseRows(bridge);
      const states = rows.map((r) => `${shapeOf.get(r.mottakId)}: ${r.state} ${r.failureReason ?? ''}`);
      throw new Error(`${error.message}; ${states.join('; ')}`);
    });

    const messages = await control<IpMessage[]>(sims.integrasjonspunkt.url, '/messages');
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    const expectedCounts = new Map<string, number>();
    for (const c of CASES) {
      const f = seeded.get(c.shape) as Seeded;
      // The message carrying this forsendelse: the one holding the zip or its first readable entry.
      const readable = f.entries.filter((e) => !c.unreadable?.(e.name));
      const carrier = messages.find((m) =>
        m.files.some((file) => file.sha256 === f.sha256 || file.sha256 === readable[0].sha256),
      );
      expect({ shape: c.shape, delivered: carrier?.statuses.some((s) => s.status === 'LEVERT') }).toEqual({
        shape: c.shape,
        delivered: true,
      });
      const hashes = new Set((carrier as IpMessage).files.map((file) => file.sha256));
      const missing = readable.filter((e) => !hashes.has(e.sha256)).map((e) => e.name);
      expect({ shape: c.shape, missing }).toEqual({ shape: c.shape, missing: [] });
      expect({ shape: c.shape, zipDelivered: hashes.has(f.sha256) }).toEqual({
        shape: c.shape,
        zipDelivered: c.kind !== null,
      });

      const xml = await fetch(
        `${sims.integrasjonspunkt.url}/_sim/messages/${(carrier as IpMessage).messageId}/arkivmelding.xml`,
      );
      expect({ shape: c.shape, problems: arkivmeldingProblems(await xml.text()) }).toEqual({
        shape: c.shape,
        problems: [],
      });

      const response = await fetch(`${bridge.url}/admin/forsendelser/${f.mottakId}`, { headers: AUTH });
      expect(response.status).toBe(200);
      const shown = (await response.json()) as Shown;
      expect(shown.forsendelse.state).toBe('CONFIRMED');
      const surprises = shown.events
        .map((e) => e.detail?.contentSurprise)
        .filter((kind): kind is string => typeof kind === 'string');
      if (c.kind === null) {
        expect({ shape: c.shape, surprises }).toEqual({ shape: c.shape, surprises: [] });
      } else {
        expect({ shape: c.shape, surprises }).toEqual({ shape: c.shape, surprises: expect.arrayContaining([c.kind]) });
        for (const kind of surprises) {
          expectedCounts.set(kind, (expectedCounts.get(kind) ?? 0) + 1);
        }
      }
    }
    for (const [kind, count] of expectedCounts) {
      expect(metrics).toContain(`bridge_content_surprises_total{kind="${kind}"} ${count}`);
    }
    // XXE: nothing of the file the entity names reached the IP.
    const xxe = messages.find((m) => m.files.some((file) => file.sha256 === seeded.get('xxe')?.sha256));
    for (const file of xxe?.files ?? []) {
      const body = await fetch(
        `${sims.integrasjonspunkt.url}/_sim/messages/${xxe?.messageId}/files/${encodeURIComponent(file.filename)}`,
      );
      expect(await body.text()).not.toContain('root:x:0:0');
    }
  }, 150_000);
});
