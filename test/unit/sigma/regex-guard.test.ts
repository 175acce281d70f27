import { describe, expect, it } from 'vitest';
import { regexExample } from '../../../shared/sigma/regex-example.ts';
import {
  backtrackingRisk,
  compileGuardedRegex,
  guardedTest,
  MAX_RE_INPUT,
} from '../../../shared/sigma/regex-guard.ts';

describe('regex guard', () => {
  it.each(['(a+)+$', '(a*)*b', '(a|aa)+$', '(?:x+y?)+z', '(\\w+\\s?)*$', '([a-z]+)*@', '(a{1,5}){2,}'])(
    'refuses %s (exponential backtracking)',
    (source) => {
      expect(backtrackingRisk(source)).toContain('nested quantifier or alternation under repetition');
    },
  );

  it.each(['(a)\\1', '(?<n>a)\\k<n>'])('refuses backreference %s', (source) => {
    expect(backtrackingRisk(source)).toBe('backreferences are not supported');
  });

  it('refuses many unbounded quantifiers', () => {
    expect(backtrackingRisk('a.*b.*c.*d.*e.*f')).toBe('more than 4 unbounded quantifiers');
  });

  it.each([
    '.+:assumed-role/aws:.+',
    '(^0oa.*|[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,10})',
    '^(?:ab|cd)$',
    '(ab)+',
    '[(a+)+]x', // quantifiers inside a class are literals
    '\\(a+\\)+', // escaped parentheses are not a group
    'a{2}(b){3}',
  ])('accepts %s', (source) => {
    expect(backtrackingRisk(source)).toBeUndefined();
  });

  it('reports JavaScript compile errors instead of throwing', () => {
    const result = compileGuardedRegex('(?i)abc', '');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^regex '\(\?i\)abc' does not compile in JavaScript/);
  });

  it('refuses over-long sources', () => {
    const result = compileGuardedRegex('a'.repeat(2000), '');
    expect(result.ok).toBe(false);
  });

  it('tests only the first MAX_RE_INPUT characters of a value', () => {
    const compiled = compileGuardedRegex('needle', '');
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(guardedTest(compiled.regex, `${'x'.repeat(10)}needle`)).toBe(true);
    expect(guardedTest(compiled.regex, `${'x'.repeat(MAX_RE_INPUT)}needle`)).toBe(false);
  });
});

describe('regex examples', () => {
  it.each([
    '.+:assumed-role/aws:.+',
    '(^0oa.*|[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,10})',
    '^arn:aws:iam::\\d{12}:root$',
    '[^a-z]+x',
    '(?:ab|cd)?e{2,3}',
    '(?<name>foo)bar',
  ])('derives a string that %s matches', (source) => {
    const example = regexExample(source);
    expect(example).toBeDefined();
    expect(new RegExp(source).test(example as string)).toBe(true);
  });

  it('gives up on lookarounds and backreferences', () => {
    expect(regexExample('a(?=b)')).toBeUndefined();
    expect(regexExample('(a)\\1')).toBeUndefined();
  });
});
