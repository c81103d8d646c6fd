import { pipeline, type Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { OutboundHttp } from '../http/outbound-http';
import type { Metrics } from '../ops/metrics';
import { retryAfterSeconds } from '../http/retry-after';
import { describeNetworkError, mediaType, readBodyLimited, snippet } from '../http/read-body';
import type { MaskinportenTokenProvider } from '../maskinporten/maskinporten-token.provider';
import type { PeerOutcomeRecorder } from '../http/peer-outcome';
import { BrregError, brregOutcome, kindOfStatus, type BrregOperation } from './brreg.errors';
import { availableItemSchema, errorBodySchema, type AvailableItem } from './brreg.schemas';
import { ZipEndCheck } from './zip-end.check';

/** /available has no paging; 64 MiB is hundreds of thousands of entries. More is not Brreg. */
const MAX_LIST_BYTES = 64 * 1024 * 1024;
const MAX_ERROR_BYTES = 64 * 1024;
/**
 * What a download may be labelled (spec: application/octet-stream; zip types are as good). No Content-Type is
 * tolerated. Anything else — an HTML or JSON page a proxy answered 200 with — is not the forsendelse, and must
 * never reach the IP as if it were.
 */
const ZIP_CONTENT_TYPES = new Set([
  'application/octet-stream',
  'application/zip',
  'application/x-zip',
  'application/x-zip-compressed',
]);

export interface AvailableFilter {
  tjeneste?: string;
  /** YYYY-MM-DD */
  fraDato?: string;
  tilDato?: string;
}

export interface AvailableResult {
  items: AvailableItem[];
  /** Entries that failed validation: reported, never forwarded, never silently dropped. */
  rejected: { index: number; mottakId?: unknown; reason: string }[];
}

export interface Download {
  body: Readable;
  /** From Content-Length; null when Brreg streams chunked. */
  contentLength: number | null;
}

/** The only code that knows Brreg mottak's URLs, headers and error shapes. */
export class BrregClient {
  constructor(
    private readonly http: OutboundHttp,
    private readonly baseUrl: string,
    private readonly tokens: MaskinportenTokenProvider,
    private readonly metrics?: Metrics,
    private readonly outcomes?: PeerOutcomeRecorder,
  ) {}

  async available(filter: AvailableFilter = {}): Promise<AvailableResult> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as [string, string][]);
    const url = `${this.baseUrl}/available${query.size > 0 ? `?${query.toString()}` : ''}`;
    return this.observed('available', url, () => this.list(url));
  }

  private async list(url: string): Promise<AvailableResult> {
    const response = await this.send('available', 'GET', url);
    if (response.statusCode !== 200) {
      throw await this.errorFrom('available', response);
    }
    const json = await this.readJson('available', response, MAX_LIST_BYTES);
    const list = z.array(z.unknown()).safeParse(json);
    if (!list.success) {
      throw new BrregError('retryable', 'available: the answer is not a JSON array', {
        operation: 'available',
        status: 200,
      });
    }
    const result: AvailableResult = { items: [], rejected: [] };
    list.data.forEach((raw, index) => {
      const item = availableItemSchema.safeParse(raw);
      if (item.success) {
        result.items.push(item.data);
      } else {
        const mottakId = typeof raw === 'object' && raw !== null ? (raw as { mottakId?: unknown }).mottakId : undefined;
        result.rejected.push({ index, mottakId, reason: item.error.issues.map((i) => i.message).join('; ') });
      }
    });
    return result;
  }

  /**
   * The forsendelse's zip as a stream; the caller must consume or destroy it. The stream fails, before its
   * last bytes, if they do not end a whole ZIP: a body cut short with a clean end looks complete to HTTP.
   */
  async download(mottakId: string): Promise<Download> {
    const url = `${this.baseUrl}/download?mottakId=${encodeURIComponent(mottakId)}`;
    return this.observed('download', url, () => this.startDownload(url, mottakId));
  }

  private async startDownload(url: string, mottakId: string): Promise<Download> {
    const response = await this.send('download', 'GET', url, mottakId);
    if (response.statusCode !== 200) {
      throw await this.errorFrom('download', response, mottakId);
    }
    const type = mediaType(response.headers);
    if (type !== undefined && !ZIP_CONTENT_TYPES.has(type)) {
      const text = await readBodyLimited(response.body, MAX_ERROR_BYTES).catch(() => '');
      throw new BrregError('retryable', `download answered 200 with ${type}, not a zip: ${snippet(text)}`, {
        operation: 'download',
        mottakId,
        status: 200,
      });
    }
    const header = response.headers['content-length'];
    const contentLength = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : null;
    const check = new ZipEndCheck(
      (problem) =>
        new BrregError('retryable', `download: not a whole ZIP: ${problem}`, { operation: 'download', mottakId }),
    );
    // Errors reach the consumer through `check`; destroying `check` also releases the connection.
    const body = pipeline(response.body, check, () => undefined);
    return { body, contentLength };
  }

  async confirm(mottakId: string): Promise<void> {
    const url = `${this.baseUrl}/confirm?mottakId=${encodeURIComponent(mottakId)}`;
    await this.observed('confirm', url, async () => {
      const response = await this.send('confirm', 'PUT', url, mottakId);
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw await this.errorFrom('confirm', response, mottakId);
      }
      await response.body.dump();
    });
  }

  /**
   * Reports how the call ended (readiness, `bridge_peer_last_outcome`): the one place where this client's
   * outcomes are recorded. A Maskinporten error never reached Brreg, so it says nothing about Brreg.
   */
  private async observed<T>(operation: BrregOperation, url: string, work: () => Promise<T>): Promise<T> {
    const path = new URL(url).pathname;
    try {
      const result = await work();
      this.outcomes?.record({ peer: 'brreg', operation, path, outcome: 'ok' });
      return result;
    } catch (error) {
      if (error instanceof BrregError) {
        const { status } = error.context;
        this.outcomes?.record({
          peer: 'brreg',
          operation,
          path,
          status,
          detail: error.message,
          ...brregOutcome(error),
        });
      }
      throw error;
    }
  }

  /** Sends with the cached token; on 401 `invalid_token` drops it, fetches a new one and repeats once. */
  private async send(
    operation: BrregOperation,
    method: 'GET' | 'PUT',
    url: string,
    mottakId?: string,
  ): Promise<Dispatcher.ResponseData> {
    for (let tries = 1; ; tries++) {
      const token = await this.tokens.getToken();
      let response: Dispatcher.ResponseData;
      const done = this.metrics?.startCall('brreg', operation);
      try {
        response = await request(url, {
          method,
          dispatcher: this.http.dispatcher,
          headers: { authorization: `Bearer ${token}`, 'user-agent': this.http.userAgent, accept: '*/*' },
        });
      } catch (cause) {
        done?.('network');
        throw new BrregError(
          'retryable',
          `${operation}: ${describeNetworkError(cause)}`,
          { operation, mottakId },
          { cause },
        );
      }
      done?.(response.statusCode);
      if (response.statusCode >= 200 && response.statusCode < 300 && mediaType(response.headers) === 'text/html') {
        // Brreg's API never answers with a web page: a proxy or a login page did, and its 2xx is no yes from Brreg.
        const text = await readBodyLimited(response.body, MAX_ERROR_BYTES).catch(() => '');
        throw new BrregError(
          'retryable',
          `${operation} answered ${response.statusCode} with an HTML page, not Brreg's answer: ${snippet(text)}`,
          { operation, mottakId, status: response.statusCode },
        );
      }
      const challenge = response.headers['www-authenticate'];
      if (response.statusCode === 401 && tries === 1 && String(challenge).includes('invalid_token')) {
        await response.body.dump();
        this.tokens.invalidate(token);
        continue;
      }
      return response;
    }
  }

  private async readJson(
    operation: BrregOperation,
    response: Dispatcher.ResponseData,
    limit: number,
  ): Promise<unknown> {
    const text = await readBodyLimited(response.body, limit).catch((cause: unknown) => {
      throw new BrregError('retryable', `${operation}: body unreadable: ${describeNetworkError(cause)}`, {
        operation,
        status: response.statusCode,
      });
    });
    try {
      return JSON.parse(text);
    } catch {
      throw new BrregError('retryable', `${operation}: the answer is not JSON (${snippet(text)})`, {
        operation,
        status: response.statusCode,
      });
    }
  }

  private async errorFrom(
    operation: BrregOperation,
    response: Dispatcher.ResponseData,
    mottakId?: string,
  ): Promise<BrregError> {
    const status = response.statusCode;
    const text = await readBodyLimited(response.body, MAX_ERROR_BYTES).catch(() => '');
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(text);
    } catch {
      parsedBody = undefined;
    }
    const body = errorBodySchema.safeParse(parsedBody);
    const feilkode = body.success ? body.data.feilkode : undefined;
    const beskrivelse = (body.success ? body.data.beskrivelse : undefined) ?? snippet(text);
    return new BrregError(
      kindOfStatus(status),
      `${operation} answered ${status}${feilkode ? ` ${feilkode}` : ''}: ${beskrivelse ?? ''}`,
      {
        operation,
        mottakId,
        status,
        feilkode,
        feilId: body.success ? body.data.feilId : undefined,
        retryAfterSeconds: retryAfterSeconds(status, response.headers, Date.now()),
      },
    );
  }
}
