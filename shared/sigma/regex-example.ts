/**
 * A string that a simple regex matches, for generated test cases: the first alternative of
 * every alternation, the minimum count of every quantifier, the first member of every class.
 * Covers the Sigma regex flavour (literals, `.`, anchors, classes, groups, `|`, `* + ? {n,m}`);
 * returns undefined for anything else (lookarounds, backreferences). The caller verifies the
 * result against the real regex and reports the rule's example as not derivable if it fails.
 */
export function regexExample(source: string): string | undefined {
  let i = 0;
  let failed = false;

  const alternation = (): string => {
    const first = sequence();
    while (source[i] === '|') {
      i++;
      sequence();
    }
    return first;
  };

  const sequence = (): string => {
    let out = '';
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      const a = atom();
      out += a.repeat(quantifier());
    }
    return out;
  };

  const atom = (): string => {
    const c = source[i++] as string;
    if (c === '(') {
      if (source[i] === '?') {
        if (source[i + 1] === ':') i += 2;
        else if (source[i + 1] === '<' && /[A-Za-z_]/.test(source[i + 2] ?? ''))
          i = source.indexOf('>', i) + 1;
        else failed = true; // lookaround or inline flags
      }
      const inner = alternation();
      if (source[i] !== ')') failed = true;
      i++;
      return inner;
    }
    if (c === '[') return characterClass();
    if (c === '\\') return escaped(source[i++] ?? '');
    if (c === '.') return 'x';
    if (c === '^' || c === '$') return '';
    return c;
  };

  const escaped = (e: string): string => {
    if (/[1-9k]/.test(e)) failed = true;
    const table: Record<string, string> = {
      d: '0',
      w: 'a',
      s: ' ',
      D: 'a',
      W: '-',
      S: 'a',
      b: '',
      B: '',
      n: '\n',
      t: '\t',
      r: '\r',
    };
    return table[e] ?? e;
  };

  const characterClass = (): string => {
    const negated = source[i] === '^';
    if (negated) i++;
    const members: string[] = [];
    const ranges: [string, string][] = [];
    let first = true;
    while (i < source.length && (source[i] !== ']' || first)) {
      first = false;
      let c = source[i++] as string;
      if (c === '\\') c = escaped(source[i++] ?? '') || 'a';
      if (source[i] === '-' && source[i + 1] !== ']' && i + 1 < source.length) {
        i++;
        let end = source[i++] as string;
        if (end === '\\') end = source[i++] ?? end;
        ranges.push([c, end]);
      } else {
        members.push(c);
      }
    }
    i++; // ]
    const inClass = (ch: string) => members.includes(ch) || ranges.some(([a, b]) => ch >= a && ch <= b);
    if (!negated) return members[0] ?? ranges[0]?.[0] ?? 'a';
    return ['a', 'x', 'Z', '0', '-', '_', ' '].find((ch) => !inClass(ch)) ?? '~';
  };

  const quantifier = (): number => {
    const c = source[i];
    let n = 1;
    if (c === '*' || c === '?') {
      n = 0;
      i++;
    } else if (c === '+') {
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(source.slice(i, i + 24));
      if (m) {
        n = Number(m[1]);
        i += m[0].length;
      }
    }
    if (source[i] === '?' || source[i] === '+') i++; // lazy / possessive
    return Math.min(n, 64);
  };

  const out = alternation();
  if (i < source.length) failed = true; // an unbalanced ')'
  return failed ? undefined : out;
}
