import type { Request, Response } from 'express';
import { formatInZone } from './ip-time';

const EX = 'no.difi.meldingsutveksling.exceptions.';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** One entry of Spring Boot's `errors` array (a serialised `FieldError`). */
export interface SpringFieldError {
  codes: string[];
  arguments?: unknown[];
  defaultMessage: string;
  objectName: string;
  field: string;
  rejectedValue?: unknown;
  bindingFailure: boolean;
  code: string;
}

/**
 * An error the IP answers with Spring Boot's error JSON. `exception` is the Java class the IP's error
 * controller reports (omitted when the IP has none, e.g. Spring Security's 401).
 */
export class IpHttpError extends Error {
  constructor(
    readonly status: number,
    readonly exception: string | undefined,
    message: string,
    readonly extra: { description?: string; errors?: SpringFieldError[] } = {},
  ) {
    super(message);
  }
}

/**
 * Java's `MessageFormat` prints Long arguments with grouping (`Conversation with id = 1,234 was not found`);
 * the IP passes ids as Long, so clients that parse these messages see the commas too.
 */
function javaLong(value: number): string {
  return value.toLocaleString('en-US');
}

/** Writes Spring Boot's error body (IntegrasjonspunktErrorController: MESSAGE, EXCEPTION, BINDING_ERRORS). */
export function writeSpringError(req: Request, res: Response, error: IpHttpError, timeZone: string): void {
  if (error.status === 204) {
    // NoContentException goes through sendError(204): Tomcat drops the body of a 204.
    res.status(204).end();
    return;
  }
  const body: Record<string, unknown> = {
    timestamp: formatInZone(Date.now(), timeZone),
    status: error.status,
    error: REASONS[error.status] ?? 'Error',
  };
  if (error.exception !== undefined) {
    body.exception = error.exception;
  }
  body.message = error.message;
  if (error.extra.errors !== undefined) {
    body.errors = error.extra.errors;
  }
  body.path = req.originalUrl.split('?')[0];
  if (error.extra.description !== undefined) {
    body.description = error.extra.description;
  }
  res.status(error.status).type('application/json').send(JSON.stringify(body));
}

/** The IP's own exceptions (`HttpStatusCodeException` + messages.properties), one factory each. */
export const ipErrors = {
  messageAlreadyExists: (messageId: string) =>
    new IpHttpError(400, `${EX}MessageAlreadyExistsException`, `Message with messageId = ${messageId} already exists`),
  messageNotFound: (messageId: string) =>
    new IpHttpError(404, `${EX}MessageNotFoundException`, `Message with messageId = ${messageId} was not found`),
  conversationNotFound: (id: number) =>
    new IpHttpError(404, `${EX}ConversationNotFoundException`, `Conversation with id = ${javaLong(id)} was not found`),
  receiverDoesNotAcceptProcess: (process: string, description: string) =>
    new IpHttpError(
      400,
      `${EX}ReceiverDoesNotAcceptProcessException`,
      `Receiver do not accept the document process ${process}`,
      { description },
    ),
  serviceNotEnabled: (service: string) =>
    new IpHttpError(400, `${EX}ServiceNotEnabledException`, `Service ${service} is not enabled`),
  messageTypeDoesNotFitDocumentType: (type: string, documentType: string) =>
    new IpHttpError(
      400,
      `${EX}MessageTypeDoesNotFitDocumentTypeException`,
      `Message type ${type} does not match the document type ${documentType}`,
    ),
  missingFile: () => new IpHttpError(400, `${EX}MissingFileException`, 'There must always be at least one attachment'),
  missingArkivmelding: () =>
    new IpHttpError(400, `${EX}MissingArkivmeldingException`, 'DPO message type requires arkivmelding.xml attachment'),
  missingArkivmeldingFile: (files: string) =>
    new IpHttpError(
      400,
      `${EX}MissingArkivmeldingFileException`,
      `File(s) defined in arkivmelding, but not found in message: ${files}`,
    ),
  missingFileTitle: (service: string) =>
    new IpHttpError(
      400,
      `${EX}MissingFileTitleException`,
      `Title is required for the following capabilities: ${service}`,
    ),
  maxFileSizeExceeded: (size: string, service: string, limit: string) =>
    new IpHttpError(
      400,
      `${EX}MaxFileSizeExceededException`,
      `The combined file size for all attachments (${size}) exceeds the maximum allowed upload size for the target service (${service}, ${limit})`,
    ),
  multipartFileTooLarge: (filename: string, maxBytes: number) =>
    new IpHttpError(
      400,
      `${EX}MultipartFileToLargeException`,
      `The attachment named '${filename}' is too large. The maximum size for multipart requests is ${javaLong(maxBytes)} bytes. Please use the non-multipart API to avoid such problems.`,
    ),
  duplicateFilename: (filename: string) =>
    new IpHttpError(400, `${EX}DuplicateFilenameException`, `Filename already exists in message: ${filename}.`),
  timeToLive: (expectedResponseDateTime: string) =>
    new IpHttpError(
      400,
      `${EX}TimeToLiveException`,
      `ExpectedResponseDateTime ${expectedResponseDateTime} has been exceeded. Please resend the message`,
    ),
  noContent: () => new IpHttpError(204, `${EX}NoContentException`, 'No content'),
  subscriptionNotFound: (id: number) =>
    new IpHttpError(404, `${EX}SubscriptionNotFoundException`, `Subscription with id = ${javaLong(id)} was not found`),
  subscriptionAlreadyExists: () =>
    new IpHttpError(
      400,
      `${EX}SubscriptionWithSameNameAndPushEndpointAlreadyExists`,
      'Subscription with same name and push endpoint already exists.',
    ),
  /** The code is missing from messages.properties, so the IP prints its fallback `--code-- [args]`. */
  identifierNotFound: (detail: string) =>
    new IpHttpError(404, `${EX}IdentifierNotFoundException`, `--${EX}IdentifierNotFoundException-- [${detail}]`),
};

/** Spring MVC's own exceptions, as Spring Boot's error controller reports them. */
export const springErrors = {
  missingRequestHeader: (name: string) =>
    new IpHttpError(
      400,
      'org.springframework.web.bind.MissingRequestHeaderException',
      `Required header '${name}' is not present.`,
    ),
  notReadable: (message: string) =>
    new IpHttpError(400, 'org.springframework.http.converter.HttpMessageNotReadableException', message),
  typeMismatch: (value: string, requiredType: string) =>
    new IpHttpError(
      400,
      'org.springframework.web.method.annotation.MethodArgumentTypeMismatchException',
      `Failed to convert value of type 'java.lang.String' to required type '${requiredType}'; For input string: "${value}"`,
    ),
  argumentNotValid: (objectName: string, errors: SpringFieldError[]) =>
    new IpHttpError(
      400,
      'org.springframework.web.bind.MethodArgumentNotValidException',
      `Validation failed for object='${objectName}'. Error count: ${errors.length}`,
      { errors },
    ),
  mediaTypeNotSupported: (contentType: string) =>
    new IpHttpError(
      415,
      'org.springframework.web.HttpMediaTypeNotSupportedException',
      `Content-Type '${contentType}' is not supported`,
    ),
  methodNotSupported: (method: string) =>
    new IpHttpError(
      405,
      'org.springframework.web.HttpRequestMethodNotSupportedException',
      `Request method '${method}' is not supported`,
    ),
  noResource: (path: string) =>
    new IpHttpError(
      404,
      'org.springframework.web.servlet.resource.NoResourceFoundException',
      `No static resource ${path.replace(/^\//, '')}.`,
    ),
  propertyReference: (property: string, type: string) =>
    new IpHttpError(
      500,
      'org.springframework.data.mapping.PropertyReferenceException',
      `No property '${property}' found for type '${type}'`,
    ),
  unauthorized: () => new IpHttpError(401, undefined, 'Unauthorized'),
  internal: (exception: string, message: string) => new IpHttpError(500, exception, message),
};

/** Bean-validation failure entry, shaped like Spring's serialised FieldError. */
export function fieldError(
  objectName: string,
  field: string,
  code: string,
  defaultMessage: string,
  rejectedValue?: unknown,
): SpringFieldError {
  const leaf = field.replace(/\[\]/g, '').split('.').pop() ?? field;
  const plainField = field.replace(/\[\]/g, '');
  const error: SpringFieldError = {
    codes: [`${code}.${objectName}.${plainField}`, `${code}.${plainField}`, `${code}.${leaf}`, code],
    arguments: [
      {
        codes: [`${objectName}.${plainField}`, plainField],
        defaultMessage: plainField,
        code: plainField,
      },
    ],
    defaultMessage,
    objectName,
    field,
    bindingFailure: false,
    code,
  };
  if (rejectedValue !== undefined && rejectedValue !== null) {
    error.rejectedValue = rejectedValue;
  }
  return error;
}
