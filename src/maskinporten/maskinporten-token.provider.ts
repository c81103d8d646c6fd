import { Logger } from '@nestjs/common';
import type { Clock } from '../clock/clock';
import { messageKey, RepeatedLog } from '../ops/repeated-log';
import type { MaskinportenClient } from './maskinporten.client';
import { MaskinportenError } from './maskinporten.errors';

/** After a configuration error, callers get the same error for this long instead of a new request each. */
export const CONFIGURATION_ERROR_HOLD_MS = 60_000;

interface CachedToken {
  value: string;
  /** When to stop handing it out: before `expires_in` runs out, so a call in flight does not carry a dead token. */
  refreshAtMs: number;
}

export interface TokenHealth {
  ok: boolean;
  reason?: string;
}

/**
 * The access token for Brreg: reused until shortly before it expires, one grant in flight however many
 * callers wait, dropped on a 401 `invalid_token`. A configuration error (a 400 from Maskinporten) is held
 * for a while so a misconfigured bridge does not hammer Maskinporten.
 */
export class MaskinportenTokenProvider {
  private readonly logger = new Logger('Maskinporten');
  private cached?: CachedToken;
  private inflight?: Promise<string>;
  private configurationError?: { error: MaskinportenError; untilMs: number };
  private lastRetryableError?: MaskinportenError;
  /**
   * During an outage every poll and every forward try asks for a token: the first failure of a kind is logged,
   * the rest counted and summarised when the next token arrives (or a minute has passed and another fails).
   */
  private readonly repeated: RepeatedLog;

  constructor(
    private readonly client: MaskinportenClient,
    private readonly clock: Clock,
    /** Told the expiry of each new token (the shared health: replicas fetch their own tokens). */
    private readonly onToken?: (expiresAtMs: number) => void,
  ) {
    this.repeated = new RepeatedLog(
      (level, fields) => (level === 'error' ? this.logger.error(fields) : this.logger.warn(fields)),
      clock,
    );
  }

  async getToken(): Promise<string> {
    const now = this.clock.now();
    if (this.cached && now < this.cached.refreshAtMs) {
      return this.cached.value;
    }
    if (this.configurationError && now < this.configurationError.untilMs) {
      throw this.configurationError.error;
    }
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drops `token` if it is still the cached one (a 401 from Brreg); a newer token is kept. */
  invalidate(token: string): void {
    if (this.cached?.value === token) {
      this.cached = undefined;
    }
  }

  health(): TokenHealth {
    if (this.cached && this.clock.now() < this.cached.refreshAtMs) {
      return { ok: true };
    }
    if (this.configurationError) {
      return { ok: false, reason: `${this.configurationError.error.code}: ${this.configurationError.error.message}` };
    }
    if (this.lastRetryableError) {
      return { ok: false, reason: `${this.lastRetryableError.code}: ${this.lastRetryableError.message}` };
    }
    return { ok: false, reason: 'no token fetched yet' };
  }

  private async fetch(): Promise<string> {
    const startedAt = this.clock.now();
    try {
      const response = await this.client.requestToken(startedAt);
      const lifetimeMs = response.expires_in * 1000;
      // Refresh with a quarter of the lifetime left (at most 30 s, at least 5 s before expiry): counted
      // from when we asked, so the time the request took is already spent.
      const marginMs = Math.max(Math.min(lifetimeMs / 4, 30_000), Math.min(5_000, lifetimeMs / 2));
      this.cached = { value: response.access_token, refreshAtMs: startedAt + lifetimeMs - marginMs };
      this.onToken?.(startedAt + lifetimeMs);
      this.configurationError = undefined;
      this.lastRetryableError = undefined;
      this.repeated.flushAll();
      this.logger.log({ msg: 'token fetched', expiresIn: response.expires_in, scope: response.scope });
      return response.access_token;
    } catch (error) {
      if (error instanceof MaskinportenError && error.kind === 'configuration') {
        this.configurationError = { error, untilMs: this.clock.now() + CONFIGURATION_ERROR_HOLD_MS };
        this.repeated.record(`refused ${error.code} ${messageKey(error.message)}`, 'error', {
          msg: 'Maskinporten refused the grant: check client id, key or certificate, and scope',
          peer: error.peer,
          operation: error.context.operation,
          status: error.context.status,
          code: error.code,
          error: error.context.error,
          traceId: error.context.traceId,
          detail: error.message,
        });
      } else if (error instanceof MaskinportenError) {
        this.lastRetryableError = error;
        this.repeated.record(`failed ${error.code} ${messageKey(error.message)}`, 'warn', {
          msg: 'token request failed; will retry',
          peer: error.peer,
          operation: error.context.operation,
          status: error.context.status,
          code: error.code,
          detail: error.message,
        });
      }
      throw error;
    }
  }
}
