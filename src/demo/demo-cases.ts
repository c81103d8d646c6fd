import type { ForsendelseState } from '../forsendelse/forsendelse-state';
import type { SimulatorSet } from '../simulator/start-simulators';

export interface DemoCase {
  label: string;
  mottakId: string;
  expected: ForsendelseState;
  expectedAttempts: number;
}

/**
 * The demo's forsendelser, seeded at the Brreg simulator, with the IP simulator's scripts for the two that fail
 * on purpose; test/demo-cases.e2e-spec.ts runs the same cases through the bridge and schema-checks what it uploads.
 */
export async function seedDemoCases(sims: SimulatorSet, orgnr: string): Promise<DemoCase[]> {
  const post = async (path: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`${path}: ${response.status} ${await response.text()}`);
    }
    return response.json();
  };
  const seedOne = async (body: Record<string, unknown>): Promise<string> => {
    const [created] = (await post(`${sims.brreg.url}/_sim/forsendelser`, { orgnr, count: 1, ...body })) as {
      mottakId: string;
    }[];
    return created.mottakId;
  };
  const cases: DemoCase[] = [
    {
      label: 'vedtak, 2 MB',
      mottakId: await seedOne({ kind: 'vedtak', sizeBytes: 2_000_000 }),
      expected: 'CONFIRMED',
      expectedAttempts: 1,
    },
    {
      label: 'svarmelding',
      mottakId: await seedOne({ kind: 'svarmelding' }),
      expected: 'CONFIRMED',
      expectedAttempts: 1,
    },
    {
      label: 'vedtak, 3 PDFs',
      mottakId: await seedOne({ kind: 'vedtak', tjeneste: 'eting', attachments: 3 }),
      expected: 'CONFIRMED',
      expectedAttempts: 1,
    },
    {
      label: 'svarmelding OK',
      mottakId: await seedOne({ kind: 'svarmelding', tjeneste: 'intef', kvitteringStatus: 'OK' }),
      expected: 'CONFIRMED',
      expectedAttempts: 1,
    },
    {
      label: 'svarmelding Rejected',
      mottakId: await seedOne({ kind: 'svarmelding', tjeneste: 'brpostmottak', kvitteringStatus: 'Rejected' }),
      expected: 'CONFIRMED',
      expectedAttempts: 1,
    },
    {
      label: 'vedtak, 200 kB',
      mottakId: await seedOne({ kind: 'vedtak', sizeBytes: 200_000 }),
      expected: 'CONFIRMED',
      expectedAttempts: 1,
    },
    {
      label: 'no Content-Length',
      mottakId: await seedOne({ sizeBytes: 500_000, omitContentLength: true }),
      expected: 'CONFIRMED',
      expectedAttempts: 1,
    },
    { label: 'LEVETID_UTLOPT once', mottakId: await seedOne({}), expected: 'CONFIRMED', expectedAttempts: 2 },
    { label: 'FEIL', mottakId: await seedOne({}), expected: 'FAILED', expectedAttempts: 1 },
  ];
  const ip = `${sims.integrasjonspunkt.url}/_sim/scripts`;
  const byLabel = (label: string): string => cases.find((c) => c.label === label)?.mottakId as string;
  await post(ip, {
    match: { arkivmeldingContains: byLabel('LEVETID_UTLOPT once') },
    preset: 'LEVETID_UTLOPT',
    count: 1,
  });
  await post(ip, { match: { arkivmeldingContains: byLabel('FEIL') }, preset: 'FEIL' });
  return cases;
}
