import { BrregError, brregOutcome } from '../brreg/brreg.errors';
import { IpError, ipOutcome } from '../eformidling/integrasjonspunkt.errors';
import { MaskinportenError, maskinportenOutcome } from '../maskinporten/maskinporten.errors';
import { outcomeOfNetworkError, outcomeOfStatus } from './peer-outcome';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('peer outcomes', () => {
  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'not_found'],
    [408, 'timeout'],
    [504, 'timeout'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [503, 'server_error'],
    [400, 'refused'],
    [409, 'refused'],
    [413, 'refused'],
    [302, 'bad_response'],
  ])('reads status %i as %s', (status, outcome) => {
    expect(outcomeOfStatus(status)).toBe(outcome);
  });

  it('tells a timeout from a peer that cannot be reached, also when the cause is wrapped', () => {
    expect(outcomeOfNetworkError(withCode('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout');
    expect(outcomeOfNetworkError(new Error('fetch failed', { cause: withCode('UND_ERR_CONNECT_TIMEOUT') }))).toBe(
      'timeout',
    );
    expect(outcomeOfNetworkError(withCode('ECONNREFUSED'))).toBe('unreachable');
    expect(outcomeOfNetworkError(withCode('ENOTFOUND'))).toBe('unreachable');
    expect(outcomeOfNetworkError(undefined)).toBe('unreachable');
  });

  it('brreg: its own 404 about one forsendelse and ERROR-00005 are answers; a bare 404 is a wrong base URL', () => {
    const brreg = (status: number | undefined, feilkode?: string, cause?: unknown) =>
      brregOutcome(new BrregError('permanent', 'x', { operation: 'confirm', status, feilkode }, { cause }));
    expect(brreg(404, 'ERROR-00000')).toEqual({ outcome: 'ok', advice: undefined });
    expect(brreg(409, 'ERROR-00005').outcome).toBe('ok');
    expect(brreg(404)).toEqual({ outcome: 'not_found', advice: 'check BRREG_BASE_URL (it must end in /outbound)' });
    expect(brreg(200).outcome).toBe('bad_response');
    expect(brreg(undefined, undefined, withCode('ECONNREFUSED')).outcome).toBe('unreachable');
    expect(brreg(401).advice).toMatch(/MASKINPORTEN_CLIENT_ID/);
  });

  it('integrasjonspunkt: its own exceptions the flow expects are answers; 401 names the IP credentials', () => {
    const ip = (status: number | undefined, exception?: string) =>
      ipOutcome(new IpError('permanent', 'x', { operation: 'create', status, exception }));
    expect(ip(400, 'MessageAlreadyExistsException').outcome).toBe('ok');
    expect(ip(404, 'MessageNotFoundException').outcome).toBe('ok');
    expect(ip(400, 'ServiceNotEnabledException').outcome).toBe('refused');
    expect(ip(404)).toMatchObject({ outcome: 'not_found', advice: expect.stringMatching(/EFM_BASE_URL/) });
    expect(ip(401)).toEqual({ outcome: 'auth', advice: 'check EFM_USERNAME/EFM_PASSWORD' });
  });

  it('maskinporten: a refused grant (400) is auth; a 5xx is theirs', () => {
    const mp = (code: string, status?: number, cause?: unknown) =>
      maskinportenOutcome(new MaskinportenError('configuration', code, 'x', { operation: 'token', status }, { cause }));
    expect(mp('MP-100', 400)).toMatchObject({
      outcome: 'auth',
      advice: expect.stringMatching(/MASKINPORTEN_CLIENT_ID/),
    });
    expect(mp('HTTP_503', 503).outcome).toBe('server_error');
    expect(mp('HTTP_429', 429).outcome).toBe('rate_limited');
    expect(mp('HTTP_404', 404).outcome).toBe('not_found');
    expect(mp('INVALID_RESPONSE', 200).outcome).toBe('bad_response');
    expect(mp('NETWORK', undefined, withCode('UND_ERR_HEADERS_TIMEOUT')).outcome).toBe('timeout');
  });
});
