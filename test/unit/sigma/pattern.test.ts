import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchor, anyPatternTest, type Pattern, parseSigmaString } from '../../../shared/sigma/pattern.ts';

const pattern = (text: string, cased = false): Pattern => ({ parts: parseSigmaString(text), cased });
const test = (text: string, value: string, cased = false) => anyPatternTest([pattern(text, cased)])(value);

describe('Sigma string escaping (specification, "Escape Character")', () => {
  it('reads * and ? as wildcards', () => {
    expect(parseSigmaString('a*b?c')).toEqual([
      { literal: 'a' },
      { wildcard: '*' },
      { literal: 'b' },
      { wildcard: '?' },
      { literal: 'c' },
    ]);
  });

  it('reads \\* and \\? as plain characters', () => {
    expect(parseSigmaString('a\\*b\\?')).toEqual([{ literal: 'a*b?' }]);
  });

  it('keeps a backslash before any other character (C:\\Windows)', () => {
    expect(parseSigmaString('C:\\Windows\\x')).toEqual([{ literal: 'C:\\Windows\\x' }]);
  });

  it('reads \\\\* as a backslash followed by a wildcard', () => {
    expect(parseSigmaString('a\\\\*')).toEqual([{ literal: 'a\\' }, { wildcard: '*' }]);
  });

  it('reads \\\\\\* as a backslash followed by a plain star', () => {
    expect(parseSigmaString('a\\\\\\*')).toEqual([{ literal: 'a\\*' }]);
  });

  it('reads three or four backslashes as two', () => {
    expect(parseSigmaString('\\\\\\\\')).toEqual([{ literal: '\\\\' }]);
    expect(parseSigmaString('\\\\\\')).toEqual([{ literal: '\\\\' }]);
  });

  it('merges runs of stars', () => {
    expect(parseSigmaString('a**b')).toEqual([{ literal: 'a' }, { wildcard: '*' }, { literal: 'b' }]);
  });
});

describe('pattern matching', () => {
  it('matches exactly, case-insensitively by default', () => {
    expect(test('StopLogging', 'stoplogging')).toBe(true);
    expect(test('StopLogging', 'StopLoggingX')).toBe(false);
    expect(test('StopLogging', 'XStopLogging')).toBe(false);
  });

  it('respects case when the value is cased', () => {
    expect(test('StopLogging', 'stoplogging', true)).toBe(false);
    expect(test('StopLogging', 'StopLogging', true)).toBe(true);
  });

  it('treats regex metacharacters in values as plain text', () => {
    expect(test('a.b(c)[d]+$^|', 'a.b(c)[d]+$^|')).toBe(true);
    expect(test('a.b', 'axb')).toBe(false);
  });

  it('? matches exactly one character, * any run including none', () => {
    expect(test('prog?.exe', 'progA.exe')).toBe(true);
    expect(test('prog?.exe', 'prog.exe')).toBe(false);
    expect(test('prog*.exe', 'prog.exe')).toBe(true);
    expect(test('prog*.exe', 'progAB12.exe')).toBe(true);
  });

  it('matches inner stars with the segment matcher', () => {
    expect(
      test('*"arn:aws:s3:::<YOUR-BUCKET-NAME>/*"*', '{"Resource":"arn:aws:s3:::<YOUR-BUCKET-NAME>/*"}'),
    ).toBe(true);
    expect(test('a*b*c', 'a-b-c')).toBe(true);
    expect(test('a*b*c', 'a-c-b')).toBe(false);
    expect(test('a*b*c', 'abc')).toBe(true);
    expect(test('ab*ba', 'aba')).toBe(false); // head and tail may not overlap
    expect(test('A*?Z', 'ayZ')).toBe(true);
    expect(test('A*?Z', 'AZ')).toBe(false);
  });

  it('an escaped star matches only a star', () => {
    expect(test('a\\*b', 'a*b')).toBe(true);
    expect(test('a\\*b', 'axb')).toBe(false);
  });

  it('a lone * matches every string, the empty pattern only the empty string', () => {
    expect(test('*', '')).toBe(true);
    expect(test('*', 'anything')).toBe(true);
    expect(test('', '')).toBe(true);
    expect(test('', 'x')).toBe(false);
  });

  it('contains / startswith / endswith wrap the value in stars', () => {
    const contains = anyPatternTest([
      { parts: anchor(parseSigmaString('S3 Browser'), 'contains'), cased: false },
    ]);
    const starts = anyPatternTest([
      { parts: anchor(parseSigmaString('Update'), 'startswith'), cased: false },
    ]);
    const ends = anyPatternTest([{ parts: anchor(parseSigmaString('.exe'), 'endswith'), cased: false }]);
    expect(contains('S3 Browser 10.9.9 https://s3browser.com')).toBe(true);
    expect(contains('aws-cli/2.0')).toBe(false);
    expect(starts('UpdateFunctionConfiguration20150331v2')).toBe(true);
    expect(starts('xUpdate')).toBe(false);
    expect(ends('C:\\cmd.EXE')).toBe(true);
    expect(ends('cmd.exe.bak')).toBe(false);
  });

  it('a list matches when any of its patterns does, across simple and glob patterns', () => {
    const t = anyPatternTest([
      pattern('DeleteTrail'),
      pattern('Stop*ing'),
      pattern('a*b*c'),
      pattern('X', true),
    ]);
    expect(t('deletetrail')).toBe(true);
    expect(t('StopLogging')).toBe(true);
    expect(t('aXbXc')).toBe(true);
    expect(t('X')).toBe(true);
    expect(t('x')).toBe(false);
    expect(t('UpdateTrail')).toBe(false);
  });

  it('agrees with a reference regex on random patterns and values (differential)', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', '\\');
    const textAlphabet = fc.constantFrom('a', 'b', 'A', '*', '?', '\\');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 8 }),
        fc.string({ unit: textAlphabet, maxLength: 10 }),
        (p, v) => {
          const parts = parseSigmaString(p);
          const source = parts
            .map((x) =>
              'literal' in x
                ? x.literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
                : x.wildcard === '*'
                  ? '[\\s\\S]*'
                  : '[\\s\\S]',
            )
            .join('');
          const reference = new RegExp(`^${source}$`, 'i');
          expect(anyPatternTest([{ parts, cased: false }])(v)).toBe(reference.test(v));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the length and first/last-character gate never changes an answer (lists, anchors, Unicode case pairs)', () => {
    // Kelvin sign, long s and dotted I fold to ASCII letters under toLowerCase/toUpperCase, but a
    // regex without `u` never matches them against ASCII: the gate must agree with the regex.
    const unit = fc.constantFrom('a', 'k', 'K', 's', 'i', '?', '-', '\u212a', '\u017f', '\u0130');
    const valueUnit = fc.constantFrom(
      'a',
      'A',
      'k',
      'K',
      's',
      'S',
      'i',
      'I',
      '-',
      '\u212a',
      '\u017f',
      '\u0130',
    );
    const how = fc.constantFrom('exact', 'contains', 'startswith', 'endswith') as fc.Arbitrary<
      'exact' | 'contains' | 'startswith' | 'endswith'
    >;
    const one = fc.record({ text: fc.string({ unit, maxLength: 4 }), how, cased: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(one, { minLength: 1, maxLength: 3 }),
        fc.string({ unit: valueUnit, maxLength: 6 }),
        (ps, v) => {
          const patterns = ps.map(({ text, how: h, cased }) => {
            const parts = parseSigmaString(text);
            return { parts: h === 'exact' ? parts : anchor(parts, h), cased };
          });
          const reference = patterns.some(({ parts, cased }) => {
            const source = parts
              .map((x) =>
                'literal' in x
                  ? x.literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
                  : x.wildcard === '*'
                    ? '[\\s\\S]*'
                    : '[\\s\\S]',
              )
              .join('');
            return new RegExp(`^${source}$`, cased ? '' : 'i').test(v);
          });
          expect(anyPatternTest(patterns)(v)).toBe(reference);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('terminates on a hostile value against a many-star pattern (no backtracking blow-up)', () => {
    // A backtracking regex for *a*a*a*a*b on 20k "a"s is polynomial; the segment matcher is linear per segment.
    const t = anyPatternTest([pattern('*a*a*a*a*a*a*b')]);
    expect(t('a'.repeat(20_000))).toBe(false);
    expect(t(`${'a'.repeat(20_000)}b`)).toBe(true);
  });
});
