import { request } from 'undici';
import {
  startIntegrasjonspunktSimulator,
  type IntegrasjonspunktSimulator,
} from '../../src/simulator/integrasjonspunkt/integrasjonspunkt.simulator';
import { control } from '../support/bridge-harness';

/** The shared response-override fault (src/simulator/common/faults.ts), through one simulator's control API. */
describe('response overrides (/_sim/faults/responses)', () => {
  let ip: IntegrasjonspunktSimulator;

  beforeAll(async () => {
    ip = await startIntegrasjonspunktSimulator({ port: 0 });
  });
  afterEach(async () => {
    await control(ip.url, '/faults', { method: 'DELETE' });
  });
  afterAll(async () => {
    await ip.close();
  });

  it('answers the next N matching requests with the given status, content type and raw body, then the peer again', async () => {
    await control(ip.url, '/faults/responses', {
      body: {
        method: 'GET',
        path: '/api/capabilities/*',
        times: 2,
        status: 502,
        contentType: 'text/html',
        body: '<html><body>Bad Gateway</body></html>',
      },
    });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${ip.url}/api/capabilities/310000001`);
      answers.push({
        status: response.status,
        type: response.headers.get('content-type'),
        body: await response.text(),
      });
    }
    expect(answers[0]).toEqual({ status: 502, type: 'text/html', body: '<html><body>Bad Gateway</body></html>' });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2].status).toBe(200);
    expect(JSON.parse(answers[2].body)).toHaveProperty('capabilities');
    const snapshot = await control<{ responseOverrides: unknown[] }>(ip.url, '/faults');
    expect(snapshot.responseOverrides).toEqual([
      { method: 'GET', path: '/api/capabilities/*', status: 502, remaining: 0, served: 2 },
    ]);
  });

  it('matches the method and the path pattern: * within a segment, ** across segments', async () => {
    await control(ip.url, '/faults/responses', {
      body: { method: 'POST', path: '/api/**', times: 5, status: 503, body: 'down' },
    });
    expect((await fetch(`${ip.url}/api/capabilities/310000001`)).status).toBe(200);
    const post = await fetch(`${ip.url}/api/messages/out/x`, { method: 'POST' });
    expect(post.status).toBe(503);
    // No contentType given: the answer has none.
    expect(post.headers.get('content-type')).toBeNull();
    await control(ip.url, '/faults/responses', { body: { path: '/api/statuses/*', status: 500, body: 'x' } });
    expect((await fetch(`${ip.url}/api/statuses/a/b`)).status).not.toBe(500);
    expect((await fetch(`${ip.url}/api/statuses/a`)).status).toBe(500);
  });

  it('reads the request body before answering, so an upload gets the answer instead of a reset', async () => {
    await control(ip.url, '/faults/responses', {
      body: { method: 'PUT', path: '/api/messages/out/*', status: 500, contentType: 'text/plain', body: 'nope' },
    });
    const response = await request(`${ip.url}/api/messages/out/abc`, {
      method: 'PUT',
      headers: { 'content-type': 'application/zip' },
      body: Buffer.alloc(4 * 1024 * 1024, 1),
    });
    expect(response.statusCode).toBe(500);
    expect(await response.body.text()).toBe('nope');
  });

  it('generates a body of exactly K bytes from the repeated unit, and stops when the client leaves', async () => {
    await control(ip.url, '/faults/responses', {
      body: { path: '/api/statuses', status: 200, contentType: 'application/json', body: '[1,', bodyBytes: 1_000_003 },
    });
    const full = await request(`${ip.url}/api/statuses`);
    expect(full.headers['content-length']).toBe('1000003');
    const text = await full.body.text();
    expect(text.length).toBe(1_000_003);
    expect(text.startsWith('[1,[1,[1,')).toBe(true);

    await control(ip.url, '/faults/responses', { body: { path: '/api/statuses', status: 200, bodyBytes: 2 ** 31 } });
    const huge = await request(`${ip.url}/api/statuses`);
    let read = 0;
    for await (const chunk of huge.body) {
      read += (chunk as Buffer).length;
      if (read > 1024 * 1024) {
        break;
      }
    }
    // The simulator noticed the client leaving: the call is recorded unfinished (status 0), not 2 GiB later.
    const calls = await (async () => {
      for (let i = 0; i < 50; i++) {
        const all = await control<{ url: string; status: number }[]>(ip.url, '/calls');
        if (all.filter((c) => c.url === '/api/statuses').length === 2) {
          return all;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the aborted call was never recorded');
    })();
    expect(calls.filter((c) => c.url === '/api/statuses').map((c) => c.status)).toEqual([200, 0]);
  });

  it('refuses a malformed override with 400 and the reason', async () => {
    const response = await fetch(`${ip.url}/_sim/faults/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'no-slash', status: 99 }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/path|status/);
  });
});
