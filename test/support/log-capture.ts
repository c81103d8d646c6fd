import type { LoggerService } from '@nestjs/common';
import { redactDeep } from '../../src/ops/log-redaction';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** One log call of the bridge: its level, its Nest context and its structured fields (as pino writes them). */
export interface CapturedLog {
  level: LogLevel;
  context?: string;
  fields: Record<string, unknown>;
}

/**
 * A LoggerService that keeps what the bridge logs, for `startBridge(…, { logger })`. The bridge logs objects
 * (`{ msg, mottakId, … }`); nestjs-pino writes them as JSON through redactDeep, so they are kept here in the same
 * form. TEST_LOGS=1 also prints them.
 */
export class LogCapture implements LoggerService {
  readonly entries: CapturedLog[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  /** Entries at warn level or above whose fields include every given one. */
  problems(match: Record<string, unknown> = {}): CapturedLog[] {
    return this.entries.filter(
      (e) =>
        (e.level === 'warn' || e.level === 'error' || e.level === 'fatal') &&
        Object.entries(match).every(([key, value]) => e.fields[key] === value),
    );
  }

  clear(): void {
    this.entries.length = 0;
  }

  private keep(level: LogLevel, message: unknown, rest: unknown[]): void {
    // Nest appends the logger's context as the last argument.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error)
        ? (redactDeep(message) as Record<string, unknown>)
        : { msg: redactDeep(message instanceof Error ? message.message : message) };
    const entry: CapturedLog = { level, context, fields };
    this.entries.push(entry);
    if (process.env.TEST_LOGS) {
      process.stdout.write(`${JSON.stringify(entry)}\n`);
    }
  }
}
