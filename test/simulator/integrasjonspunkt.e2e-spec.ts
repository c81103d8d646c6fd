import { randomUUID } from 'node:crypto';
import type { IntegrasjonspunktSimulator } from '../../src/simulator/integrasjonspunkt/integrasjonspunkt.simulator';
import { integrasjonspunktOptionsFromEnv } from '../../src/simulator/integrasjonspunkt/integrasjonspunkt-sim.options';
import {
  ADMIN_PROCESS,
  anSbd,
  conversationScopeOf,
  EX,
  expectSpringError,
  IpTestClient,
  messageIdOf,
  OFFSET_DATE_TIME,
  OUR_ORGNR,
  RECEIVER,
  SPRING_ERROR_KEYS,
  startIp,
  useIpSimulator,
  type SbdJson,
  type SpringErrorBody,
} from './integrasjonspunkt.test-kit';

interface CapabilitiesBody {
  capabilities: { process: string; serviceIdentifier: string; documentTypes: { type: string; standard: string }[] }[];
}

describe('integrasjonspunkt simulator: capabilities, message creation, auth and errors', () => {
  const simulator = useIpSimulator();
  let ip: IpTestClient;

  beforeAll(() => {
    ({ ip } = simulator);
  });

  describe('GET /api/capabilities/{orgnr}', () => {
    it('answers every arkivmelding process on the default service for an unconfigured 9-digit orgnr', async () => {
      const res = await ip.json<CapabilitiesBody>('GET', `/api/capabilities/${RECEIVER}`);
      expect(res.status).toBe(200);
      const admin = res.body.capabilities.find((c) => c.process === ADMIN_PROCESS);
      expect(admin).toEqual({
        process: ADMIN_PROCESS,
        serviceIdentifier: 'DPO',
        documentTypes: [{ type: 'arkivmelding', standard: 'urn:no:difi:arkivmelding:xsd::arkivmelding' }],
      });
      expect(res.body.capabilities.some((c) => c.process.includes('avtalt'))).toBe(false);
    });

    it('filters on process and accepts securityLevel', async () => {
      const res = await ip.json<CapabilitiesBody>(
        'GET',
        `/api/capabilities/${RECEIVER}?process=${encodeURIComponent(ADMIN_PROCESS)}&securityLevel=3`,
      );
      expect(res.status).toBe(200);
      expect(res.body.capabilities).toHaveLength(1);
      expect(res.body.capabilities[0].process).toBe(ADMIN_PROCESS);
    });

    it('answers configured DPV and DPF receivers and the avtalt process on DPO', async () => {
      await ip.control('PUT', '/receivers/111111111', { service: 'DPV' });
      await ip.control('PUT', '/receivers/222222222', { service: 'DPO', avtalt: true });
      const dpv = await ip.json<CapabilitiesBody>('GET', '/api/capabilities/111111111');
      expect(new Set(dpv.body.capabilities.map((c) => c.serviceIdentifier))).toEqual(new Set(['DPV']));
      const dpo = await ip.json<CapabilitiesBody>('GET', '/api/capabilities/222222222');
      expect(dpo.body.capabilities).toContainEqual({
        process: 'urn:no:difi:profile:avtalt:avtalt:ver1.0',
        serviceIdentifier: 'DPO',
        documentTypes: [{ type: 'avtalt', standard: 'urn:no:difi:avtalt:xsd::avtalt' }],
      });
    });

    it('gives an empty capability list for a receiver configured with none, and 404 asked for a process', async () => {
      await ip.control('PUT', '/receivers/333333333', { service: 'none' });
      const res = await ip.json<CapabilitiesBody>('GET', '/api/capabilities/333333333');
      expect(res).toEqual({ status: 200, body: { capabilities: [] } });
      const forProcess = await ip.json(
        'GET',
        `/api/capabilities/333333333?process=${encodeURIComponent(ADMIN_PROCESS)}`,
      );
      expect(forProcess.status).toBe(404);
      expect(forProcess.body.exception).toBe(`${EX}IdentifierNotFoundException`);
    });

    it('knows only the registered organisations: the defaults, configured ones, and knownOrganisations', async () => {
      for (const orgnr of ['310000001', '311000012', '974760673', '987654321']) {
        expect((await ip.json('GET', `/api/capabilities/${orgnr}`)).status).toBe(200);
      }
      const unknown = await ip.json('GET', '/api/capabilities/910000123');
      expect(unknown.status).toBe(404);
      expectSpringError(unknown.body, 404, `${EX}IdentifierNotFoundException`, '/api/capabilities/910000123');
      const created = await ip.create(anSbd({ receiver: '910000123' }));
      expect(created.body.exception).toBe(`${EX}ReceiverDoesNotAcceptProcessException`);
      await ip.control('PUT', '/receivers/910000123', { service: 'DPV' });
      expect((await ip.json('GET', '/api/capabilities/910000123')).status).toBe(200);
      await ip.control('POST', '/settings', { knownOrganisations: ['910000124'] });
      expect((await ip.json('GET', '/api/capabilities/910000124')).status).toBe(200);
      expect((await ip.json('GET', '/api/capabilities/310000001')).status).toBe(404);
      await ip.control('POST', '/settings', { knownOrganisations: '*' });
      expect((await ip.json('GET', '/api/capabilities/910000125')).status).toBe(200);
    });

    it('honours securityLevel as the service registry does: DPO any, DPF at its levels, else DPV, never DPV at 4', async () => {
      await ip.control('PUT', '/receivers/111111111', { service: 'DPF', securityLevels: [3] });
      await ip.control('PUT', '/receivers/222222222', { service: 'DPO' });
      await ip.control('PUT', '/receivers/333333333', { service: 'DPF', securityLevels: [4] });
      const at = (orgnr: string, level: number) =>
        ip.json<CapabilitiesBody & SpringErrorBody>(
          'GET',
          `/api/capabilities/${orgnr}?process=${encodeURIComponent(ADMIN_PROCESS)}&securityLevel=${level}`,
        );
      expect((await at('111111111', 3)).body.capabilities[0].serviceIdentifier).toBe('DPF');
      expect((await at('222222222', 4)).body.capabilities[0].serviceIdentifier).toBe('DPO');
      expect((await at('333333333', 4)).body.capabilities[0].serviceIdentifier).toBe('DPF');
      // A KS SvarUt system only at level 4 is reached at level 3 through DPV (Altinn).
      expect((await at('333333333', 3)).body.capabilities[0].serviceIdentifier).toBe('DPV');
      // Level 4 where only level 3 is registered: the registry refuses, and the IP passes that on as a 500.
      const refused = await at('111111111', 4);
      expectSpringError(
        refused.body,
        500,
        'no.difi.meldingsutveksling.domain.MeldingsUtvekslingRuntimeException',
        '/api/capabilities/111111111',
      );
      expect(refused.body.message).toContain("can not receive messages with security level '4'");
      const created = await ip.create(anSbd({ receiver: '111111111', sikkerhetsnivaa: 4 }));
      expect(created.body.exception).toBe(`${EX}ReceiverDoesNotAcceptProcessException`);
      expect(created.body.description).toContain("can not receive messages with security level '4'");
      expect((await ip.create(anSbd({ receiver: '111111111', sikkerhetsnivaa: 3 }))).status).toBe(200);
    });

    it('answers 404 IdentifierNotFoundException for an unknown organisation', async () => {
      await ip.control('PUT', '/receivers/444444444', { service: 'unknown' });
      for (const orgnr of ['444444444', 'not-an-org']) {
        const res = await ip.json('GET', `/api/capabilities/${orgnr}`);
        expect(res.status).toBe(404);
        expectSpringError(res.body, 404, `${EX}IdentifierNotFoundException`, `/api/capabilities/${orgnr}`);
        expect(res.body.message).toBe(
          `--${EX}IdentifierNotFoundException-- [Service record not found for parameters: SRParameter(identifier=${orgnr}, process=null, securityLevel=null, print=null, infoOnly=false, conversationId=null)]`,
        );
      }
    });

    it('refuses a non-numeric securityLevel with 400', async () => {
      const res = await ip.json('GET', `/api/capabilities/${RECEIVER}?securityLevel=high`);
      expectSpringError(
        res.body,
        400,
        'org.springframework.web.method.annotation.MethodArgumentTypeMismatchException',
        `/api/capabilities/${RECEIVER}`,
      );
    });
  });

  describe('POST /api/messages/out', () => {
    it('answers 200 with the completed SBD and registers the conversation with OPPRETTET', async () => {
      const sbd = anSbd();
      delete conversationScopeOf(sbd).scopeInformation;
      const res = await ip.create(sbd);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['standardBusinessDocumentHeader', 'arkivmelding']);
      const deadline = res.body.standardBusinessDocumentHeader.businessScope.scope[0].scopeInformation?.[0]
        .expectedResponseDateTime as string;
      expect(deadline).toMatch(OFFSET_DATE_TIME);
      expect(Date.parse(deadline) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
      const messageId = messageIdOf(sbd);
      const statuses = await ip.json<{ content: { status: string }[] }>('GET', `/api/statuses/${messageId}`);
      expect(statuses.body.content.map((s) => s.status)).toEqual(['OPPRETTET']);
    });

    it('fills in a missing messageId, conversationId and sender', async () => {
      const sbd = anSbd();
      delete sbd.standardBusinessDocumentHeader.documentIdentification.instanceIdentifier;
      delete conversationScopeOf(sbd).instanceIdentifier;
      delete sbd.standardBusinessDocumentHeader.sender;
      const res = await ip.create(sbd);
      expect(res.status).toBe(200);
      const header = res.body.standardBusinessDocumentHeader;
      expect(header.documentIdentification.instanceIdentifier).toMatch(/^[0-9a-f-]{36}$/);
      expect(header.businessScope.scope[0].instanceIdentifier).toMatch(/^[0-9a-f-]{36}$/);
      expect(header.sender).toEqual([
        { identifier: { value: `0192:${OUR_ORGNR}`, authority: 'iso6523-actorid-upis' } },
      ]);
    });

    it('answers 500 IllegalArgumentException for an SBD with a third top-level key, as the IP does', async () => {
      const res = await ip.create({ ...anSbd(), extra: {} });
      expect(res.status).toBe(500);
      expectSpringError(res.body, 500, 'java.lang.IllegalArgumentException', '/api/messages/out');
      expect(res.body.message).toBe('Expected token END_OBJECT, but found FIELD_NAME');
    });

    it('answers 500 for a repeated top-level key, which JSON.parse alone would hide', async () => {
      const sbd = anSbd();
      const text = JSON.stringify(sbd).replace(/}$/, ',"arkivmelding":{"sikkerhetsnivaa":3}}');
      const res = await ip.json('POST', '/api/messages/out', text);
      expect(res.status).toBe(500);
      expect(res.body.message).toBe('Expected token END_OBJECT, but found FIELD_NAME');
    });

    it('answers 500 for a business key that is not the document type, a missing one and an unknown type', async () => {
      const sbd = anSbd();
      const wrongKey = { standardBusinessDocumentHeader: sbd.standardBusinessDocumentHeader, avtalt: {} };
      const res = await ip.create(wrongKey);
      expect(res.status).toBe(500);
      expect(res.body.message).toBe('Expected to find field named arkivmelding, but found avtalt');
      const missing = await ip.create({ standardBusinessDocumentHeader: sbd.standardBusinessDocumentHeader });
      expect(missing.status).toBe(500);
      expect(missing.body.message).toBe('Expected token FIELD_NAME, but found END_OBJECT');
      sbd.standardBusinessDocumentHeader.documentIdentification.type = 'brev';
      const unknown = await ip.create(sbd);
      expect(unknown.status).toBe(500);
      expect(unknown.body.exception).toBe('java.lang.IllegalArgumentException');
      expect(unknown.body.message).toMatch(
        /^Unknown BusinessMessageType = brev\. Expecting one of status,arkivmelding,/,
      );
    });

    it('answers shape errors with 400 HttpMessageNotReadableException when sbdShapeErrorStatus is 400', async () => {
      await ip.control('POST', '/settings', { sbdShapeErrorStatus: 400 });
      const res = await ip.create({ ...anSbd(), extra: {} });
      expect(res.status).toBe(400);
      expectSpringError(
        res.body,
        400,
        'org.springframework.http.converter.HttpMessageNotReadableException',
        '/api/messages/out',
      );
      expect(res.body.message).toBe('JSON parse error: Expected token END_OBJECT, but found FIELD_NAME');
      await ip.control('POST', '/settings', { sbdShapeErrorStatus: 500 });
    });

    it('accepts the business message before the header', async () => {
      const sbd = anSbd();
      const res = await ip.create({
        arkivmelding: sbd.arkivmelding,
        standardBusinessDocumentHeader: sbd.standardBusinessDocumentHeader,
      });
      expect(res.status).toBe(200);
    });

    it('answers 400 for malformed JSON and 415 for a non-JSON content type', async () => {
      const malformed = await ip.json('POST', '/api/messages/out', '{"standardBusinessDocumentHeader":');
      expectSpringError(
        malformed.body,
        400,
        'org.springframework.http.converter.HttpMessageNotReadableException',
        '/api/messages/out',
      );
      expect(malformed.body.message).toMatch(/^JSON parse error: /);
      const res = await ip.call('POST', '/api/messages/out', JSON.stringify(anSbd()), { 'Content-Type': 'text/plain' });
      expect(res.status).toBe(415);
      const body = (await res.json()) as SpringErrorBody;
      expectSpringError(body, 415, 'org.springframework.web.HttpMediaTypeNotSupportedException', '/api/messages/out');
      expect(body.message).toBe("Content-Type 'text/plain' is not supported");
    });

    it('answers MethodArgumentNotValidException listing every missing header field', async () => {
      const sbd = anSbd();
      delete sbd.standardBusinessDocumentHeader.headerVersion;
      delete sbd.standardBusinessDocumentHeader.documentIdentification.typeVersion;
      const res = await ip.create(sbd);
      expectSpringError(
        res.body,
        400,
        'org.springframework.web.bind.MethodArgumentNotValidException',
        '/api/messages/out',
      );
      expect(res.body.message).toBe("Validation failed for object='standardBusinessDocument'. Error count: 2");
      expect(res.body.errors?.map((e) => [e.field, e.code, e.defaultMessage])).toEqual([
        ['standardBusinessDocumentHeader.headerVersion', 'NotNull', 'must not be null'],
        ['standardBusinessDocumentHeader.documentIdentification.typeVersion', 'NotNull', 'must not be null'],
      ]);
    });

    it('refuses a messageId or conversationId that is not a UUID', async () => {
      const sbd = anSbd({ messageId: 'not-a-uuid' });
      const res = await ip.create(sbd);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]).toMatchObject({
        field: 'standardBusinessDocumentHeader.documentIdentification.instanceIdentifier',
        defaultMessage: "'not-a-uuid' is not a UUID.",
      });
      const badConversation = await ip.create(anSbd({ conversationId: 'conv-1' }));
      expect(badConversation.status).toBe(400);
      expect(badConversation.body.errors?.[0].field).toBe('standardBusinessDocumentHeader.businessScope.scope[]');
    });

    it('refuses an expectedResponseDateTime in the past as a bean-validation error', async () => {
      const res = await ip.create(anSbd({ expectedResponseDateTime: new Date(Date.now() - 60_000).toISOString() }));
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]).toMatchObject({
        field: 'standardBusinessDocumentHeader.businessScope.scope[].scopeInformation[].expectedResponseDateTime',
        code: 'Future',
        defaultMessage: 'must be a future date',
      });
    });

    it('refuses a badly typed header field as unreadable JSON', async () => {
      const sbd = anSbd() as unknown as { standardBusinessDocumentHeader: Record<string, unknown> };
      sbd.standardBusinessDocumentHeader.receiver = { identifier: { value: '0192:987654321' } };
      const res = await ip.create(sbd);
      expect(res.status).toBe(400);
      expect(res.body.exception).toBe('org.springframework.http.converter.HttpMessageNotReadableException');
      expect(res.body.message).toContain('from Object value');
    });

    it('answers 500 IllegalStateException when the ConversationId scope (the process) is missing', async () => {
      const sbd = anSbd();
      sbd.standardBusinessDocumentHeader.businessScope.scope =
        sbd.standardBusinessDocumentHeader.businessScope.scope.slice(1);
      const res = await ip.create(sbd);
      expectSpringError(res.body, 500, 'java.lang.IllegalStateException', '/api/messages/out');
      expect(res.body.message).toBe('SBD missing process');
    });

    it('answers ReceiverDoesNotAcceptProcessException when the receiver has no capability for the process', async () => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'none' });
      const sbd = anSbd();
      const res = await ip.create(sbd);
      expectSpringError(res.body, 400, `${EX}ReceiverDoesNotAcceptProcessException`, '/api/messages/out');
      expect(res.body.message).toBe(`Receiver do not accept the document process ${ADMIN_PROCESS}`);
      // Asked with a process it has no record for, the registry answers 404 (ReceiverProcessNotFoundException).
      expect(res.body.description).toBe(
        `Service record not found for parameters: SRParameter(identifier=${RECEIVER}, process=${ADMIN_PROCESS}, securityLevel=3, print=null, infoOnly=false, conversationId=${conversationScopeOf(sbd).instanceIdentifier})`,
      );
      const conversation = await ip.json('GET', `/api/conversations/messageId/${messageIdOf(sbd)}`);
      expect(conversation.status).toBe(404);
    });

    it('answers ReceiverDoesNotAcceptProcessException when the process lists no document type of the SBD', async () => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, {
        capabilities: [
          {
            process: ADMIN_PROCESS,
            serviceIdentifier: 'DPO',
            documentTypes: [{ type: 'avtalt', standard: 'urn:no:difi:avtalt:xsd::avtalt' }],
          },
        ],
      });
      const sbd = anSbd();
      const res = await ip.create(sbd);
      expectSpringError(res.body, 400, `${EX}ReceiverDoesNotAcceptProcessException`, '/api/messages/out');
      expect(res.body.description).toBe(
        `Error looking up service record with document type 'urn:no:difi:arkivmelding:xsd::arkivmelding' and parameters: SRParameter(identifier=${RECEIVER}, process=${ADMIN_PROCESS}, securityLevel=3, print=null, infoOnly=false, conversationId=${conversationScopeOf(sbd).instanceIdentifier})`,
      );
      const conversation = await ip.json('GET', `/api/conversations/messageId/${messageIdOf(sbd)}`);
      expect(conversation.status).toBe(404);
    });

    it('answers ReceiverDoesNotAcceptProcessException for an unknown receiver and for avtalt to a plain receiver', async () => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'unknown' });
      const unknown = await ip.create(anSbd());
      expect(unknown.body.exception).toBe(`${EX}ReceiverDoesNotAcceptProcessException`);
      expect(unknown.body.description).toMatch(
        /^Service record not found for parameters: SRParameter\(identifier=987654321,/,
      );
      const avtalt = await ip.create(anSbd({ type: 'avtalt', receiver: '555555555' }));
      expect(avtalt.body.exception).toBe(`${EX}ReceiverDoesNotAcceptProcessException`);
      await ip.control('PUT', '/receivers/555555555', { service: 'DPO', avtalt: true });
      expect((await ip.create(anSbd({ type: 'avtalt', receiver: '555555555' }))).status).toBe(200);
    });

    it('answers ReceiverDoesNotAcceptProcessException for a process no receiver has', async () => {
      const res = await ip.create(anSbd({ process: 'urn:no:difi:profile:arkivmelding:ukjent:ver1.0' }));
      expect(res.status).toBe(400);
      expect(res.body.exception).toBe(`${EX}ReceiverDoesNotAcceptProcessException`);
      expect(res.body.message).toBe(
        'Receiver do not accept the document process urn:no:difi:profile:arkivmelding:ukjent:ver1.0',
      );
    });

    it('reads the avtalt body as the IP does: identifier a string, content anything', async () => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'DPO', avtalt: true });
      const sbd = anSbd({ type: 'avtalt' });
      sbd.avtalt = { identifier: 42, content: ['any', { json: true }] };
      const ok = await ip.create(sbd);
      expect(ok.status).toBe(200);
      expect(ok.body.avtalt).toEqual({ identifier: '42', content: ['any', { json: true }] });
      const bad = anSbd({ type: 'avtalt' });
      bad.avtalt = { identifier: { nested: true } };
      const res = await ip.create(bad);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(
        /^JSON parse error: Cannot deserialize value of type `java.lang.String` from Object value/,
      );
    });

    it('answers ServiceNotEnabledException without a receiver', async () => {
      const sbd = anSbd();
      delete sbd.standardBusinessDocumentHeader.receiver;
      const res = await ip.create(sbd);
      expectSpringError(res.body, 400, `${EX}ServiceNotEnabledException`, '/api/messages/out');
      expect(res.body.message).toBe('Service UNKNOWN is not enabled');
    });

    it('requires sikkerhetsnivaa for a DPF receiver', async () => {
      await ip.control('PUT', `/receivers/${RECEIVER}`, { service: 'DPF' });
      const sbd: SbdJson = anSbd();
      sbd.arkivmelding = {};
      const res = await ip.create(sbd);
      expectSpringError(res.body, 400, 'jakarta.validation.ConstraintViolationException', '/api/messages/out');
      expect(res.body.message).toBe('any.sikkerhetsnivaa: must not be null');
    });

    it('answers MessageAlreadyExistsException for a messageId that exists as an out-message', async () => {
      const sbd = anSbd();
      expect((await ip.create(sbd)).status).toBe(200);
      const again = await ip.create(anSbd({ messageId: messageIdOf(sbd) }));
      expectSpringError(again.body, 400, `${EX}MessageAlreadyExistsException`, '/api/messages/out');
      expect(again.body.message).toBe(`Message with messageId = ${messageIdOf(sbd)} already exists`);
    });

    it('still refuses the messageId after the out-message was deleted (the conversation remains)', async () => {
      const sbd = anSbd();
      await ip.create(sbd);
      const deleted = await ip.call('DELETE', `/api/messages/out/${messageIdOf(sbd)}`);
      expect(deleted.status).toBe(200);
      expect((await ip.json('GET', `/api/messages/out/${messageIdOf(sbd)}`)).status).toBe(404);
      const again = await ip.create(anSbd({ messageId: messageIdOf(sbd) }));
      expect(again.body.exception).toBe(`${EX}MessageAlreadyExistsException`);
    });

    it('frees the messageId only when the conversation itself is deleted', async () => {
      const sbd = anSbd();
      await ip.create(sbd);
      await ip.call('DELETE', `/api/messages/out/${messageIdOf(sbd)}`);
      expect((await ip.call('DELETE', `/api/conversations/messageId/${messageIdOf(sbd)}`)).status).toBe(200);
      expect((await ip.create(anSbd({ messageId: messageIdOf(sbd) }))).status).toBe(200);
    });
  });

  describe('GET|DELETE /api/messages/out/{id} and the out-message list', () => {
    it('returns the stored SBD, a page of out-messages, and 404 MessageNotFoundException for an unknown id', async () => {
      const sbd = anSbd();
      const created = await ip.create(sbd);
      const got = await ip.json('GET', `/api/messages/out/${messageIdOf(sbd)}`);
      expect(got).toEqual({ status: 200, body: created.body });
      const page = await ip.json<{ content: unknown[]; totalElements: number }>('GET', '/api/messages/out');
      expect(page.body.totalElements).toBe(1);
      const unknownId = randomUUID();
      const missing = await ip.json('GET', `/api/messages/out/${unknownId}`);
      expectSpringError(missing.body, 404, `${EX}MessageNotFoundException`, `/api/messages/out/${unknownId}`);
      expect(missing.body.message).toBe(`Message with messageId = ${unknownId} was not found`);
    });

    it('answers 200 to DELETE of an unknown id', async () => {
      const res = await ip.call('DELETE', `/api/messages/out/${randomUUID()}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    });
  });

  describe('generic errors', () => {
    it('answers an unknown path with 404 NoResourceFoundException and a wrong method with 405', async () => {
      const notFound = await ip.json('GET', '/api/nothing');
      expectSpringError(
        notFound.body,
        404,
        'org.springframework.web.servlet.resource.NoResourceFoundException',
        '/api/nothing',
      );
      expect(notFound.body.message).toBe('No static resource api/nothing.');
      const res = await ip.call('PATCH', '/api/statuses');
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
      const body = (await res.json()) as SpringErrorBody;
      expectSpringError(body, 405, 'org.springframework.web.HttpRequestMethodNotSupportedException', '/api/statuses');
    });

    it('writes errors with exactly the Spring Boot keys', async () => {
      const res = await ip.json('GET', `/api/messages/out/${randomUUID()}`);
      expect(Object.keys(res.body)).toEqual(SPRING_ERROR_KEYS);
    });

    it('answers injected faults with the Spring 500 body', async () => {
      await ip.control('POST', '/faults', { errorRate: 1 });
      const res = await ip.json('GET', '/api/statuses');
      expectSpringError(
        res.body,
        500,
        'org.springframework.transaction.CannotCreateTransactionException',
        '/api/statuses',
      );
      await ip.control('DELETE', '/faults');
    });

    it('answers 429 or 503 with Retry-After for the next matching requests (POST /_sim/faults/busy)', async () => {
      await ip.control('POST', '/faults/busy', {
        status: 429,
        retryAfter: 7,
        method: 'GET',
        path: '^/api/capabilities/',
      });
      await ip.control('POST', '/faults/busy', {
        status: 503,
        retryAfter: 'Wed, 21 Oct 2065 07:28:00 GMT',
        path: '^/api/messages/out$',
        times: 2,
      });
      const limited = await ip.call('GET', `/api/capabilities/${RECEIVER}`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expectSpringError((await limited.json()) as SpringErrorBody, 429, undefined, `/api/capabilities/${RECEIVER}`);
      expect((await ip.json('GET', `/api/capabilities/${RECEIVER}`)).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const res = await ip.call('POST', '/api/messages/out', anSbd());
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('Wed, 21 Oct 2065 07:28:00 GMT');
        await res.body?.cancel();
      }
      expect((await ip.create(anSbd())).status).toBe(200);
      const faults = await ip.control<{ busy: { answered: number; armed: unknown[] } }>('GET', '/faults/ip');
      expect(faults.body.busy).toEqual({ answered: 3, armed: [] });
    });
  });
});

describe('integrasjonspunkt simulator with Basic auth', () => {
  let sim: IntegrasjonspunktSimulator;

  beforeAll(async () => {
    sim = await startIp({ basicAuth: { username: 'ip', password: 's3cret' } });
  });

  afterAll(async () => {
    await sim.close();
  });

  it('answers 401 with WWW-Authenticate and the Spring body without credentials or with wrong ones', async () => {
    for (const client of [
      new IpTestClient(sim.url),
      new IpTestClient(sim.url, { username: 'ip', password: 'wrong' }),
    ]) {
      const res = await client.call('GET', `/api/capabilities/${RECEIVER}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Realm"');
      const body = (await res.json()) as SpringErrorBody;
      expectSpringError(body, 401, undefined, `/api/capabilities/${RECEIVER}`);
      expect(body.message).toBe('Unauthorized');
    }
  });

  it('serves the API with the right credentials, and the control API without any', async () => {
    const ip = new IpTestClient(sim.url, { username: 'ip', password: 's3cret' });
    expect((await ip.call('GET', `/api/capabilities/${RECEIVER}`)).status).toBe(200);
    expect((await ip.create(anSbd())).status).toBe(200);
    expect((await new IpTestClient(sim.url).control('GET', '/messages')).status).toBe(200);
  });
});

describe('integrasjonspunktOptionsFromEnv', () => {
  it('reads the variables and ignores empty ones', () => {
    expect(
      integrasjonspunktOptionsFromEnv({
        SIM_IP_PORT: '9100',
        SIM_IP_USERNAME: 'u',
        SIM_IP_PASSWORD: 'p',
        SIM_IP_STATUS_DELAY_MS: '0',
        SIM_IP_SEND_TRANSMIT_MS: '250',
        SIM_IP_STATUS_QUEUE: 'DPO,DPV',
        SIM_SEED: '7',
        SIM_IP_ORGNR: '',
        SIM_IP_KNOWN_ORGNRS: '910000001,910000002',
      }),
    ).toEqual({
      port: 9100,
      basicAuth: { username: 'u', password: 'p' },
      statusDelayMs: 0,
      sendTransmitMs: 250,
      statusQueueIncludes: ['DPO', 'DPV'],
      seed: 7,
      knownOrganisations: ['910000001', '910000002'],
    });
    expect(integrasjonspunktOptionsFromEnv({ SIM_IP_KNOWN_ORGNRS: '*' })).toEqual({ knownOrganisations: '*' });
  });

  it('names every bad variable', () => {
    expect(() => integrasjonspunktOptionsFromEnv({ SIM_IP_PORT: 'x', SIM_IP_STATUS_DELAY_MS: '-1' })).toThrow(
      /SIM_IP_PORT.*SIM_IP_STATUS_DELAY_MS|SIM_IP_STATUS_DELAY_MS.*SIM_IP_PORT/,
    );
    expect(() => integrasjonspunktOptionsFromEnv({ SIM_IP_USERNAME: 'u' })).toThrow(/SIM_IP_USERNAME, SIM_IP_PASSWORD/);
  });
});
