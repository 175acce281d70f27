import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSigmaRule } from '../../../shared/sigma/load.ts';
import { compiled, compileYaml, ruleYaml } from './support.ts';

/** Selection keys and values a hostile or careless rule author might write. */
const key = fc.constantFrom(
  'eventName',
  'eventName|contains',
  'userAgent|re',
  'sourceIPAddress|cidr',
  'errorCode|exists',
  'requestParameters|contains|all',
  'userIdentity.arn|fieldref',
  'x|base64offset|contains',
  '|all',
  '__proto__',
  'constructor',
  'eventName|windash|contains',
  'a|b|c',
  '',
);
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('(a+)+', '10.0.0.0/8', '*', '\\', '%x%'),
);
const value = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 4 }), scalar, { maxKeys: 2 }),
);
const selection = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 4 }),
  fc.array(fc.dictionary(key, value, { maxKeys: 3 }), { maxLength: 3 }),
  fc.array(scalar, { maxLength: 3 }),
  scalar,
);
const condition = fc.constantFrom(
  'sel',
  'sel and not other',
  '1 of them',
  'all of s*',
  'sel | count() > 2',
  'sel | near other',
  '(sel',
  'missing',
);

describe('compiler and matcher are total (fuzz)', () => {
  it('compiling any rule shape returns an outcome and never throws', () => {
    fc.assert(
      fc.property(
        selection,
        selection,
        condition,
        fc.constantFrom('aws', 'okta', 'github'),
        (sel, other, cond, product) => {
          const outcome = compileYaml(
            ruleYaml({ sel, other, condition: cond }, { product, timeframe: '5m' }),
          );
          expect(['compiled', 'unsupported', 'invalid']).toContain(outcome.status);
          if (outcome.status === 'compiled') outcome.detection.example(); // derivation is total too
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('compiled matchers never throw on arbitrary records', () => {
    const rules = [
      compiled({
        sel: { 'requestParameters|contains|all': ['a', 'b'], 'userIdentity.arn|re': '.+:x' },
        f: ['kw'],
        condition: 'sel or f',
      }),
      compiled({
        sel: { 'sourceIPAddress|cidr': ['10.0.0.0/8', '::1/128'], errorCode: null },
        condition: 'not sel',
      }),
      compiled({
        sel: { 'userIdentity.arn|fieldref|contains': 'requestParameters.userName', eventName: 'A*b?c' },
        condition: 'sel',
      }),
    ];
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (record) => {
        for (const rule of rules) expect(typeof rule.matches(record)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('a __proto__ key in a rule or a record stays data', () => {
    const outcome = compileSigmaRule(
      'title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel:\n    __proto__: x\n  condition: sel\n',
      'p.yml',
    );
    expect(outcome.status).toBe('unsupported');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    const rule = compiled({ sel: { 'requestParameters.__proto__': 'polluted' }, condition: 'sel' });
    expect(rule.matches(JSON.parse('{"requestParameters":{"__proto__":"polluted"}}'))).toBe(true);
    expect(rule.matches({ requestParameters: {} })).toBe(false);
  });

  it('finds a key in another casing exactly when toLowerCase says the names agree', () => {
    const rule = compiled({ sel: { 'requestParameters.keyName|exists': true }, condition: 'sel' });
    const agrees = (key: string) =>
      key === 'keyName' || (key.length === 7 && key.toLowerCase() === 'keyname');
    const check = (key: string): void => {
      expect(rule.matches({ requestParameters: { [key]: 'x' } }), JSON.stringify(key)).toBe(agrees(key));
    };
    for (const key of ['KEYNAME', 'keyname', 'KeyNamE', 'keyNam', 'keyNames', 'key_ame', 'keyName'])
      check(key);
    const kelvin = String.fromCharCode(0x212a); // lower-cases to an ASCII k
    const dottedI = String.fromCharCode(0x130); // lower-cases to two units
    for (const key of [`${kelvin}eyName`, `${kelvin}EYNAME`, `keyNam${dottedI}`, `${kelvin}eyNam${dottedI}`])
      check(key);
    expect(agrees(`${kelvin}eyName`)).toBe(true);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 9, unit: 'binary' }),
          fc.mixedCase(fc.constantFrom('keyname', 'keynamf', 'key%ame', `${kelvin}eyname`)),
        ),
        check,
      ),
      { numRuns: 2000 },
    );
  });

  it('derives examples for rules naming inherited members (found by the fuzz test above)', () => {
    // GitHub's open schema accepts any top-level field.
    for (const field of ['constructor', 'toString', 'repo.__proto__', '__proto__']) {
      const outcome = compileYaml(
        ruleYaml(
          { sel: { action: 'repo.create' }, other: { [field]: 'y' }, condition: 'sel and not other' },
          { product: 'github' },
        ),
      );
      expect(outcome.status).toBe('compiled');
      if (outcome.status === 'compiled') expect(() => outcome.detection.example()).not.toThrow();
    }
  });

  it('a path naming an inherited member reads only what the record holds', () => {
    // `requestParameters.constructor` would be Object on every record if read as a plain property.
    const named = compiled({
      sel: { 'requestParameters.constructor|contains': 'function' },
      condition: 'sel',
    });
    expect(named.matches({ requestParameters: {} })).toBe(false);
    expect(named.matches({ requestParameters: { constructor: 'a function' } })).toBe(true);
    const present = compiled({ sel: { 'requestParameters.toString|exists': true }, condition: 'sel' });
    expect(present.matches({ requestParameters: { a: 1 } })).toBe(false);
    expect(present.matches({ requestParameters: { toString: null } })).toBe(true);
    const empty = compiled({ sel: { 'requestParameters.valueOf': null }, condition: 'sel' });
    expect(empty.matches({ requestParameters: {} })).toBe(true);
    expect(empty.matches({ requestParameters: { valueOf: 'x' } })).toBe(false);
    const proto = compiled({ sel: { 'requestParameters.__proto__|exists': true }, condition: 'sel' });
    expect(proto.matches({ requestParameters: {} })).toBe(false);
    // An own `undefined` (never from JSON) reads as the general walk reads it.
    const field = compiled({ sel: { 'requestParameters.a|exists': true }, condition: 'sel' });
    expect(field.matches({ requestParameters: { a: undefined } })).toBe(true);
    expect(field.matches({ requestParameters: {} })).toBe(false);
  });
});
