/** A minimal XML reader for tests of our own generated XML (no comments, CDATA or DTDs in it). */
export interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function unescape(value: string): string {
  return value.replace(/&(lt|gt|amp|apos|quot);/g, (_, e: string) => ENTITIES[e]);
}

export function parseXml(xml: string): XmlNode {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlNode = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const token = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let match: RegExpExecArray | null;
  while ((match = token.exec(body)) !== null) {
    const [, closing, name, attrs, selfClosing, text] = match;
    const top = stack[stack.length - 1];
    if (text !== undefined) {
      top.text += unescape(text);
      continue;
    }
    if (closing) {
      if (top.name !== name) {
        throw new Error(`mismatched </${name}>, open is <${top.name}>`);
      }
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of (attrs ?? '').matchAll(/([\w:.-]+)="([^"]*)"/g)) {
      attributes[a[1]] = unescape(a[2]);
    }
    const node: XmlNode = { name, attributes, children: [], text: '' };
    top.children.push(node);
    if (!selfClosing) {
      stack.push(node);
    }
  }
  if (stack.length !== 1) {
    throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  }
  return root.children[0];
}

export function child(node: XmlNode, name: string): XmlNode {
  const found = node.children.find((c) => c.name === name);
  if (!found) {
    throw new Error(`<${node.name}> has no <${name}>`);
  }
  return found;
}
