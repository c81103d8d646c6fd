import { SaxesParser } from 'saxes';

/** One element of a parsed document: namespace-resolved, children in order, its own text concatenated. */
export interface XmlElement {
  namespace: string;
  localName: string;
  /** Unqualified attributes by local name; qualified ones as `{namespace}local`. */
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
}

/** Why the bytes are not a document we read: the reader's "does not parse". */
export class XmlRejectedError extends Error {}

/** Far above any Melding Brreg writes (its PDFs travel as entries, not inline), far below a memory problem. */
export const MAX_XML_BYTES = 8 * 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_ELEMENTS = 100_000;

/**
 * Parses content from outside, which is hostile until checked (issue 12, point 4). saxes never reads a DTD,
 * never expands a declared entity and never opens a file, so XXE and "billion laughs" cannot happen here; on
 * top of that a DOCTYPE is refused outright (no Melding carries one), as is anything but UTF-8, more than
 * MAX_XML_BYTES, deeper than MAX_DEPTH or more than MAX_ELEMENTS elements.
 */
export function parseXmlDocument(bytes: Buffer): XmlElement {
  if (bytes.length > MAX_XML_BYTES) {
    throw new XmlRejectedError(`larger than ${MAX_XML_BYTES} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new XmlRejectedError('not UTF-8');
  }
  return parseXmlText(text);
}

export function parseXmlText(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let failure: Error | undefined;
  const fail = (message: string) => {
    failure ??= new XmlRejectedError(message);
    throw failure;
  };
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) {
      fail(`declares encoding ${decl.encoding}; only UTF-8 is read`);
    }
  });
  parser.on('doctype', () => fail('has a DOCTYPE (DTDs are never processed)'));
  parser.on('opentag', (tag) => {
    elements += 1;
    if (elements > MAX_ELEMENTS || stack.length >= MAX_DEPTH) {
      fail('too many or too deeply nested elements');
    }
    const attributes = new Map<string, string>();
    for (const attribute of Object.values(tag.attributes)) {
      if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') {
        continue;
      }
      attributes.set(attribute.uri ? `{${attribute.uri}}${attribute.local}` : attribute.local, attribute.value);
    }
    const element: XmlElement = {
      namespace: tag.uri,
      localName: tag.local,
      attributes,
      children: [],
      text: '',
    };
    if (stack.length > 0) {
      stack[stack.length - 1].children.push(element);
    } else {
      root = element;
    }
    stack.push(element);
  });
  parser.on('text', (value) => {
    if (stack.length > 0) {
      stack[stack.length - 1].text += value;
    }
  });
  parser.on('cdata', (value) => {
    if (stack.length > 0) {
      stack[stack.length - 1].text += value;
    }
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('error', (error) => {
    failure ??= new XmlRejectedError(error.message);
    throw failure;
  });
  try {
    parser.write(text).close();
  } catch (error) {
    throw failure ?? new XmlRejectedError((error as Error).message);
  }
  if (failure) {
    throw failure;
  }
  if (!root) {
    throw new XmlRejectedError('no root element');
  }
  return root;
}
