/**
 * `re` values come from rule files, which Vigil treats as hostile as log content: a regex with
 * catastrophic backtracking would stall the detector on one crafted record. JavaScript has no
 * regex timeout, so the defence is static plus a bound on the input:
 *
 * 1. refuse constructs that backtrack exponentially — a repeated group (`*`, `+`, `{n,}`,
 *    `{n,m}` with m > 1) whose body itself repeats or alternates, as in `(a+)+` or `(a|aa)*` —
 *    and backreferences, which the Sigma regex flavour does not include anyway;
 * 2. refuse more than MAX_UNBOUNDED unbounded quantifiers, since each one can multiply the work
 *    by the input length;
 * 3. test at most MAX_RE_INPUT characters of any value (the first ones): the remaining
 *    polynomial worst case is then bounded. The cost is that a `$`-anchored pattern cannot see
 *    the end of a longer value; the alternative (no match at all on long values) would let an
 *    attacker hide by padding, which is worse.
 * 4. compile inside try/catch: PCRE-only syntax that JavaScript rejects is reported, not thrown.
 */

export const MAX_RE_INPUT = 4096;
export const MAX_RE_SOURCE = 1024;
const MAX_UNBOUNDED = 4;

export type RegexCheck = { ok: true; regex: RegExp } | { ok: false; reason: string };

export function compileGuardedRegex(source: string, flags: string): RegexCheck {
  if (source.length > MAX_RE_SOURCE) {
    return { ok: false, reason: `regex longer than ${MAX_RE_SOURCE} characters` };
  }
  const risk = backtrackingRisk(source);
  if (risk) return { ok: false, reason: `regex '${clip(source)}' refused: ${risk}` };
  try {
    return { ok: true, regex: new RegExp(source, flags) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, reason: `regex '${clip(source)}' does not compile in JavaScript (${why})` };
  }
}

/** Tests a value against a guarded regex, looking at no more than MAX_RE_INPUT characters. */
export const guardedTest = (regex: RegExp, value: string): boolean =>
  regex.test(value.length > MAX_RE_INPUT ? value.slice(0, MAX_RE_INPUT) : value);

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

interface GroupState {
  repeats: boolean; // the body contains a quantifier that allows repetition
  alternates: boolean; // the body contains `|`
}

/** Returns why the pattern is risky, or undefined. A small scanner, not a full regex parser. */
export function backtrackingRisk(source: string): string | undefined {
  const stack: GroupState[] = [{ repeats: false, alternates: false }];
  let unbounded = 0;
  let closed: GroupState | undefined; // the group that just closed, if the next token quantifies it
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    const top = stack[stack.length - 1] as GroupState;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not supported';
      i++;
      closed = undefined;
      continue;
    }
    if (c === '[') {
      // Skip the class: quantifier characters inside it are literals.
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      i = j;
      closed = undefined;
      continue;
    }
    if (c === '(') {
      stack.push({ repeats: false, alternates: false });
      // `(?:`, lookarounds and named groups: their `?` is syntax, not a quantifier.
      const prefix = /^\(\?(?::|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(source.slice(i, i + 40));
      if (prefix) i += prefix[0].length - 1;
      closed = undefined;
      continue;
    }
    if (c === ')') {
      const group = stack.length > 1 ? (stack.pop() as GroupState) : top;
      const parent = stack[stack.length - 1] as GroupState;
      parent.repeats ||= group.repeats;
      closed = group;
      continue;
    }
    if (c === '|') {
      top.alternates = true;
      closed = undefined;
      continue;
    }
    const quantifier = readQuantifier(source, i);
    if (quantifier) {
      if (quantifier.unbounded) unbounded++;
      if (quantifier.repeats) {
        if (closed && (closed.repeats || closed.alternates)) {
          return 'nested quantifier or alternation under repetition (catastrophic backtracking)';
        }
        top.repeats = true;
      }
      i = quantifier.end;
      // A lazy or possessive suffix belongs to the same quantifier.
      if (source[i + 1] === '?' || source[i + 1] === '+') i++;
      closed = undefined;
      continue;
    }
    closed = undefined;
  }
  if (unbounded > MAX_UNBOUNDED) return `more than ${MAX_UNBOUNDED} unbounded quantifiers`;
  return undefined;
}

function readQuantifier(
  source: string,
  i: number,
): { repeats: boolean; unbounded: boolean; end: number } | undefined {
  const c = source[i];
  if (c === '*' || c === '+') return { repeats: true, unbounded: true, end: i };
  if (c === '?') return { repeats: false, unbounded: false, end: i };
  if (c !== '{') return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (!m) return undefined; // a literal brace
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
  return { repeats: max > 1, unbounded: max === Number.POSITIVE_INFINITY, end: i + m[0].length - 1 };
}
