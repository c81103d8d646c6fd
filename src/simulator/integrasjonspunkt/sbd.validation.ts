import { fieldError, IpHttpError, springErrors, type SpringFieldError } from './ip.errors';
import { formatInZone, formatIpDateTime, parseIsoDateTime, type IpDateTime } from './ip-time';
import { topLevelMembers, type JsonTokenName } from './json-object-keys';

/** The IP's `BusinessMessageType` values, in its order (also the order of its "Expecting one of" message). */
export const BUSINESS_MESSAGE_TYPES = [
  'status',
  'arkivmelding',
  'arkivmelding_kvittering',
  'avtalt',
  'digital',
  'digital_dpv',
  'print',
  'dialogmelding',
  'dialogmelding_kvittering',
  'innsynskrav',
  'publisering',
  'einnsyn_kvittering',
] as const;

const HEADER = 'standardBusinessDocumentHeader';
const SBD = 'standardBusinessDocument';
const SCOPE_TYPES = ['JournalpostId', 'ConversationId', 'ParentId', 'SenderRef', 'ReceiverRef', 'MessageChannel'];
const SBDH_PKG = 'no.difi.meldingsutveksling.domain.sbdh';

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A partner identifier as the IP reads it: `0192:<orgnr>[:part]` (or a bare 9/11-digit number). */
export interface PartnerId {
  /** As written (the conversation's `sender`/`receiver`). */
  value: string;
  /** The organisation (or person) number (`receiverIdentifier`). */
  primary: string;
  /** The part identifier if any, else the primary (`senderIdentifier`). */
  partOrPrimary: string;
}

export function parsePartnerId(value: string): PartnerId | undefined {
  const iso = /^(\d{4}):([^:]{1,35})(?::([^\s:]{1,35}))?(?::(\d))?$/.exec(value);
  if (iso !== null) {
    if (iso[1] === '0192' && !/^\d{9}$/.test(iso[2])) {
      return undefined;
    }
    return { value, primary: iso[2], partOrPrimary: iso[3] ?? iso[2] };
  }
  if (/^\d{9}$/.test(value) || /^\d{11}$/.test(value)) {
    return { value, primary: value, partOrPrimary: value };
  }
  return undefined;
}

/** Java's `UUID.fromString`: five dash-separated hex groups, at most 36 characters. */
export function isJavaUuid(value: string): boolean {
  return value.length <= 36 && /^[0-9a-fA-F]{1,16}(-[0-9a-fA-F]{1,16}){4}$/.test(value);
}

function tokenOf(value: unknown): JsonTokenName {
  if (Array.isArray(value)) {
    return 'START_ARRAY';
  }
  if (typeof value === 'object' && value !== null) {
    return 'START_OBJECT';
  }
  if (typeof value === 'string') {
    return 'VALUE_STRING';
  }
  if (typeof value === 'boolean') {
    return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  }
  return 'VALUE_NULL';
}

const TOKEN_KIND: Record<JsonTokenName, string> = {
  START_OBJECT: 'Object',
  START_ARRAY: 'Array',
  VALUE_STRING: 'String',
  VALUE_NUMBER_INT: 'Integer',
  VALUE_NUMBER_FLOAT: 'Floating-point',
  VALUE_TRUE: 'Boolean',
  VALUE_FALSE: 'Boolean',
  VALUE_NULL: 'Null',
};

function mismatch(javaType: string, value: unknown): IpHttpError {
  const token = tokenOf(value);
  return springErrors.notReadable(
    `JSON parse error: Cannot deserialize value of type \`${javaType}\` from ${TOKEN_KIND[token]} value (token \`JsonToken.${token}\`)`,
  );
}

/** Jackson reads scalars into a String field (numbers and booleans are coerced); objects and arrays fail. */
function readString(holder: JsonObject, key: string): string | undefined {
  const value = holder[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    holder[key] = String(value);
    return String(value);
  }
  throw mismatch('java.lang.String', value);
}

function readObject(holder: JsonObject, key: string, javaType: string): JsonObject | undefined {
  const value = holder[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isRecord(value)) {
    throw mismatch(javaType, value);
  }
  return value;
}

function readArray(holder: JsonObject, key: string, javaType: string): unknown[] | undefined {
  const value: unknown = holder[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw mismatch(javaType, value);
  }
  return value as unknown[];
}

function readObjects(holder: JsonObject, key: string, elementType: string): JsonObject[] | undefined {
  const list = readArray(holder, key, `java.util.HashSet<${elementType}>`);
  return list?.map((element) => {
    if (!isRecord(element)) {
      throw mismatch(elementType, element);
    }
    return element;
  });
}

/** The IP's Jackson OffsetDateTime deserializer: ISO date-time, offset optional (then local, Europe/Oslo). */
function readDateTime(holder: JsonObject, key: string, zone: string): IpDateTime | undefined {
  const text = readString(holder, key);
  if (text === undefined) {
    return undefined;
  }
  const parsed = parseIsoDateTime(text, zone);
  if (parsed === undefined) {
    throw springErrors.notReadable(
      `JSON parse error: Cannot deserialize value of type \`java.time.OffsetDateTime\` from String "${text}": Failed to deserialize java.time.OffsetDateTime: (java.time.format.DateTimeParseException) Text '${text}' could not be parsed at index 0`,
    );
  }
  // Jackson writes the value back with its own offset, normalised (seconds always, trailing zeros dropped).
  holder[key] = formatIpDateTime(parsed);
  return parsed;
}

function readInteger(holder: JsonObject, key: string): number | undefined {
  const value = holder[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'number') {
    holder[key] = Math.trunc(value);
    return Math.trunc(value);
  }
  if (typeof value === 'string' && /^[+-]?\d{1,9}$/.test(value.trim())) {
    holder[key] = Number(value.trim());
    return Number(value.trim());
  }
  if (typeof value === 'string') {
    throw springErrors.notReadable(
      `JSON parse error: Cannot deserialize value of type \`java.lang.Integer\` from String "${value}": not a valid \`java.lang.Integer\` value`,
    );
  }
  throw mismatch('java.lang.Integer', value);
}

export interface DeserializedSbd {
  /** The whole document (a deep copy the simulator completes and returns). */
  document: JsonObject;
  header: JsonObject;
  business: JsonObject;
  /** documentIdentification.type, lower-cased to the IP's canonical name. */
  type: string;
  businessKey: string;
}

function unknownType(type: string | undefined): Error {
  return new SbdShapeError(
    `Unknown BusinessMessageType = ${type ?? 'null'}. Expecting one of ${BUSINESS_MESSAGE_TYPES.join(',')}`,
  );
}

/** The IllegalArgumentException the IP's `StandardBusinessDocumentDeserializer` throws on a bad shape. */
class SbdShapeError extends Error {}

function canonicalType(type: string | undefined): string {
  const found = BUSINESS_MESSAGE_TYPES.find((t) => t.toLowerCase() === type?.toLowerCase());
  if (found === undefined) {
    throw unknownType(type);
  }
  return found;
}

function expectObjectToken(token: JsonTokenName | undefined): void {
  if (token !== 'START_OBJECT') {
    throw new SbdShapeError(`Expected token START_OBJECT, but found ${token ?? 'END_OBJECT'}`);
  }
}

function expectField(key: string | undefined, expected: string): void {
  if (key === undefined) {
    throw new SbdShapeError('Expected token FIELD_NAME, but found END_OBJECT');
  }
  if (key !== expected) {
    throw new SbdShapeError(`Expected to find field named ${expected}, but found ${key}`);
  }
}

/**
 * Reads the SBD JSON as the IP's `StandardBusinessDocumentDeserializer` does: exactly the header and the
 * business message whose key is the (canonical) document type, in either order, and nothing else.
 */
export function deserializeSbd(text: string, shapeErrorStatus: 400 | 500, zone: string): DeserializedSbd {
  if (text.trim() === '') {
    throw springErrors.notReadable('Required request body is missing');
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw springErrors.notReadable(`JSON parse error: ${(error as Error).message}`);
  }
  try {
    const { root, members } = topLevelMembers(text);
    if (root !== 'START_OBJECT' || !isRecord(document)) {
      throw unknownType(undefined);
    }
    const [first, second, third] = members;
    let type: string;
    let businessKey: string;
    if (first?.key === HEADER) {
      expectObjectToken(first.valueToken);
      const header = readHeaderStructure(document, zone);
      const declared = readString(
        readObject(header, 'documentIdentification', `${SBDH_PKG}.DocumentIdentification`) ?? {},
        'type',
      );
      if (declared === undefined) {
        // An IOException in the deserializer: Spring wraps it in HttpMessageNotReadableException (400).
        throw springErrors.notReadable('I/O error while reading input message');
      }
      type = canonicalType(declared);
      businessKey = type;
      expectField(second?.key, businessKey);
      expectObjectToken(second?.valueToken);
    } else {
      if (first === undefined) {
        throw unknownType(undefined);
      }
      type = canonicalType(first.key);
      businessKey = type;
      expectField(first.key, businessKey);
      expectObjectToken(first.valueToken);
      expectField(second?.key, HEADER);
      expectObjectToken(second?.valueToken);
      readHeaderStructure(document, zone);
      const declared = readString(
        readObject(document[HEADER] as JsonObject, 'documentIdentification', '') ?? {},
        'type',
      );
      if (declared !== undefined) {
        // The header's own type decides what the IP does with the message from here on.
        type = BUSINESS_MESSAGE_TYPES.find((t) => t.toLowerCase() === declared.toLowerCase()) ?? declared;
      }
    }
    if (third !== undefined) {
      throw new SbdShapeError('Expected token END_OBJECT, but found FIELD_NAME');
    }
    const business = document[businessKey] as JsonObject;
    readBusinessStructure(business, businessKey);
    return { document, header: document[HEADER] as JsonObject, business, type, businessKey };
  } catch (error) {
    if (error instanceof SbdShapeError) {
      throw shapeErrorStatus === 400
        ? springErrors.notReadable(`JSON parse error: ${error.message}`)
        : springErrors.internal('java.lang.IllegalArgumentException', error.message);
    }
    throw error;
  }
}

function readPartners(header: JsonObject, key: 'sender' | 'receiver'): void {
  for (const partner of readObjects(header, key, `${SBDH_PKG}.Partner`) ?? []) {
    const identifier = readObject(partner, 'identifier', `${SBDH_PKG}.PartnerIdentification`);
    if (identifier !== undefined) {
      readString(identifier, 'value');
      readString(identifier, 'authority');
    }
  }
}

/** Jackson's type checks on the header (unknown fields are ignored, as FAIL_ON_UNKNOWN_PROPERTIES is off). */
function readHeaderStructure(document: JsonObject, zone: string): JsonObject {
  const header = document[HEADER] as JsonObject;
  readString(header, 'headerVersion');
  readPartners(header, 'sender');
  readPartners(header, 'receiver');
  const identification = readObject(header, 'documentIdentification', `${SBDH_PKG}.DocumentIdentification`);
  if (identification !== undefined) {
    for (const key of ['standard', 'typeVersion', 'instanceIdentifier', 'type']) {
      readString(identification, key);
    }
    readDateTime(identification, 'creationDateAndTime', zone);
  }
  const businessScope = readObject(header, 'businessScope', `${SBDH_PKG}.BusinessScope`);
  for (const scope of businessScope === undefined
    ? []
    : (readObjects(businessScope, 'scope', `${SBDH_PKG}.Scope`) ?? [])) {
    for (const key of ['type', 'instanceIdentifier', 'identifier']) {
      readString(scope, key);
    }
    for (const info of readObjects(scope, 'scopeInformation', `${SBDH_PKG}.CorrelationInformation`) ?? []) {
      readDateTime(info, 'requestingDocumentCreationDateTime', zone);
      readString(info, 'requestingDocumentInstanceIdentifier');
      readDateTime(info, 'expectedResponseDateTime', zone);
    }
  }
  return header;
}

function readBusinessStructure(business: JsonObject, key: string): void {
  readString(business, 'hoveddokument');
  if (key === 'arkivmelding') {
    readInteger(business, 'sikkerhetsnivaa');
    readObject(business, 'dpv', 'no.difi.meldingsutveksling.nextmove.DpvSettings');
    readObject(business, 'dpf', 'no.difi.meldingsutveksling.nextmove.DpfSettings');
  }
  if (key === 'avtalt') {
    readString(business, 'identifier');
  }
}

function scopes(header: JsonObject): JsonObject[] {
  const businessScope = header.businessScope;
  if (!isRecord(businessScope) || !Array.isArray(businessScope.scope)) {
    return [];
  }
  return businessScope.scope.filter(isRecord);
}

/** The ConversationId scope, found by its full name or enum name as `StandardBusinessDocumentHeader.getScope`. */
export function conversationScope(header: JsonObject): JsonObject | undefined {
  return scopes(header).find((s) => s.type === 'ConversationId' || s.type === 'CONVERSATION_ID');
}

function firstPartner(header: JsonObject, key: 'sender' | 'receiver'): string | undefined {
  const list = header[key];
  if (!Array.isArray(list) || !isRecord(list[0]) || !isRecord(list[0].identifier)) {
    return undefined;
  }
  const value = list[0].identifier.value;
  return typeof value === 'string' ? value : undefined;
}

export function senderValue(header: JsonObject): string | undefined {
  return firstPartner(header, 'sender');
}

export function receiverValue(header: JsonObject): string | undefined {
  return firstPartner(header, 'receiver');
}

function documentIdentification(header: JsonObject): JsonObject | undefined {
  return isRecord(header.documentIdentification) ? header.documentIdentification : undefined;
}

export function expectedResponseDateTime(header: JsonObject): string | undefined {
  const info = conversationScope(header)?.scopeInformation;
  if (!Array.isArray(info) || !isRecord(info[0])) {
    return undefined;
  }
  const value = info[0].expectedResponseDateTime;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Bean validation of the SBD (`@Valid` on the request body): every violation is collected and answered
 * together as MethodArgumentNotValidException.
 */
export function validateSbdBean(sbd: DeserializedSbd, now: number): void {
  const errors: SpringFieldError[] = [];
  const add = (field: string, code: string, message: string, rejected?: unknown): void => {
    errors.push(fieldError(SBD, `${HEADER}.${field}`, code, message, rejected));
  };
  const header = sbd.header;
  if (header.headerVersion === undefined || header.headerVersion === null) {
    add('headerVersion', 'NotNull', 'must not be null');
  }
  for (const key of ['sender', 'receiver'] as const) {
    const list = header[key];
    if (!Array.isArray(list)) {
      continue;
    }
    if (list.length > 1) {
      add(key, 'Size', 'size must be between 0 and 1', list);
    }
    for (const partner of list.filter(isRecord)) {
      const identifier = partner.identifier;
      if (!isRecord(identifier)) {
        add(`${key}[].identifier`, 'NotNull', 'must not be null');
        continue;
      }
      if (typeof identifier.value !== 'string') {
        add(`${key}[].identifier.value`, 'NotNull', 'must not be null');
      } else if (key === 'sender' && parsePartnerId(identifier.value) === undefined) {
        add(
          `${key}[].identifier.value`,
          'SenderValue',
          `Expected '${identifier.value}' to be equal end with the same organization as specified in the difi.move.org.number application property.'`,
          identifier.value,
        );
      }
      if (typeof identifier.authority !== 'string') {
        add(`${key}[].identifier.authority`, 'NotNull', 'must not be null');
      }
    }
  }
  const identification = documentIdentification(header);
  if (identification === undefined) {
    add('documentIdentification', 'NotNull', 'must not be null');
  } else {
    for (const key of ['standard', 'typeVersion', 'type']) {
      if (typeof identification[key] !== 'string') {
        add(`documentIdentification.${key}`, 'NotNull', 'must not be null');
      }
    }
    const messageId = identification.instanceIdentifier;
    if (typeof messageId === 'string' && !isJavaUuid(messageId)) {
      add('documentIdentification.instanceIdentifier', 'UUID', `'${messageId}' is not a UUID.`, messageId);
    }
  }
  if (!isRecord(header.businessScope)) {
    add('businessScope', 'NotNull', 'must not be null');
  } else if (!Array.isArray(header.businessScope.scope)) {
    add('businessScope.scope', 'NotNull', 'must not be null');
  } else if (header.businessScope.scope.length < 1) {
    add('businessScope.scope', 'Size', 'size must be between 1 and 2147483647', []);
  }
  for (const scope of scopes(header)) {
    if (typeof scope.type !== 'string') {
      add('businessScope.scope[].type', 'NotNull', 'must not be null');
    } else if (!SCOPE_TYPES.includes(scope.type)) {
      add('businessScope.scope[].type', 'OneOf', `'${scope.type}' is not expected. Allowed values are:`, scope.type);
    }
    const instance = scope.instanceIdentifier;
    if (scope.type === 'ConversationId' && typeof instance === 'string' && !isJavaUuid(instance)) {
      add(
        'businessScope.scope[]',
        'SbdScopeConditionalInstanceIdentifierUuid',
        `'Scope(type=${scope.type}, instanceIdentifier=${instance}, identifier=${String(scope.identifier)})' is not a UUID.`,
      );
    }
    for (const info of Array.isArray(scope.scopeInformation) ? scope.scopeInformation.filter(isRecord) : []) {
      const deadline = typeof info.expectedResponseDateTime === 'string' ? info.expectedResponseDateTime : undefined;
      const parsed = deadline === undefined ? undefined : parseIsoDateTime(deadline);
      if (deadline !== undefined && parsed !== undefined && parsed.epochMs <= now) {
        add(
          'businessScope.scope[].scopeInformation[].expectedResponseDateTime',
          'Future',
          'must be a future date',
          deadline,
        );
      }
    }
  }
  if (errors.length > 0) {
    throw springErrors.argumentNotValid(SBD, errors);
  }
}

/**
 * `NextMoveOutMessageFactory.setDefaults`: sender from our orgnr, messageId, creation time, the TTL
 * (now + 24 h) in the ConversationId scope, and an instanceIdentifier for every scope without one.
 */
export function completeSbd(
  sbd: DeserializedSbd,
  options: { orgnr?: string; zone: string; now: number; newUuid: () => string },
): void {
  const header = sbd.header;
  if (senderValue(header) === undefined && options.orgnr !== undefined) {
    header.sender = [{ identifier: { value: `0192:${options.orgnr}`, authority: 'iso6523-actorid-upis' } }];
  }
  const identification = documentIdentification(header) as JsonObject;
  if (typeof identification.instanceIdentifier !== 'string') {
    identification.instanceIdentifier = options.newUuid();
  }
  if (typeof identification.creationDateAndTime !== 'string') {
    identification.creationDateAndTime = formatInZone(options.now, options.zone);
  }
  const scope = conversationScope(header);
  if (scope !== undefined && expectedResponseDateTime(header) === undefined) {
    const ttl = formatInZone(options.now + 24 * 3600 * 1000, options.zone);
    const info = Array.isArray(scope.scopeInformation) ? scope.scopeInformation.filter(isRecord) : [];
    if (info.length === 0) {
      scope.scopeInformation = [{ expectedResponseDateTime: ttl }];
    } else {
      info[0].expectedResponseDateTime = ttl;
    }
  }
  for (const s of scopes(header)) {
    if (typeof s.instanceIdentifier !== 'string' || s.instanceIdentifier.trim() === '') {
      s.instanceIdentifier = options.newUuid();
    }
  }
}

/** `documentIdentification.standard`, which the IP calls the document type. */
export function documentStandard(header: JsonObject): string {
  const standard = documentIdentification(header)?.standard;
  return typeof standard === 'string' ? standard : '';
}

export function messageIdOf(header: JsonObject): string | undefined {
  const id = documentIdentification(header)?.instanceIdentifier;
  return typeof id === 'string' ? id : undefined;
}
