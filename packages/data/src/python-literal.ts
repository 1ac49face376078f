// A reader for the Python literals a .npy header holds: a dict of strings,
// booleans, integers and tuples or lists of them (NumPy writes it with repr()).

/** A parsed literal: dicts become null-prototype records, tuples and lists arrays. */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Parses one Python literal; throws an `Error` whose message says what and where (the caller wraps it). */
export function parsePythonLiteral(text: string): PyValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${pos}`);
  };
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const value = (): PyValue => {
    skip();
    const c = text[pos];
    if (c === undefined) return fail('unexpected end');
    if (c === '{') return dict();
    if (c === '(') return sequence(')');
    if (c === '[') return sequence(']');
    if (c === "'" || c === '"') return str(c);
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(pos));
    if (word === null) return fail(`unexpected '${c}'`);
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace('L', ''));
  };
  const str = (quote: string): string => {
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') pos++;
      out += text[pos] ?? '';
      pos++;
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return out;
  };
  const sequence = (close: string): PyValue[] => {
    pos++;
    const out: PyValue[] = [];
    for (;;) {
      skip();
      if (text[pos] === close) break;
      out.push(value());
      skip();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
    pos++;
    return out;
  };
  const dict = (): { [key: string]: PyValue } => {
    pos++;
    const out: { [key: string]: PyValue } = Object.create(null) as { [key: string]: PyValue };
    for (;;) {
      skip();
      if (text[pos] === '}') break;
      const key = value();
      if (typeof key !== 'string') fail('expected a string key');
      skip();
      if (text[pos] !== ':') fail("expected ':'");
      pos++;
      out[key as string] = value();
      skip();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== '}') fail("expected ',' or '}'");
    }
    pos++;
    return out;
  };
  const result = value();
  skip();
  if (pos !== text.length) fail('unexpected text after the literal');
  return result;
}
