import { pino } from 'pino';
import { ConfigError } from '../config/config.loader';
import { logFormat } from './log-format';

/** A start-up step that failed because of what one variable points at (the database, Redis, a port). */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${reason}`, options);
    this.name = 'StartupError';
  }
}

export interface StartupFailure {
  /** The variable to look at; absent when nothing points at one. */
  variable?: string;
  cause: string;
}

/**
 * Why start-up failed, as lines an operator can act on: every configuration problem, or the one failed step.
 * A Redis error that reaches here unwrapped (a command refused while the modules start) names REDIS_URL.
 */
export function describeStartupFailure(error: unknown): StartupFailure[] {
  if (error instanceof ConfigError) {
    return error.problems.map(splitProblem);
  }
  if (error instanceof StartupError) {
    return [{ variable: error.variable, cause: error.reason }];
  }
  if (error instanceof Error && error.name === 'ReplyError') {
    return [{ variable: 'REDIS_URL', cause: redisCause(error.message) }];
  }
  return [{ cause: error instanceof Error ? error.message : String(error) }];
}

/** What Redis refused, with what to do about it. */
export function redisCause(message: string): string {
  if (message.startsWith('OOM')) {
    return `${message} (Redis has reached maxmemory: raise maxmemory or free memory; the queues need room to write)`;
  }
  if (message.startsWith('NOAUTH') || message.startsWith('WRONGPASS')) {
    return `${message} (check the user and password in REDIS_URL)`;
  }
  if (message.startsWith('READONLY')) {
    return `${message} (REDIS_URL points at a replica; point it at the primary)`;
  }
  return message;
}

/** pg reports SQLSTATE in `code`; the ones a deployment meets first get a hint. */
export function databaseCause(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  switch (code ?? '') {
    case '42501':
      return `${text} (the user needs CREATE to run migrations)`;
    case '3D000':
      return `${text} (create the database or correct its name)`;
    case '28P01':
    case '28000':
      return `${text} (check the user and password)`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `cannot reach PostgreSQL (${code})`;
    default:
      return text;
  }
}

function splitProblem(problem: string): StartupFailure {
  const colon = problem.indexOf(': ');
  return colon > 0 ? { variable: problem.slice(0, colon), cause: problem.slice(colon + 2) } : { cause: problem };
}

/** One JSON line per failure, in the shape of every other line, written before the process exits. */
export function logStartupFailure(error: unknown): void {
  const logger = pino(logFormat('info'));
  for (const failure of describeStartupFailure(error)) {
    logger.fatal({ msg: 'start-up failed', ...failure });
  }
}
