import { aValidEnv } from '../../test/support/test-config';
import { loadConfig } from '../config/config.loader';
import { capabilityQueryFor, verdictOf, type CapabilityQuery } from './capabilities.cache';
import type { Capabilities } from './integrasjonspunkt.schemas';

const PROCESS = 'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0';
const ARKIVMELDING = { type: 'arkivmelding', standard: 'urn:no:difi:arkivmelding:xsd::arkivmelding' };
const QUERY: CapabilityQuery = { process: PROCESS, securityLevel: 3, documentType: ARKIVMELDING };

function answer(...capabilities: Capabilities['capabilities']): Capabilities {
  return { capabilities };
}

describe('verdictOf (the IP’s own check at create)', () => {
  it('accepts the first capability of the process that lists our document standard', () => {
    const verdict = verdictOf(
      '310000001',
      QUERY,
      answer(
        { process: 'urn:other', serviceIdentifier: 'DPO', documentTypes: [ARKIVMELDING] },
        { process: PROCESS, serviceIdentifier: 'DPF', documentTypes: [ARKIVMELDING] },
      ),
    );
    expect(verdict).toEqual({ accepts: true, service: 'DPF' });
  });

  it('compares the standard, as the IP does; a type the IP left out (it knows none) does not matter', () => {
    const verdict = verdictOf(
      '310000001',
      QUERY,
      answer({ process: PROCESS, serviceIdentifier: 'DPO', documentTypes: [{ standard: ARKIVMELDING.standard }] }),
    );
    expect(verdict).toEqual({ accepts: true, service: 'DPO' });
  });

  it('refuses a process without our document type, naming what was offered', () => {
    const verdict = verdictOf(
      '310000001',
      QUERY,
      answer({
        process: PROCESS,
        serviceIdentifier: 'DPO',
        documentTypes: [{ type: 'avtalt', standard: 'urn:no:difi:avtalt:xsd::avtalt' }],
      }),
    );
    expect(verdict.accepts).toBe(false);
    expect(!verdict.accepts && verdict.reason).toBe(
      `receiver 310000001 does not accept arkivmelding (urn:no:difi:arkivmelding:xsd::arkivmelding) for process ` +
        `${PROCESS} at security level 3; offered: DPO avtalt (urn:no:difi:avtalt:xsd::avtalt)`,
    );
    const none = verdictOf('310000001', QUERY, answer({ process: PROCESS, serviceIdentifier: 'DPV' }));
    expect(!none.accepts && none.reason).toMatch(/offered: no document types$/);
  });

  it('refuses when no capability is for the process', () => {
    const verdict = verdictOf('310000001', QUERY, answer());
    expect(!verdict.accepts && verdict.reason).toBe(
      `receiver 310000001 has no capability for process ${PROCESS} at security level 3`,
    );
  });
});

describe('capabilityQueryFor', () => {
  it('asks with the SBD’s sikkerhetsnivaa and document type; avtalt carries no level', () => {
    expect(capabilityQueryFor(loadConfig(aValidEnv()).efm)).toEqual(QUERY);
    expect(capabilityQueryFor(loadConfig(aValidEnv({ EFM_SECURITY_LEVEL: '4' })).efm).securityLevel).toBe(4);
    expect(capabilityQueryFor(loadConfig(aValidEnv({ EFM_MESSAGE_TYPE: 'avtalt' })).efm)).toEqual({
      process: 'urn:no:difi:profile:avtalt:avtalt:ver1.0',
      documentType: { type: 'avtalt', standard: 'urn:no:difi:avtalt:xsd::avtalt' },
    });
  });
});
