import { decodeXmlBytes, parseXml, XmlParseError } from './xml.parser';

describe('parseXml', () => {
  it('resolves namespaces, entities, CDATA and attributes', () => {
    const root = parseXml(
      '<?xml version="1.0"?><a:root xmlns:a="urn:a" xmlns="urn:d" x="1 &amp; 2"><child>t&lt;1&#x41;<![CDATA[<raw>]]></child><!-- c --><a:other/></a:root>',
    );
    expect(root).toMatchObject({ namespace: 'urn:a', localName: 'root' });
    expect(root.attributes.get('x')).toBe('1 & 2');
    expect(root.children.map((c) => [c.namespace, c.localName])).toEqual([
      ['urn:d', 'child'],
      ['urn:a', 'other'],
    ]);
    expect(root.children[0].text).toBe('t<1A<raw>');
    expect(root.children[0].namespaces.get('a')).toBe('urn:a');
  });

  it.each([
    ['<a><b></a>', 'mismatched end tag'],
    ['<a></a><b/>', 'two roots'],
    ['<a>&nbsp;</a>', 'undeclared entity'],
    ['<p:a/>', 'unbound prefix'],
    ['<a x="1" x="2"/>', 'duplicate attribute'],
    ['<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', 'a DOCTYPE'],
    ['<a', 'an unterminated tag'],
    ['text', 'no root element'],
    ['<a x="1"y="2"/>', 'attributes without whitespace'],
  ])('rejects %s (%s)', (xml) => {
    expect(() => parseXml(xml)).toThrow(XmlParseError);
  });

  it('decodes by BOM and declared encoding, and rejects invalid UTF-8', () => {
    expect(decodeXmlBytes(Buffer.from('\uFEFF<a>ø</a>', 'utf8'))).toBe('<a>ø</a>');
    expect(decodeXmlBytes(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>ø</a>', 'latin1'))).toContain(
      '<a>ø</a>',
    );
    expect(() => decodeXmlBytes(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]))).toThrow(XmlParseError);
  });
});
