import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import {
  startIntegrasjonspunktSimulator,
  type IntegrasjonspunktSimulator,
} from '../../src/simulator/integrasjonspunkt/integrasjonspunkt.simulator';
import type { IntegrasjonspunktSimulatorOptions } from '../../src/simulator/integrasjonspunkt/integrasjonspunkt-sim.options';

export const OUR_ORGNR = '974760673';
export const RECEIVER = '987654321';
export const ADMIN_PROCESS = 'urn:no:difi:profile:arkivmelding:administrasjon:ver1.0';
export const AVTALT_PROCESS = 'urn:no:difi:profile:avtalt:avtalt:ver1.0';
export const EX = 'no.difi.meldingsutveksling.exceptions.';

/** Keys of Spring Boot's error body as the IP's error controller writes it. */
export const SPRING_ERROR_KEYS = ['timestamp', 'status', 'error', 'exception', 'message', 'path'];
/** An ISO date-time with an offset, fraction optional (Jackson drops trailing zeros). */
export const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?([+-]\d{2}:\d{2}|Z)$/;

export interface FieldErrorBody {
  codes: string[];
  defaultMessage: string;
  objectName: string;
  field: string;
  rejectedValue?: unknown;
  bindingFailure: boolean;
  code: string;
}

export interface SpringErrorBody {
  timestamp: string;
  status: number;
  error: string;
  exception?: string;
  message: string;
  path: string;
  description?: string;
  errors?: FieldErrorBody[];
}

export interface SortBody {
  empty: boolean;
  sorted: boolean;
  unsorted: boolean;
}

export interface PageBody<T> {
  content: T[];
  pageable: { pageNumber: number; pageSize: number; offset: number; paged: boolean; unpaged: boolean; sort: SortBody };
  totalElements: number;
  totalPages: number;
  number: number;
  size: number;
  numberOfElements: number;
  first: boolean;
  last: boolean;
  empty: boolean;
  sort: SortBody;
}

export interface StatusBody {
  id: number;
  convId: number;
  messageId: string;
  conversationId: string;
  status: string;
  description?: string;
  lastUpdate: string;
}

export interface ConversationBody {
  id: number;
  conversationId: string;
  messageId: string;
  sender?: string;
  senderIdentifier?: string;
  receiver?: string;
  receiverIdentifier: string;
  processIdentifier: string;
  documentIdentifier: string;
  messageReference?: string;
  messageTitle?: string;
  lastUpdate: string;
  finished: boolean;
  expiry: string;
  direction: string;
  serviceIdentifier: string;
  messageStatuses: { id: number; status: string; lastUpdate: string; description?: string }[];
}

export interface TraceFile {
  filename: string | null;
  title?: string;
  contentType: string;
  declaredSize: number;
  size: number;
  sha256: string;
  stored: boolean;
}

export interface TraceBody {
  messageId: string;
  conversationId: string;
  convId: number;
  receiver: string;
  service: string;
  messageTitle: string | null;
  messageReference?: string;
  outMessage: string;
  files: TraceFile[];
  sendAccepted: number;
  sendRejected: number;
  copiesDelivered: number;
  doubleDelivery: boolean;
  script?: string;
  finished: boolean;
  statuses: { id: number; status: string; description?: string; lastUpdate: string }[];
}

export interface PartnerJson {
  identifier: { authority?: string; value?: string };
}

export interface ScopeJson {
  type?: string;
  identifier?: string;
  instanceIdentifier?: string;
  scopeInformation?: { expectedResponseDateTime?: string }[];
}

export interface SbdHeaderJson {
  headerVersion?: string;
  sender?: PartnerJson[];
  receiver?: PartnerJson[];
  documentIdentification: {
    standard?: string;
    typeVersion?: string;
    type?: string;
    instanceIdentifier?: string;
    creationDateAndTime?: string;
  };
  businessScope: { scope: ScopeJson[] };
  [key: string]: unknown;
}

export interface SbdJson {
  standardBusinessDocumentHeader: SbdHeaderJson;
  [key: string]: unknown;
}

export async function startIp(
  options: Partial<IntegrasjonspunktSimulatorOptions> = {},
): Promise<IntegrasjonspunktSimulator> {
  return startIntegrasjonspunktSimulator({
    port: 0,
    statusDelayMs: 0,
    sendDelayMs: 0,
    ttlCheckIntervalMs: 0,
    orgnr: OUR_ORGNR,
    ...options,
  });
}

/**
 * One simulator per describe block, reset before each test (then `settings` applied): the lifecycle every
 * file of the IP simulator's tests shares. The fields are filled in by the time the tests run.
 */
export function useIpSimulator(settings?: Record<string, unknown>): {
  sim: IntegrasjonspunktSimulator;
  ip: IpTestClient;
} {
  const context = {} as { sim: IntegrasjonspunktSimulator; ip: IpTestClient };
  beforeAll(async () => {
    context.sim = await startIp();
    context.ip = new IpTestClient(context.sim.url);
  });
  afterAll(async () => {
    await context.sim?.close();
  });
  beforeEach(async () => {
    await context.ip.control('POST', '/reset');
    if (settings) {
      await context.ip.control('POST', '/settings', settings);
    }
  });
  return context;
}

export interface SbdOptions {
  messageId?: string;
  conversationId?: string;
  receiver?: string;
  process?: string;
  type?: 'arkivmelding' | 'avtalt';
  expectedResponseDateTime?: string | null;
  sikkerhetsnivaa?: number;
}

export function anSbd(o: SbdOptions = {}): SbdJson {
  const type = o.type ?? 'arkivmelding';
  const scopeInformation =
    o.expectedResponseDateTime === null
      ? []
      : [
          {
            expectedResponseDateTime: o.expectedResponseDateTime ?? new Date(Date.now() + 24 * 3600_000).toISOString(),
          },
        ];
  return {
    standardBusinessDocumentHeader: {
      headerVersion: '1.0',
      sender: [{ identifier: { authority: 'iso6523-actorid-upis', value: `0192:${OUR_ORGNR}` } }],
      receiver: [{ identifier: { authority: 'iso6523-actorid-upis', value: `0192:${o.receiver ?? RECEIVER}` } }],
      documentIdentification: {
        standard: type === 'avtalt' ? 'urn:no:difi:avtalt:xsd::avtalt' : 'urn:no:difi:arkivmelding:xsd::arkivmelding',
        typeVersion: '2.0',
        type,
        instanceIdentifier: o.messageId ?? randomUUID(),
        creationDateAndTime: new Date().toISOString(),
      },
      businessScope: {
        scope: [
          {
            type: 'ConversationId',
            identifier: o.process ?? (type === 'avtalt' ? AVTALT_PROCESS : ADMIN_PROCESS),
            instanceIdentifier: o.conversationId ?? randomUUID(),
            scopeInformation,
          },
          { type: 'SenderRef', identifier: 'brreg-efm-bridge', instanceIdentifier: randomUUID() },
        ],
      },
    },
    ...(type === 'avtalt'
      ? { avtalt: { identifier: 'brreg-mottak', content: { hello: 'world' } } }
      : { arkivmelding: { sikkerhetsnivaa: o.sikkerhetsnivaa ?? 3 } }),
  };
}

export function messageIdOf(sbd: SbdJson): string {
  return sbd.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier as string;
}

export function conversationScopeOf(sbd: SbdJson): ScopeJson {
  return sbd.standardBusinessDocumentHeader.businessScope.scope[0];
}

export function anArkivmelding(
  o: { files?: string[]; offentligTittel?: string | null; journalpostnummer?: number; namespace?: string } = {},
): string {
  const files = o.files ?? ['forsendelse.zip'];
  const ns = o.namespace ?? 'http://www.arkivverket.no/standarder/noark5/arkivmelding';
  const beskrivelser = files
    .map(
      (f, i) => `
   <dokumentbeskrivelse>
    <systemID>${randomUUID()}</systemID>
    <dokumenttype>Brev</dokumenttype>
    <dokumentstatus>Dokumentet er ferdigstilt</dokumentstatus>
    <tittel>${f}</tittel>
    <opprettetDato>2026-03-02T10:15:30+01:00</opprettetDato>
    <opprettetAv>test</opprettetAv>
    <tilknyttetRegistreringSom>${i === 0 ? 'Hoveddokument' : 'Vedlegg'}</tilknyttetRegistreringSom>
    <dokumentnummer>${i + 1}</dokumentnummer>
    <tilknyttetDato>2026-03-02T10:15:30+01:00</tilknyttetDato>
    <tilknyttetAv>test</tilknyttetAv>
    <dokumentobjekt>
     <versjonsnummer>1</versjonsnummer>
     <variantformat>Produksjonsformat</variantformat>
     <opprettetDato>2026-03-02T10:15:30+01:00</opprettetDato>
     <opprettetAv>test</opprettetAv>
     <referanseDokumentfil>${f}</referanseDokumentfil>
    </dokumentobjekt>
   </dokumentbeskrivelse>`,
    )
    .join('');
  const title = o.offentligTittel === undefined ? 'Forsendelse fra Brønnøysundregistrene' : o.offentligTittel;
  return `<?xml version="1.0" encoding="UTF-8"?>
<arkivmelding xmlns="${ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <system>brreg-efm-bridge</system>
 <meldingId>${randomUUID()}</meldingId>
 <tidspunkt>2026-03-02T10:15:30+01:00</tidspunkt>
 <antallFiler>${files.length}</antallFiler>
 <mappe xsi:type="saksmappe">
  <systemID>0b9d6f0e-3c55-5a7e-8f12-6d1c2b3a4e50</systemID>
  <tittel>Sak</tittel>
  <opprettetDato>2026-03-02T10:15:30+01:00</opprettetDato>
  <opprettetAv>test</opprettetAv>
  <basisregistrering xsi:type="journalpost">
   <systemID>${randomUUID()}</systemID>
   <opprettetDato>2026-03-02T10:15:30+01:00</opprettetDato>
   <opprettetAv>test</opprettetAv>
   <arkivertDato>2026-03-02T10:15:30+01:00</arkivertDato>
   <arkivertAv>test</arkivertAv>
   <referanseForelderMappe>0b9d6f0e-3c55-5a7e-8f12-6d1c2b3a4e50</referanseForelderMappe>${beskrivelser}
   <tittel>Forsendelse &amp; tittel</tittel>${title === null ? '' : `\n   <offentligTittel>${title}</offentligTittel>`}
   <journalposttype>Inngående dokument</journalposttype>
   <journalstatus>Journalført</journalstatus>
   <journaldato>2026-03-02</journaldato>${o.journalpostnummer === undefined ? '' : `\n   <journalpostnummer>${o.journalpostnummer}</journalpostnummer>`}
  </basisregistrering>
  <saksdato>2026-03-02</saksdato>
  <administrativEnhet>Postmottak</administrativEnhet>
  <saksansvarlig>test</saksansvarlig>
  <saksstatus>Under behandling</saksstatus>
 </mappe>
</arkivmelding>`;
}

/** A small HTTP client for the simulator's API, with optional Basic auth. */
export class IpTestClient {
  constructor(
    readonly url: string,
    private readonly auth?: { username: string; password: string },
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.auth !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    }
    return headers;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = { method, headers: this.headers(headers) };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type') && !(body instanceof Uint8Array)) {
        (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
      }
    }
    return fetch(`${this.url}${path}`, init);
  }

  async json<T = SpringErrorBody>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.call(method, path, body);
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
  }

  /** The answer is either the completed SBD (200) or an error body; tests know which they expect. */
  async create<T = SbdJson & SpringErrorBody>(sbd: unknown): Promise<{ status: number; body: T }> {
    return this.json<T>('POST', '/api/messages/out', sbd);
  }

  async upload(
    messageId: string,
    filename: string,
    content: string | Buffer,
    o: { title?: string | null; contentType?: string } = {},
  ): Promise<Response> {
    const title = o.title === undefined ? filename : o.title;
    const disposition =
      title === null ? `attachment; filename="${filename}"` : `attachment; name="${title}"; filename="${filename}"`;
    return this.call(
      'PUT',
      `/api/messages/out/${messageId}`,
      typeof content === 'string' ? Buffer.from(content) : content,
      {
        'Content-Type': o.contentType ?? (filename.endsWith('.xml') ? 'application/xml' : 'application/zip'),
        'Content-Disposition': disposition,
      },
    );
  }

  async send(messageId: string): Promise<Response> {
    return this.call('POST', `/api/messages/out/${messageId}`);
  }

  /** create → arkivmelding.xml → the files → (optionally) send; returns the messageId. */
  async createReadyMessage(sbd: SbdJson = anSbd(), o: { send?: boolean; files?: string[] } = {}): Promise<string> {
    const files = o.files ?? ['forsendelse.zip'];
    const created = await this.create(sbd);
    if (created.status !== 200) {
      throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
    }
    const messageId = messageIdOf(sbd);
    await expectOk(this.upload(messageId, 'arkivmelding.xml', anArkivmelding({ files })));
    for (const file of files) {
      await expectOk(this.upload(messageId, file, Buffer.from(`content of ${file}`)));
    }
    if (o.send !== false) {
      await expectOk(this.send(messageId));
    }
    return messageId;
  }

  async control<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  async trace(messageId: string): Promise<TraceBody> {
    return (await this.control<TraceBody>('GET', `/messages/${messageId}`)).body;
  }

  async statusNames(messageId: string): Promise<string[]> {
    const trace = await this.trace(messageId);
    return trace.statuses.map((s) => s.status);
  }
}

export async function expectOk(response: Promise<Response>): Promise<void> {
  const res = await response;
  if (res.status !== 200) {
    throw new Error(`expected 200, got ${res.status}: ${await res.text()}`);
  }
  await res.arrayBuffer();
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out waiting');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function waitForStatuses(client: IpTestClient, messageId: string, wanted: string[]): Promise<string[]> {
  return waitFor(async () => {
    const names = await client.statusNames(messageId);
    return wanted.every((w) => names.includes(w)) ? names : undefined;
  });
}

/** Asserts the Spring Boot error body the IP answers every 4xx/5xx with. */
export function expectSpringError(
  body: SpringErrorBody,
  status: number,
  exception: string | undefined,
  path: string,
): void {
  expect(body.status).toBe(status);
  expect(typeof body.error).toBe('string');
  expect(body.timestamp).toMatch(OFFSET_DATE_TIME);
  expect(body.path).toBe(path);
  expect(typeof body.message).toBe('string');
  if (exception === undefined) {
    expect(body.exception).toBeUndefined();
  } else {
    expect(body.exception).toBe(exception);
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A request through node:http, for what fetch cannot express: a chunked body without Content-Length, or a
 * declared Content-Length with only part of the body sent (`sendBytes`), to see the answer come before it.
 */
export async function rawRequest(
  url: string,
  o: { method: string; path: string; headers: Record<string, string | number>; chunks: Buffer[]; holdOpen?: boolean },
): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(`${url}${o.path}`, { method: o.method, headers: o.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') });
        req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', (error) => {
      if (!o.holdOpen) {
        reject(error);
      }
    });
    req.flushHeaders();
    for (const chunk of o.chunks) {
      req.write(chunk);
    }
    if (!o.holdOpen) {
      req.end();
    }
  });
}
