import { conversationIdFor, messageIdFor } from '../forsendelse/forsendelse-ids';
import { buildSbd, documentTypeOf, securityLevelOf, type SbdInput } from './sbd.builder';

const MOTTAK_ID = 'be935814-c7a3-4a9f-8bbc-ac278cbe41d5';
const NOW = Date.parse('2026-03-02T09:15:30Z');

function anSbdInput(overrides: Partial<SbdInput> = {}): SbdInput {
  return {
    mottakId: MOTTAK_ID,
    attempt: 1,
    senderOrgnr: '311000012',
    receiverOrgnr: '310000001',
    messageType: 'arkivmelding',
    process: 'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0',
    avtaltIdentifier: 'brreg-mottak',
    ttlHours: 24,
    securityLevel: 3,
    nowMs: NOW,
    ...overrides,
  };
}

describe('buildSbd', () => {
  it('has exactly the header and the key named by the document type', () => {
    expect(Object.keys(buildSbd(anSbdInput()))).toEqual(['standardBusinessDocumentHeader', 'arkivmelding']);
    expect(Object.keys(buildSbd(anSbdInput({ messageType: 'avtalt' })))).toEqual([
      'standardBusinessDocumentHeader',
      'avtalt',
    ]);
  });

  it('derives the messageId from mottakId and attempt, and keeps the conversationId across attempts', () => {
    const first = buildSbd(anSbdInput());
    const again = buildSbd(anSbdInput({ nowMs: NOW + 60_000 }));
    const second = buildSbd(anSbdInput({ attempt: 2 }));
    const id = (s: typeof first) => s.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier;
    const conversation = (s: typeof first) =>
      s.standardBusinessDocumentHeader.businessScope.scope[0].instanceIdentifier;
    expect(id(first)).toBe(messageIdFor(MOTTAK_ID, 1));
    expect(id(again)).toBe(id(first));
    expect(id(second)).toBe(messageIdFor(MOTTAK_ID, 2));
    expect(id(second)).not.toBe(id(first));
    expect(conversation(first)).toBe(conversationIdFor(MOTTAK_ID));
    expect(conversation(second)).toBe(conversation(first));
    expect(id(first)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('addresses sender and receiver as 0192 organisation numbers', () => {
    const header = buildSbd(anSbdInput()).standardBusinessDocumentHeader;
    expect(header.sender).toEqual([{ identifier: { authority: 'iso6523-actorid-upis', value: '0192:311000012' } }]);
    expect(header.receiver).toEqual([{ identifier: { authority: 'iso6523-actorid-upis', value: '0192:310000001' } }]);
  });

  it('sets the process and a deadline EFM_TTL_HOURS ahead', () => {
    const scope = buildSbd(anSbdInput({ ttlHours: 48 })).standardBusinessDocumentHeader.businessScope.scope[0];
    expect(scope.type).toBe('ConversationId');
    expect(scope.identifier).toBe('urn:no:difi:profile:arkivmelding:administrasjon:ver1.0');
    expect(scope.scopeInformation?.[0].expectedResponseDateTime).toBe('2026-03-04T10:15:30+01:00');
  });

  it('uses the arkivmelding and avtalt document standards', () => {
    const ark = buildSbd(anSbdInput()).standardBusinessDocumentHeader.documentIdentification;
    expect(ark).toMatchObject({
      standard: 'urn:no:difi:arkivmelding:xsd::arkivmelding',
      typeVersion: '2.0',
      type: 'arkivmelding',
    });
    const avtalt = buildSbd(anSbdInput({ messageType: 'avtalt', process: 'urn:no:difi:profile:avtalt:avtalt:ver1.0' }));
    expect(avtalt.standardBusinessDocumentHeader.documentIdentification).toMatchObject({
      standard: 'urn:no:difi:avtalt:xsd::avtalt',
      type: 'avtalt',
    });
    expect(avtalt.avtalt).toEqual({ identifier: 'brreg-mottak', content: { mottakId: MOTTAK_ID } });
  });

  it('sets the configured sikkerhetsnivaa on an arkivmelding, which the capabilities are asked with', () => {
    expect(buildSbd(anSbdInput({ securityLevel: 4 })).arkivmelding).toEqual({ sikkerhetsnivaa: 4 });
    expect(securityLevelOf('arkivmelding', 4)).toBe(4);
    // An avtalt message has no sikkerhetsnivaa: the IP looks its receiver up without a level.
    expect(securityLevelOf('avtalt', 4)).toBeUndefined();
    expect(documentTypeOf('arkivmelding')).toEqual({
      type: 'arkivmelding',
      standard: buildSbd(anSbdInput()).standardBusinessDocumentHeader.documentIdentification.standard,
    });
  });
});
