import { request } from 'undici';
import type { z } from 'zod';
import type { AppConfig } from '../config/app-config';
import type { OutboundHttp } from '../http/outbound-http';
import type { Metrics } from '../ops/metrics';
import { describeNetworkError, readBodyLimited } from '../http/read-body';
import { buildGrant } from './grant.builder';
import type { PeerOutcomeRecorder } from '../http/peer-outcome';
import { isRetryableStatus, MaskinportenError, maskinportenOutcome } from './maskinporten.errors';
import type { SigningKey } from './signing-key.loader';
import { metadataSchema, tokenErrorSchema, tokenResponseSchema, type TokenResponse } from './token-response.schema';

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** A token or error answer is small; anything bigger is not Maskinporten. */
const MAX_BODY_BYTES = 64 * 1024;

interface Endpoints {
  issuer: string;
  tokenUrl: string;
}

/** The only code that knows Maskinporten's URLs and answers. */
export class MaskinportenClient {
  private endpoints?: Endpoints;
  /** The path of the last request (metadata or token): where a 404 was answered. One grant is in flight at most. */
  private lastPath?: string;

  constructor(
    private readonly http: OutboundHttp,
    private readonly config: AppConfig['maskinporten'],
    private readonly signingKey: SigningKey,
    private readonly metrics?: Metrics,
    private readonly outcomes?: PeerOutcomeRecorder,
  ) {}

  /** One token request with a freshly signed grant. Throws MaskinportenError. */
  async requestToken(nowMs: number): Promise<TokenResponse> {
    try {
      const response = await this.grant(nowMs);
      this.outcomes?.record({ peer: 'maskinporten', operation: 'token', path: this.lastPath, outcome: 'ok' });
      return response;
    } catch (error) {
      // The one place where this client's outcomes are recorded (readiness, `bridge_peer_last_outcome`).
      if (error instanceof MaskinportenError) {
        this.outcomes?.record({
          peer: 'maskinporten',
          operation: error.context.operation ?? 'token',
          path: this.lastPath,
          status: error.context.status,
          detail: error.message,
          ...maskinportenOutcome(error),
        });
      }
      throw error;
    }
  }

  private async grant(nowMs: number): Promise<TokenResponse> {
    const { issuer, tokenUrl } = await this.resolveEndpoints();
    const assertion = await buildGrant(this.signingKey, {
      issuer,
      clientId: this.config.clientId,
      scope: this.config.scope,
      nowMs,
    });
    const body = new URLSearchParams({ grant_type: GRANT_TYPE, assertion }).toString();
    const answer = await this.call('POST', tokenUrl, body);
    const { status, json } = answer;
    if (status === 200) {
      return this.parse(tokenResponseSchema, answer, 'token');
    }
    throw this.errorFrom(status, json);
  }

  private async resolveEndpoints(): Promise<Endpoints> {
    if (this.endpoints) {
      return this.endpoints;
    }
    if (this.config.issuer && this.config.tokenUrl) {
      this.endpoints = { issuer: this.config.issuer, tokenUrl: this.config.tokenUrl };
      return this.endpoints;
    }
    const wellKnownUrl = this.config.wellKnownUrl as string;
    const answer = await this.call('GET', wellKnownUrl);
    const { status } = answer;
    if (status !== 200) {
      throw new MaskinportenError(
        isRetryableStatus(status) ? 'retryable' : 'configuration',
        `HTTP_${status}`,
        `metadata document ${wellKnownUrl} answered ${status}`,
        { operation: 'metadata', status },
      );
    }
    const metadata = this.parse(metadataSchema, answer, 'metadata');
    this.endpoints = {
      issuer: this.config.issuer ?? metadata.issuer,
      tokenUrl: this.config.tokenUrl ?? metadata.token_endpoint,
    };
    return this.endpoints;
  }

  private async call(
    method: 'GET' | 'POST',
    url: string,
    body?: string,
  ): Promise<{ status: number; json: unknown; text: string }> {
    let response: Awaited<ReturnType<typeof request>>;
    const operation = method === 'POST' ? 'token' : 'metadata';
    this.lastPath = URL.parse(url)?.pathname;
    const done = this.metrics?.startCall('maskinporten', operation);
    try {
      response = await request(url, {
        method,
        dispatcher: this.http.dispatcher,
        headers: {
          'user-agent': this.http.userAgent,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body,
      });
    } catch (cause) {
      done?.('network');
      throw new MaskinportenError(
        'retryable',
        'NETWORK',
        `${method} ${url} failed: ${describeNetworkError(cause)}`,
        { operation },
        { cause },
      );
    }
    done?.(response.statusCode);
    let text: string;
    try {
      text = await readBodyLimited(response.body, MAX_BODY_BYTES);
    } catch (cause) {
      throw new MaskinportenError(
        'retryable',
        'NETWORK',
        `${method} ${url}: body unreadable: ${describeNetworkError(cause)}`,
        { operation, status: response.statusCode },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, json, text };
  }

  private parse<T>(
    schema: z.ZodType<T>,
    answer: { status: number; json: unknown; text: string },
    operation: 'token' | 'metadata',
  ): T {
    const parsed = schema.safeParse(answer.json);
    if (!parsed.success) {
      // A 200 we cannot read is the peer's fault (or a proxy's), not ours: retry, and log it with its context.
      // Never the body itself: a token answer in a shape we do not read may still hold a token.
      const issue = parsed.error.issues[0];
      const page = /^\s*</.test(answer.text) ? ', an HTML or XML page' : '';
      const why =
        answer.json === undefined
          ? `not JSON (${answer.text.length} bytes${page})`
          : `${issue?.path.join('.') || 'body'}: ${issue?.message}`;
      throw new MaskinportenError('retryable', 'INVALID_RESPONSE', `${operation} answer unreadable: ${why}`, {
        operation,
        status: answer.status,
      });
    }
    return parsed.data;
  }

  private errorFrom(status: number, json: unknown): MaskinportenError {
    const parsed = tokenErrorSchema.safeParse(json);
    const error = parsed.success ? parsed.data : undefined;
    const code = /MP-\d+/.exec(`${error?.error_uri ?? ''} ${error?.error_description ?? ''}`)?.[0] ?? `HTTP_${status}`;
    const traceId = /trace[ _-]?id[:= ]+\s*([\w-]+)/i.exec(error?.error_description ?? '')?.[1];
    return new MaskinportenError(
      isRetryableStatus(status) ? 'retryable' : 'configuration',
      code,
      `token request refused with ${status}${error ? ` ${error.error}: ${error.error_description ?? ''}` : ''}`,
      { operation: 'token', status, error: error?.error, traceId },
    );
  }
}
