import type { Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  server: Server;
  port: number;
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8081`. */
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 = an ephemeral port) and resolves once bound. */
export async function listen(
  app: Express,
  port: number,
  host: string,
  beforeClose?: () => void,
): Promise<ListeningServer> {
  const server = createServer(app);
  // Multi-GiB uploads and downloads must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    server,
    port: bound,
    url: `http://${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        beforeClose?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
