import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AppConfig } from '../config/app-config';

/** What the management port serves: scrapes, the dashboard and the admin API. */
const MANAGEMENT_PREFIXES = ['/metrics', '/queues', '/admin'];

export function isManagementPath(path: string): boolean {
  return MANAGEMENT_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * With MANAGEMENT_PORT set, one Express app answers on two ports, split by the port a request came in on:
 * PORT keeps the webhook and /health (what the IP and the kubelet reach), MANAGEMENT_PORT gets /metrics,
 * /queues and /admin (what only the cluster's own tools should reach, so a NetworkPolicy or Service can tell
 * them apart). Anything asked on the wrong port is 404, as if it did not exist there.
 */
export function splitByPort(managementPort: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const management = isManagementPath(req.path);
    if (management === (req.socket.localPort === managementPort)) {
      next();
      return;
    }
    res.status(404).json({ statusCode: 404, message: 'Not Found' });
  };
}

/** Call before `app.listen`: installs the split and returns a start for the second listener (none without it). */
export function prepareManagementPort(
  app: INestApplication,
  config: Pick<AppConfig, 'managementPort'>,
): (() => Promise<Server>) | undefined {
  const port = config.managementPort;
  if (port === undefined) {
    return undefined;
  }
  app.use(splitByPort(port));
  return () =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer(app.getHttpAdapter().getInstance() as RequestListener);
      server.once('error', reject);
      server.listen(port, () => resolve(server));
    });
}
