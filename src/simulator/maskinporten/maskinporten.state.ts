import { BoundedLog } from '../common/bounded-log';
import { SeededRandom } from '../common/seeded-random';
import type { ClientRegistry } from './client.registry';
import { JtiReplayGuard } from './jti-replay.guard';
import type { GrantMode } from './jwt-grant.verifier';
import type { MpCode, OAuthErrorCode } from './maskinporten.errors';

/**
 * One token request as Maskinporten would log it. Never the assertion or the token: tests assert on
 * what happened, and a log that held credentials would teach the wrong habit.
 */
export interface GrantRecord {
  /** The simulator's clock (with its skew), ISO-8601. */
  time: string;
  traceId: string;
  /** The grant's `iss`, as far as it could be read. */
  clientId: string | null;
  mode: GrantMode | null;
  jti: string | null;
  /** The requested scope string, as far as it could be read. */
  scope: string | null;
  outcome: 'issued' | 'refused';
  status: number;
  error: OAuthErrorCode | null;
  code: MpCode | null;
  /** error_description without the trace id. */
  reason: string | null;
  /** The `jti` of the access token issued. */
  tokenJti: string | null;
}

export interface TokenRecord {
  jti: string;
  clientId: string;
  scope: string;
  aud: string | string[];
  /** Epoch seconds, the simulator's clock. */
  iat: number;
  exp: number;
}

export interface MaskinportenStateOptions {
  seed: number;
  clockSkewSeconds: number;
  tokenExpiresIn: number;
}

/** Everything the simulator remembers between requests; `reset` returns it to how it started. */
export class MaskinportenState {
  readonly grants = new BoundedLog<GrantRecord>(10_000);
  readonly tokens = new BoundedLog<TokenRecord>(10_000);
  readonly replay = new JtiReplayGuard();
  random: SeededRandom;
  clockSkewSeconds: number;

  constructor(
    readonly clients: ClientRegistry,
    readonly options: MaskinportenStateOptions,
  ) {
    this.random = new SeededRandom(options.seed);
    this.clockSkewSeconds = options.clockSkewSeconds;
  }

  nowMs(): number {
    return Date.now() + this.clockSkewSeconds * 1000;
  }

  /** A W3C-style trace id (32 hex digits), drawn from the seed so seeded runs repeat. */
  traceId(): string {
    return this.random.fill(Buffer.alloc(16)).toString('hex');
  }

  expiresInFor(clientId: string): number {
    return this.clients.get(clientId)?.expiresIn ?? this.options.tokenExpiresIn;
  }

  reset(): void {
    this.grants.clear();
    this.tokens.clear();
    this.replay.clear();
    this.clients.reset();
    this.random = new SeededRandom(this.options.seed);
    this.clockSkewSeconds = this.options.clockSkewSeconds;
  }
}
