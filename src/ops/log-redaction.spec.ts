import { REDACTED, redactDeep, redactString } from './log-redaction';

describe('log redaction', () => {
  it('replaces sensitive keys at any depth', () => {
    const redacted = redactDeep({
      mottakId: 'abc',
      a: { b: { c: { access_token: 'x', password: 'p', nested: [{ privateKeyPem: 'k', assertion: 'g' }] } } },
      headers: { authorization: 'Bearer abc', 'user-agent': 'ua' },
    });
    expect(redacted).toEqual({
      mottakId: 'abc',
      a: {
        b: {
          c: { access_token: REDACTED, password: REDACTED, nested: [{ privateKeyPem: REDACTED, assertion: REDACTED }] },
        },
      },
      headers: { authorization: REDACTED, 'user-agent': 'ua' },
    });
  });

  it('removes JWTs, PEM blocks and credentials from free text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----';
    const text = redactString(`token ${jwt} key ${pem} header Basic dXNlcjpwYXNz`);
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('MIIEv');
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(redactDeep({ msg: `got ${jwt}` })).toEqual({ msg: `got ${REDACTED}` });
  });

  it('keeps ordinary fields', () => {
    expect(redactDeep({ mottakId: 'm', messageId: 'x', attempt: 2, bytes: 10 })).toEqual({
      mottakId: 'm',
      messageId: 'x',
      attempt: 2,
      bytes: 10,
    });
  });
});
