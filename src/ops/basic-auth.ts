import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * HTTP Basic for /queues and /admin. Both sides are hashed before the constant-time comparison, so neither the
 * length nor the content of the credentials leaks through timing.
 */
export function basicAuth(username: string, password: string) {
  const expected = digest(`${username}:${password}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    const given = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    if (match && timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="brreg-efm-bridge", charset="UTF-8"');
    res.status(401).json({ statusCode: 401, message: 'Unauthorized' });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
