import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { RequestObserver, type ObservedRequest } from './request-observer';

describe('RequestObserver', () => {
  let server: Server;
  let url: string;
  const observer = new RequestObserver((req) =>
    req.path === '/ignored' ? undefined : { operation: req.path.slice(1), id: req.query.id as string | undefined },
  );
  /** What the handler saw of the observed phases when it wrote its first bytes. */
  const seenByHandler: string[][] = [];
  const observed: ObservedRequest[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(observer.middleware());
    const handler = (req: express.Request, res: express.Response) => {
      seenByHandler.push(observed.map((r) => r.phase));
      res.status(req.path === '/missing' ? 404 : 200).send('body');
    };
    app.get(['/download', '/missing', '/ignored', '/_sim/calls'], handler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    observed.length = 0;
    seenByHandler.length = 0;
  });

  it('reports received, responding and answered in order, before the simulator carries on', async () => {
    const off = observer.onRequest((r) => observed.push(r));
    await (await fetch(`${url}/download?id=abc`)).text();
    off();
    expect(observed.map((r) => [r.phase, r.operation, r.id, r.status])).toEqual([
      ['received', 'download', 'abc', 0],
      ['responding', 'download', 'abc', 200],
      ['answered', 'download', 'abc', 200],
    ]);
    // The listener ran before the handler: a test can act at `received` before the peer does anything.
    expect(seenByHandler).toEqual([['received']]);
  });

  it('reports the status of an error answer', async () => {
    const off = observer.onRequest((r) => observed.push(r));
    await (await fetch(`${url}/missing`)).text();
    off();
    expect(observed.filter((r) => r.phase !== 'received').map((r) => r.status)).toEqual([404, 404]);
  });

  it('leaves out control routes, unclassified requests and removed listeners', async () => {
    const off = observer.onRequest((r) => observed.push(r));
    await (await fetch(`${url}/_sim/calls`)).text();
    await (await fetch(`${url}/ignored`)).text();
    off();
    await (await fetch(`${url}/download`)).text();
    expect(observed).toEqual([]);
  });
});
