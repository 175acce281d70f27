/**
 * Properties of the event-pattern matcher over generated patterns and events: it is total, `$or`
 * is exactly a disjunction wherever it stands, and wildcard matching agrees with an escaped regular
 * expression used as an oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../../shared/route/event-pattern.ts';

const NUM_RUNS = 2_000;

const KEYS = ['a', 'b', 'c'] as const;
const STRINGS = ['', 'x', 'X', 'xy', 'a*b', 'us-east-1', '10.0.0.7', '2001:db8::1', '5', 'null'] as const;
const NUMBERS = [0, 1, 5, -3, 2.5, 5e9, 6e9] as const;

const scalar = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.string({ maxLength: 4 }),
  fc.constantFrom(...NUMBERS),
  fc.boolean(),
  fc.constant(null),
);

/** Events over a few keys, so that generated patterns often meet the fields they name. */
const { event } = fc.letrec((tie) => ({
  value: fc.oneof({ maxDepth: 4, depthIdentifier: 'event' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { minKeys: 1, maxKeys: 3 }),
  event: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { minKeys: 2, maxKeys: 3 }),
}));

const someString = fc.constantFrom(...STRINGS);
const nonEmptyString = fc.constantFrom('x', 'us-', '-1', 'a');
const wildcard = fc.constantFrom('*', 'x*', '*y', 'a\\*b', 'us*-*-1', '*.*');

/** One valid value matcher of each kind EventBridge offers. */
const matcher = fc.oneof(
  someString,
  fc.constantFrom(...NUMBERS.filter((n) => Math.abs(n) <= 5e9)),
  fc.boolean(),
  fc.constant(null),
  someString.map((prefix) => ({ prefix })),
  someString.map((suffix) => ({ suffix })),
  someString.map((s) => ({ prefix: { 'equals-ignore-case': s } })),
  someString.map((s) => ({ suffix: { 'equals-ignore-case': s } })),
  someString.map((s) => ({ 'equals-ignore-case': s })),
  someString.map((s) => ({ 'anything-but': s })),
  fc.constantFrom(0, 1, 5).map((n) => ({ 'anything-but': n })),
  fc.uniqueArray(someString, { minLength: 1, maxLength: 3 }).map((list) => ({ 'anything-but': list })),
  fc
    .uniqueArray(fc.constantFrom(0, 1, 5, -3), { minLength: 1, maxLength: 3 })
    .map((list) => ({ 'anything-but': list })),
  nonEmptyString.map((prefix) => ({ 'anything-but': { prefix } })),
  nonEmptyString.map((suffix) => ({ 'anything-but': { suffix } })),
  someString.map((s) => ({ 'anything-but': { 'equals-ignore-case': s } })),
  wildcard.map((w) => ({ 'anything-but': { wildcard: w } })),
  fc
    .constantFrom('=', '<', '<=', '>', '>=')
    .chain((op) => fc.integer({ min: -10, max: 10 }).map((n) => ({ numeric: [op, n] }))),
  fc
    .tuple(
      fc.constantFrom('>', '>='),
      fc.integer({ min: -10, max: 10 }),
      fc.constantFrom('<', '<='),
      fc.integer({ min: 1, max: 10 }),
    )
    .map(([low, n, high, width]) => ({ numeric: [low, n, high, n + width] })),
  fc.boolean().map((exists) => ({ exists })),
  fc.constantFrom('10.0.0.0/8', '2001:db8::/32', '0.0.0.0/0').map((cidr) => ({ cidr })),
  wildcard.map((w) => ({ wildcard: w })),
);

/** Valid patterns without `$or`, nested up to three levels. */
const { pattern } = fc.letrec((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'pattern' },
    fc.array(matcher, { minLength: 1, maxLength: 3 }),
    tie('pattern'),
  ),
  pattern: fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { minKeys: 1, maxKeys: 2 }),
}));

describe('the matcher over generated patterns and events', () => {
  it('compiles every valid pattern and answers a boolean for every event, without throwing', () => {
    fc.assert(
      fc.property(pattern, fc.oneof(event, fc.anything(), fc.jsonValue()), (p, e) => {
        const match = compilePattern(p);
        expect(typeof match(e)).toBe('boolean');
        // The JSON text of the pattern is the same pattern.
        expect(compilePattern(JSON.stringify(p))(e)).toBe(match(e));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('$or: [A, B] matches exactly when A matches or B matches', () => {
    fc.assert(
      fc.property(pattern, pattern, event, (a, b, e) => {
        expect(compilePattern({ $or: [a, b] })(e)).toBe(compilePattern(a)(e) || compilePattern(b)(e));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('$or inside a field equals $or of that field, arrays of objects included', () => {
    fc.assert(
      fc.property(pattern, pattern, event, fc.constantFrom(...KEYS), (a, b, e, k) => {
        const inner = compilePattern({ [k]: { $or: [a, b] } })(e);
        expect(inner).toBe(compilePattern({ $or: [{ [k]: a }, { [k]: b }] })(e));
        expect(inner).toBe(compilePattern({ [k]: a })(e) || compilePattern({ [k]: b })(e));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('matches JSON values as JSON: an event and its JSON round trip get the same answer', () => {
    fc.assert(
      fc.property(pattern, event, (p, e) => {
        const match = compilePattern(p);
        expect(match(JSON.parse(JSON.stringify(e)))).toBe(match(e));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('wildcard matching', () => {
  /** Wildcard tokens: literals, a star, and an escaped (literal) star; never two stars in a row. */
  const tokens = fc
    .array(fc.constantFrom('a', 'b', '.', '*', '\\*'), { maxLength: 8 })
    .map((list) => list.filter((token, i) => !(token === '*' && list[i - 1] === '*')));
  const text = fc
    .array(fc.constantFrom('a', 'b', '.', '*'), { maxLength: 10 })
    .map((chars) => chars.join(''));
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('agrees with an anchored regular expression built from its escaped literals', () => {
    fc.assert(
      fc.property(tokens, text, (list, t) => {
        // Only this test oracle builds a regular expression, and it escapes every literal.
        const source = list.map((token) =>
          token === '*' ? '.*' : escapeRegExp(token === '\\*' ? '*' : token),
        );
        const oracle = new RegExp(`^${source.join('')}$`, 's');
        expect(compilePattern({ v: [{ wildcard: list.join('') }] })({ v: t })).toBe(oracle.test(t));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
