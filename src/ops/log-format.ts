import { hostname } from 'node:os';
import { stdTimeFunctions, type LoggerOptions } from 'pino';
import type { LogLevel } from '../config/app-config';
import { ownVersion } from '../http/user-agent';
import { redactDeep } from './log-redaction';

export const SERVICE_NAME = 'brreg-efm-bridge';

/**
 * The shape of every log line, the Nest logger's and the start-up logger's alike: ISO-8601 `time`, the level as
 * a word ("info", not 30), and `service` and `version`, so a line found in a log store says where it came from.
 * Every object passes through redactDeep, so a token, grant, key, certificate or password is cut out.
 */
export function logFormat(level: LogLevel): LoggerOptions {
  return {
    level,
    base: { service: SERVICE_NAME, version: ownVersion(), pid: process.pid, hostname: hostname() },
    timestamp: stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => redactDeep(object) as Record<string, unknown>,
    },
  };
}
