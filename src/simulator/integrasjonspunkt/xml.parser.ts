/**
 * A small, namespace-aware, non-validating XML parser: enough to read an arkivmelding.xml the way the IP's
 * JAXB unmarshaller does (well-formedness enforced, namespaces resolved, no DTDs). Not a general-purpose parser.
 */
export interface XmlElement {
  namespace: string;
  localName: string;
  /** Attributes by expanded name: `{namespace}local`, or just `local` when unqualified. */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** The element's own character data (CDATA included), children's text excluded. */
  text: string;
  /** Prefix → namespace in scope here, for QName-valued attributes such as `xsi:type`. */
  namespaces: Map<string, string>;
}

export class XmlParseError extends Error {}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const NAME =
  /^[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?$/;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, where: number): string {
  return raw.replace(/&([^;&<]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) {
      throw new XmlParseError(`unterminated entity reference near offset ${where}`);
    }
    if (name.startsWith('#x') || name.startsWith('#X')) {
      return codePoint(Number.parseInt(name.slice(2), 16), where);
    }
    if (name.startsWith('#')) {
      return codePoint(Number.parseInt(name.slice(1), 10), where);
    }
    const value = ENTITIES[name];
    if (value === undefined) {
      throw new XmlParseError(`undeclared entity &${name}; near offset ${where}`);
    }
    return value;
  });
}

function codePoint(value: number, where: number): string {
  if (!Number.isInteger(value) || value <= 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    throw new XmlParseError(`invalid character reference near offset ${where}`);
  }
  return String.fromCodePoint(value);
}

/** Decodes the bytes per the BOM / XML declaration (UTF-8 unless declared otherwise). */
export function decodeXmlBytes(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
  }
  const head = bytes.subarray(0, 200).toString('latin1');
  const declared = /^(?:\uFEFF|\xEF\xBB\xBF)?<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  const encoding = (declared ?? 'utf-8').toLowerCase();
  try {
    const text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch (error) {
    throw new XmlParseError(`cannot decode as ${encoding}: ${(error as Error).message}`);
  }
}

interface OpenElement {
  qname: string;
  element: XmlElement;
}

export function parseXml(source: string): XmlElement {
  let pos = 0;
  let root: XmlElement | undefined;
  const stack: OpenElement[] = [];

  const fail = (message: string): never => {
    throw new XmlParseError(`${message} at offset ${pos}`);
  };

  const appendText = (text: string): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (text.trim() !== '') {
        fail('content outside the root element');
      }
      return;
    }
    top.element.text += text;
  };

  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    if (lt === -1) {
      appendText(decodeEntities(source.slice(pos), pos));
      pos = source.length;
      break;
    }
    if (lt > pos) {
      const raw = source.slice(pos, lt);
      if (raw.includes(']]>')) {
        fail("']]>' in character data");
      }
      appendText(decodeEntities(raw, pos));
      pos = lt;
    }
    if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos + 4);
      if (end === -1) {
        fail('unterminated comment');
      }
      pos = end + 3;
    } else if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos + 9);
      if (end === -1 || stack.length === 0) {
        fail('CDATA section outside an element or unterminated');
      }
      appendText(source.slice(pos + 9, end));
      pos = end + 3;
    } else if (source.startsWith('<!DOCTYPE', pos) || source.startsWith('<!', pos)) {
      // The IP's JAXB setup resolves no DTDs; treat any declaration as a fatal error (no XXE, no entity bombs).
      fail('DOCTYPE is disallowed');
    } else if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos + 2);
      if (end === -1) {
        fail('unterminated processing instruction');
      }
      const target = /^<\?([^\s?]+)/.exec(source.slice(pos, end))?.[1] ?? '';
      if (target.toLowerCase() === 'xml' && (pos !== 0 || root !== undefined)) {
        fail('XML declaration not at the start');
      }
      pos = end + 2;
    } else if (source.startsWith('</', pos)) {
      const end = source.indexOf('>', pos);
      if (end === -1) {
        fail('unterminated end tag');
      }
      const name = source.slice(pos + 2, end).trim();
      const open = stack.pop();
      if (open === undefined || open.qname !== name) {
        fail(`end tag </${name}> does not match`);
      }
      pos = end + 1;
    } else {
      pos = readStartTag(source, pos, stack, fail, (element) => {
        if (root !== undefined) {
          fail('more than one root element');
        }
        root = element;
      });
    }
  }
  if (stack.length > 0) {
    throw new XmlParseError(`unclosed element <${stack[stack.length - 1].qname}>`);
  }
  if (root === undefined) {
    throw new XmlParseError('no root element');
  }
  return root;
}

function readStartTag(
  source: string,
  start: number,
  stack: OpenElement[],
  fail: (message: string) => never,
  onRoot: (element: XmlElement) => void,
): number {
  let pos = start + 1;
  const nameMatch = /^[^\s/>]+/.exec(source.slice(pos, pos + 1000));
  if (nameMatch === null || !NAME.test(nameMatch[0])) {
    fail('invalid element name');
  }
  const qname = nameMatch[0];
  pos += qname.length;
  const rawAttributes: [string, string][] = [];
  let selfClosing = false;
  for (;;) {
    const ws = /^\s*/.exec(source.slice(pos, pos + 10_000))?.[0].length ?? 0;
    pos += ws;
    if (pos >= source.length) {
      fail('unterminated start tag');
    }
    if (source.startsWith('/>', pos)) {
      selfClosing = true;
      pos += 2;
      break;
    }
    if (source[pos] === '>') {
      pos += 1;
      break;
    }
    if (ws === 0) {
      fail('whitespace required before attribute');
    }
    const attr = /^([^\s=/>]+)\s*=\s*(["'])/.exec(source.slice(pos, pos + 1000));
    if (attr === null || !NAME.test(attr[1])) {
      fail('malformed attribute');
    }
    const [whole, name, quote] = attr;
    const valueStart = pos + whole.length;
    const valueEnd = source.indexOf(quote, valueStart);
    if (valueEnd === -1) {
      fail('unterminated attribute value');
    }
    const raw = source.slice(valueStart, valueEnd);
    if (raw.includes('<')) {
      fail("'<' in attribute value");
    }
    if (rawAttributes.some(([n]) => n === name)) {
      fail(`duplicate attribute ${name}`);
    }
    rawAttributes.push([name, decodeEntities(raw, valueStart).replace(/[\t\n\r]/g, ' ')]);
    pos = valueEnd + 1;
  }

  const parent = stack[stack.length - 1]?.element;
  const namespaces = new Map(parent?.namespaces ?? [['xml', XML_NS]]);
  for (const [name, value] of rawAttributes) {
    if (name === 'xmlns') {
      namespaces.set('', value);
    } else if (name.startsWith('xmlns:')) {
      if (value === '') {
        fail(`empty namespace for prefix ${name.slice(6)}`);
      }
      namespaces.set(name.slice(6), value);
    }
  }
  const resolve = (name: string, isElement: boolean): { namespace: string; localName: string } => {
    const colon = name.indexOf(':');
    if (colon === -1) {
      return { namespace: isElement ? (namespaces.get('') ?? '') : '', localName: name };
    }
    const namespace = namespaces.get(name.slice(0, colon));
    if (namespace === undefined) {
      fail(`unbound prefix ${name.slice(0, colon)}`);
    }
    return { namespace: namespace, localName: name.slice(colon + 1) };
  };
  const { namespace, localName } = resolve(qname, true);
  const attributes = new Map<string, string>();
  for (const [name, value] of rawAttributes) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      continue;
    }
    const resolved = resolve(name, false);
    const key = resolved.namespace === '' ? resolved.localName : `{${resolved.namespace}}${resolved.localName}`;
    if (attributes.has(key)) {
      fail(`duplicate attribute ${key}`);
    }
    attributes.set(key, value);
  }
  const element: XmlElement = { namespace, localName, attributes, children: [], text: '', namespaces };
  if (parent === undefined) {
    onRoot(element);
  } else {
    parent.children.push(element);
  }
  if (!selfClosing) {
    stack.push({ qname, element });
  }
  return pos;
}
