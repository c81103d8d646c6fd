import { buildArkivmelding, zipFilenameFor } from '../../src/eformidling/arkivmelding.builder';
import { messageIdFor } from '../../src/forsendelse/forsendelse-ids';
import { isClean, judge, summaryLine, verdictLine, type IpMessageRecord, type RunRecords } from './checker';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function aMessage(mottakId: string, sha256: string, overrides: Partial<IpMessageRecord> = {}): IpMessageRecord {
  return {
    messageId: messageIdFor(mottakId, 1),
    files: [
      { filename: 'arkivmelding.xml', sha256: 'xml' },
      { filename: `forsendelse-${mottakId}.zip`, sha256 },
    ],
    copiesDelivered: 1,
    statuses: [
      { status: 'SENDT', lastUpdate: '2026-03-02T10:00:00+01:00' },
      { status: 'LEVERT', lastUpdate: '2026-03-02T10:00:05+01:00' },
    ],
    ...overrides,
  };
}

function aCleanRun(overrides: Partial<RunRecords> = {}): RunRecords {
  return {
    name: 'run',
    offered: [
      { mottakId: A, sha256: 'sha-a' },
      { mottakId: B, sha256: 'sha-b' },
    ],
    confirms: [
      { time: '2026-03-02T09:00:06Z', mottakId: A, outcome: 'confirmed' },
      { time: '2026-03-02T09:00:07Z', mottakId: B, outcome: 'conflict-fault-applied' },
    ],
    messages: [aMessage(A, 'sha-a'), aMessage(B, 'sha-b')],
    parked: new Map(),
    ...overrides,
  };
}

describe('the fault checker', () => {
  it('passes a clean run and prints the summary line', () => {
    const verdict = judge(aCleanRun());
    expect(isClean(verdict)).toBe(true);
    expect(verdictLine(verdict)).toBe(
      'run: 2 items, lost 0, early 0, duplicate 0, double 0, documents 0, arkivmelding 0, unexpected 0',
    );
    expect(summaryLine([verdict, verdict])).toBe(
      'faults: 2 runs, 4 items, lost 0, early 0, duplicate 0, double 0, documents 0, arkivmelding 0',
    );
  });

  it('finds a lost forsendelse, but not a parked one', () => {
    const run = aCleanRun({ confirms: [{ time: '2026-03-02T09:00:06Z', mottakId: A, outcome: 'confirmed' }] });
    expect(judge(run).lost).toEqual([B]);
    expect(judge({ ...run, parked: new Map([[B, 'FEIL from the integrasjonspunkt']]) }).lost).toEqual([]);
  });

  it('counts a confirm that did not take effect as no confirm', () => {
    const run = aCleanRun({
      confirms: [
        { time: '2026-03-02T09:00:06Z', mottakId: A, outcome: 'confirmed' },
        { time: '2026-03-02T09:00:06Z', mottakId: B, outcome: 'concurrent' },
      ],
    });
    expect(judge(run).lost).toEqual([B]);
  });

  it('finds a confirm earlier than LEVERT, and one with no delivered carrier of the bytes at all', () => {
    const early = aCleanRun({
      confirms: [
        { time: '2026-03-02T09:00:04Z', mottakId: A, outcome: 'confirmed' },
        { time: '2026-03-02T09:00:07Z', mottakId: B, outcome: 'confirmed' },
      ],
    });
    expect(judge(early).early).toEqual([A]);
    const wrongBytes = aCleanRun({ messages: [aMessage(A, 'sha-a'), aMessage(B, 'other-bytes')] });
    expect(judge(wrongBytes).early).toEqual([B]);
  });

  it('finds a message delivered twice and the bytes delivered under an id that is no attempt', () => {
    const twice = aCleanRun({ messages: [aMessage(A, 'sha-a', { copiesDelivered: 2 }), aMessage(B, 'sha-b')] });
    expect(judge(twice).duplicate).toHaveLength(1);
    const stray = aCleanRun({
      messages: [aMessage(A, 'sha-a'), aMessage(B, 'sha-b'), aMessage(A, 'sha-a', { messageId: B })],
    });
    expect(judge(stray).duplicate).toEqual([`${B}: delivers ${A} but is none of its attempts`]);
  });

  it('accepts a second attempt delivering the same bytes', () => {
    const resent = aCleanRun({
      messages: [aMessage(A, 'sha-a'), aMessage(A, 'sha-a', { messageId: messageIdFor(A, 2) }), aMessage(B, 'sha-b')],
    });
    expect(isClean(judge(resent))).toBe(true);
  });

  it('finds a double confirm and a confirm of an id never offered', () => {
    const run = aCleanRun({
      confirms: [
        ...aCleanRun().confirms,
        { time: '2026-03-02T09:00:09Z', mottakId: A, outcome: 'confirmed' },
        { time: '2026-03-02T09:00:09Z', mottakId: '33333333-3333-4333-8333-333333333333', outcome: 'confirmed' },
      ],
    });
    const verdict = judge(run);
    expect(verdict.double).toEqual([`${A}: 2 confirms`]);
    expect(verdict.unexpected).toEqual(['33333333-3333-4333-8333-333333333333']);
    expect(isClean(verdict)).toBe(false);
  });

  describe('the documents of a confirmed forsendelse', () => {
    const ENTRIES_A = [
      { name: 'hendvendelse.xml', sha256: 'a-melding' },
      { name: 'vedtak.pdf', sha256: 'a-pdf-1' },
      { name: 'paategning.pdf', sha256: 'a-pdf-2' },
    ];
    const withEntries = (messages: IpMessageRecord[]): RunRecords =>
      aCleanRun({
        offered: [
          { mottakId: A, sha256: 'sha-a', entries: ENTRIES_A },
          { mottakId: B, sha256: 'sha-b', entries: [{ name: 'hendvendelse.xml', sha256: 'b-melding' }] },
        ],
        messages,
      });
    const documentsMessage = (mottakId: string, hashes: string[]): IpMessageRecord =>
      aMessage(mottakId, 'unused', {
        files: [
          { filename: 'arkivmelding.xml', sha256: 'xml' },
          ...hashes.map((sha256, i) => ({ filename: `doc-${i}`, sha256 })),
        ],
      });

    it('passes the zip delivered whole (zip mode, safe form) and every entry delivered as its own file', () => {
      expect(isClean(judge(withEntries([aMessage(A, 'sha-a'), aMessage(B, 'sha-b')])))).toBe(true);
      const documents = withEntries([
        documentsMessage(A, ['a-pdf-2', 'a-pdf-1', 'a-melding']),
        documentsMessage(B, ['b-melding']),
      ]);
      expect(judge(documents)).toMatchObject({ early: [], documents: [] });
      expect(isClean(judge(documents))).toBe(true);
    });

    it('fails a run where a document is missing at the IP', () => {
      const verdict = judge(
        withEntries([documentsMessage(A, ['a-melding', 'a-pdf-1']), documentsMessage(B, ['b-melding'])]),
      );
      expect(verdict.documents).toEqual([`${A}: paategning.pdf missing or changed at the IP`]);
      expect(verdict.early).toEqual([]);
      expect(isClean(verdict)).toBe(false);
      expect(verdictLine(verdict)).toContain('double 0, documents 1, arkivmelding 0, unexpected 0');
      expect(summaryLine([verdict])).toContain('documents 1');
    });

    it('fails a run where a document differs in bytes at the IP', () => {
      const verdict = judge(
        withEntries([documentsMessage(A, ['a-melding', 'a-pdf-1', 'a-pdf-2-changed']), aMessage(B, 'sha-b')]),
      );
      expect(verdict.documents).toEqual([`${A}: paategning.pdf missing or changed at the IP`]);
      expect(isClean(verdict)).toBe(false);
    });

    it('fails a zip that reached the IP changed, and does not judge a forsendelse whose entries were not collected', () => {
      const changedZip = withEntries([aMessage(A, 'sha-a'), aMessage(B, 'sha-b-changed')]);
      expect(judge(changedZip).early).toEqual([B]);
      expect(isClean(judge(aCleanRun()))).toBe(true);
    });

    it('takes a document only from a delivered message', () => {
      const undelivered = documentsMessage(A, ['a-melding', 'a-pdf-1', 'a-pdf-2']);
      undelivered.statuses = [{ status: 'SENDT', lastUpdate: '2026-03-02T10:00:00+01:00' }];
      const partial = { ...documentsMessage(A, ['a-melding']), messageId: messageIdFor(A, 2) };
      const verdict = judge(withEntries([undelivered, partial, aMessage(B, 'sha-b')]));
      expect(verdict.documents).toEqual([`${A}: vedtak.pdf, paategning.pdf missing or changed at the IP`]);
    });
  });

  describe('the arkivmelding.xml of each delivered message', () => {
    const valid = (mottakId: string): string =>
      buildArkivmelding({
        mottakId,
        messageId: messageIdFor(mottakId, 1),
        zipFilename: zipFilenameFor(mottakId),
        oppdatert: '2026-03-02T09:43:51.691',
        tjeneste: 'eting',
        nowMs: Date.parse('2026-03-02T09:15:30Z'),
      });

    it('passes a run whose arkivmeldinger pass the schema check', () => {
      const run = aCleanRun({
        arkivmeldinger: [
          { messageId: messageIdFor(A, 1), xml: valid(A) },
          { messageId: messageIdFor(B, 1), xml: valid(B) },
        ],
      });
      expect(judge(run).arkivmelding).toEqual([]);
      expect(isClean(judge(run))).toBe(true);
    });

    it('fails a run with one out of schema order, one with a value outside its list, and one missing', () => {
      // tittel moved before systemID in the saksmappe; a dokumentbeskrivelse with a dokumentstatus no list has.
      const misordered = valid(A).replace(
        /(<mappe[^>]*>)(\s*<systemID>[^<]*<\/systemID>)([\s\S]*?)(\s*<tittel>[^<]*<\/tittel>)/,
        '$1$4$2$3',
      );
      const badValue = valid(B).replace(
        /<dokumentstatus>[^<]*<\/dokumentstatus>/,
        '<dokumentstatus>Kladd</dokumentstatus>',
      );
      expect(misordered).not.toBe(valid(A));
      expect(badValue).not.toBe(valid(B));
      const run = aCleanRun({
        arkivmeldinger: [
          { messageId: messageIdFor(A, 1), xml: misordered },
          { messageId: messageIdFor(B, 1), xml: badValue },
          { messageId: messageIdFor(B, 2), xml: null },
        ],
      });
      const verdict = judge(run);
      expect(verdict.arkivmelding).toHaveLength(3);
      expect(verdict.arkivmelding[0]).toMatch(new RegExp(`^${messageIdFor(A, 1)}: .*saksmappe`));
      expect(verdict.arkivmelding[1]).toMatch(/dokumentstatus/);
      expect(verdict.arkivmelding[2]).toBe(`${messageIdFor(B, 2)}: no arkivmelding.xml`);
      expect(isClean(verdict)).toBe(false);
      expect(verdictLine(verdict)).toContain('documents 0, arkivmelding 3, unexpected 0');
      expect(summaryLine([verdict])).toContain('arkivmelding 3');
    });
  });
});
