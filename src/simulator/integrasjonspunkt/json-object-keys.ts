/** Jackson's token names, as they appear in the IP's deserialisation errors. */
export type JsonTokenName =
  | 'START_OBJECT'
  | 'START_ARRAY'
  | 'VALUE_STRING'
  | 'VALUE_NUMBER_INT'
  | 'VALUE_NUMBER_FLOAT'
  | 'VALUE_TRUE'
  | 'VALUE_FALSE'
  | 'VALUE_NULL';

export interface TopLevelMember {
  key: string;
  valueToken: JsonTokenName;
}

function tokenAt(text: string, pos: number): JsonTokenName {
  const c = text[pos];
  if (c === '{') {
    return 'START_OBJECT';
  }
  if (c === '[') {
    return 'START_ARRAY';
  }
  if (c === '"') {
    return 'VALUE_STRING';
  }
  if (c === 't') {
    return 'VALUE_TRUE';
  }
  if (c === 'f') {
    return 'VALUE_FALSE';
  }
  if (c === 'n') {
    return 'VALUE_NULL';
  }
  return /^-?\d+(?=[\s,}\]]|$)/.test(text.slice(pos, pos + 400)) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
}

function skipWhitespace(text: string, pos: number): number {
  while (pos < text.length && ' \t\n\r'.includes(text[pos])) {
    pos += 1;
  }
  return pos;
}

function endOfString(text: string, start: number): number {
  let pos = start + 1;
  while (pos < text.length) {
    if (text[pos] === '\\') {
      pos += 2;
    } else if (text[pos] === '"') {
      return pos + 1;
    } else {
      pos += 1;
    }
  }
  return pos;
}

function endOfValue(text: string, start: number): number {
  const c = text[start];
  if (c === '"') {
    return endOfString(text, start);
  }
  if (c !== '{' && c !== '[') {
    let pos = start;
    while (pos < text.length && !',}] \t\n\r'.includes(text[pos])) {
      pos += 1;
    }
    return pos;
  }
  let depth = 0;
  let pos = start;
  while (pos < text.length) {
    const ch = text[pos];
    if (ch === '"') {
      pos = endOfString(text, pos);
      continue;
    }
    if (ch === '{' || ch === '[') {
      depth += 1;
    } else if (ch === '}' || ch === ']') {
      depth -= 1;
      if (depth === 0) {
        return pos + 1;
      }
    }
    pos += 1;
  }
  return pos;
}

/**
 * The root token and the top-level members of a JSON text *as a streaming parser sees them*: in order and
 * with duplicates (JSON.parse keeps only the last of a repeated key; Jackson's token stream sees both).
 * Call only on text that JSON.parse accepted.
 */
export function topLevelMembers(text: string): { root: JsonTokenName; members: TopLevelMember[] } {
  let pos = skipWhitespace(text, 0);
  const root = tokenAt(text, pos);
  const members: TopLevelMember[] = [];
  if (root !== 'START_OBJECT') {
    return { root, members };
  }
  pos = skipWhitespace(text, pos + 1);
  while (pos < text.length && text[pos] !== '}') {
    const keyEnd = endOfString(text, pos);
    const key = JSON.parse(text.slice(pos, keyEnd)) as string;
    pos = skipWhitespace(text, keyEnd);
    pos = skipWhitespace(text, pos + 1);
    members.push({ key, valueToken: tokenAt(text, pos) });
    pos = skipWhitespace(text, endOfValue(text, pos));
    if (text[pos] === ',') {
      pos = skipWhitespace(text, pos + 1);
    }
  }
  return { root, members };
}
