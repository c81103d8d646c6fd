import type { NextFunction, Request, Response } from 'express';
import { basicAuth } from './basic-auth';

// The module under test calls node:crypto's timingSafeEqual through this same exports object.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeCrypto = require('node:crypto') as typeof import('node:crypto');

function attempt(authorization?: string): { status?: number; challenge?: string; passed: boolean } {
  const result: { status?: number; challenge?: string; passed: boolean } = { passed: false };
  const res = {
    setHeader: (name: string, value: string) => {
      if (name.toLowerCase() === 'www-authenticate') {
        result.challenge = value;
      }
    },
    status: (code: number) => {
      result.status = code;
      return { json: () => undefined };
    },
  } as unknown as Response;
  const req = { headers: authorization === undefined ? {} : { authorization } } as Request;
  const next: NextFunction = () => {
    result.passed = true;
  };
  basicAuth('ops', 'correct horse battery')(req, res, next);
  return result;
}

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

describe('basicAuth (/queues, /admin)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('lets the right credentials through', () => {
    expect(attempt(basic('ops:correct horse battery'))).toEqual({ passed: true });
  });

  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Bearer eyJhbGciOiJub25lIn0.e30.'],
    ['Basic without credentials', 'Basic '],
    ['not base64', 'Basic !!!not-base64!!!'],
    ['no colon', basic('ops')],
    ['the wrong password', basic('ops:correct horse')],
    ['the right password with a suffix', basic('ops:correct horse battery!')],
    ['the wrong user', basic('admin:correct horse battery')],
    ['user and password swapped', basic('correct horse battery:ops')],
    ['a 100 kB password', basic(`ops:${'x'.repeat(100_000)}`)],
  ])('answers 401 with a Basic challenge for %s', (_what, header) => {
    expect(attempt(header)).toEqual({ status: 401, challenge: expect.stringMatching(/^Basic realm=/), passed: false });
  });

  it('compares in constant time: equal-length digests, whatever the length of what was sent', () => {
    const compare = jest.spyOn(nodeCrypto, 'timingSafeEqual');
    for (const credentials of ['o', 'ops:correct horse battery', `ops:${'y'.repeat(10_000)}`]) {
      attempt(basic(credentials));
    }
    expect(compare).toHaveBeenCalledTimes(3);
    for (const [given, expected] of compare.mock.calls) {
      expect([(given as Buffer).length, (expected as Buffer).length]).toEqual([32, 32]);
    }
  });
});
