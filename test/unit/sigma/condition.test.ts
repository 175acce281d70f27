import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConditionAst, identifiersMatching, parseCondition } from '../../../shared/sigma/condition.ts';
import { SigmaConditionError } from '../../../shared/sigma/issues.ts';
import { compiled, reasonOf } from './support.ts';

const ast = (text: string): ConditionAst => parseCondition(text).expression;
const ref = (name: string): ConditionAst => ({ type: 'ref', name });

/** The error a condition raises, as text; fails the test if it parses. */
const errorOf = (text: string): string => {
  try {
    parseCondition(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SigmaConditionError);
    return (e as Error).message;
  }
  throw new Error(`expected '${text}' to be rejected`);
};

describe('condition parser: precedence and grouping', () => {
  it('binds and tighter than or', () => {
    expect(ast('a or b and c')).toEqual({
      type: 'or',
      operands: [ref('a'), { type: 'and', operands: [ref('b'), ref('c')] }],
    });
  });

  it('binds not tighter than and', () => {
    expect(ast('not a and b')).toEqual({
      type: 'and',
      operands: [{ type: 'not', operand: ref('a') }, ref('b')],
    });
  });

  it('lets parentheses override precedence', () => {
    expect(ast('(a or b) and c')).toEqual({
      type: 'and',
      operands: [{ type: 'or', operands: [ref('a'), ref('b')] }, ref('c')],
    });
    expect(ast('not (a or b)')).toEqual({
      type: 'not',
      operand: { type: 'or', operands: [ref('a'), ref('b')] },
    });
  });

  it('flattens chains of the same operator', () => {
    expect(ast('a and b and c')).toEqual({ type: 'and', operands: [ref('a'), ref('b'), ref('c')] });
  });

  it('reads keywords case-insensitively but keeps identifier case', () => {
    expect(ast('Sel AND NOT Filter')).toEqual({
      type: 'and',
      operands: [ref('Sel'), { type: 'not', operand: ref('Filter') }],
    });
  });

  it('allows double negation and nested parentheses', () => {
    expect(ast('not not ((a))')).toEqual({ type: 'not', operand: { type: 'not', operand: ref('a') } });
  });
});

describe('condition parser: x of', () => {
  it('parses 1 of, any of and all of, with patterns and them', () => {
    expect(ast('1 of selection_*')).toEqual({ type: 'of', quantifier: 'one', target: 'selection_*' });
    expect(ast('any of sel*')).toEqual({ type: 'of', quantifier: 'one', target: 'sel*' });
    expect(ast('all of them')).toEqual({ type: 'of', quantifier: 'all', target: 'them' });
    expect(ast('1 of them')).toEqual({ type: 'of', quantifier: 'one', target: 'them' });
  });

  it('binds x of tighter than not', () => {
    expect(ast('selection and not 1 of filter_*')).toEqual({
      type: 'and',
      operands: [
        ref('selection'),
        { type: 'not', operand: { type: 'of', quantifier: 'one', target: 'filter_*' } },
      ],
    });
  });

  it('them excludes identifiers starting with an underscore; patterns match with *', () => {
    const names = ['selection_a', 'selection_b', 'filter', '_helper'];
    expect(identifiersMatching('them', names)).toEqual(['selection_a', 'selection_b', 'filter']);
    expect(identifiersMatching('selection_*', names)).toEqual(['selection_a', 'selection_b']);
    expect(identifiersMatching('*_b', names)).toEqual(['selection_b']);
    expect(identifiersMatching('sel.ction_a', names)).toEqual([]); // a dot is literal, not a regex wildcard
  });
});

describe('condition parser: aggregations', () => {
  it('parses count with and without field and group', () => {
    expect(parseCondition('selection | count() > 5').aggregation).toEqual({
      fn: 'count',
      op: '>',
      threshold: 5,
      text: '| count() > 5',
    });
    expect(parseCondition('sel | count(userName) by sourceIPAddress >= 10').aggregation).toMatchObject({
      fn: 'count',
      field: 'userName',
      groupBy: 'sourceIPAddress',
      op: '>=',
      threshold: 10,
    });
  });

  it('reports near as an unsupported temporal aggregation', () => {
    expect(errorOf('selection1 | near selection2')).toBe(
      "unsupported: temporal aggregation '| near selection2' (near)",
    );
  });

  it('reports an aggregation it cannot read', () => {
    expect(errorOf('selection | count() > many')).toContain("aggregation '| count() > many' does not parse");
  });
});

describe('condition parser: errors name the construct', () => {
  it.each([
    ['', 'empty condition'],
    ['a and', 'condition ends early'],
    ['(a or b', "missing ')'"],
    ['a or b)', "unexpected ')'"],
    ['a b', "unexpected 'b'"],
    ['and a', "unexpected 'and'"],
    ['selection*', "wildcard identifier 'selection*' outside '1 of' / 'all of'"],
    ['2 of selection*', "quantifier '2 of' (Sigma defines only '1 of' and 'all of')"],
    ['1 of', "'of' must be followed by 'them' or an identifier pattern"],
    ['1 of and', "unexpected 'and'"],
  ])('%j → %s', (text, message) => {
    expect(errorOf(text)).toContain(message);
  });

  it('refuses nesting deep enough to threaten the stack', () => {
    expect(errorOf(`${'('.repeat(100)}a${')'.repeat(100)}`)).toContain('nested deeper than 64 levels');
    expect(errorOf(`${'not '.repeat(100)}a`)).toContain('nested deeper than 64 levels');
  });

  it('refuses over-long conditions', () => {
    expect(errorOf('a or '.repeat(1000) + 'a')).toContain('longer than 4096 characters');
  });

  it('never throws anything but a SigmaConditionError on arbitrary text (fuzz)', () => {
    const unit = fc.constantFrom(
      'a',
      'b',
      ' ',
      '(',
      ')',
      '|',
      '*',
      'and ',
      'or ',
      'not ',
      '1 of ',
      'all of ',
      'them',
      'count() > 1',
      '_',
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (text) => {
        try {
          parseCondition(text);
        } catch (e) {
          expect(e).toBeInstanceOf(SigmaConditionError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('conditions bound to a rule', () => {
  const detection = {
    selection_a: { eventName: 'A' },
    selection_b: { eventName: 'B' },
    filter_x: { userAgent: 'x' },
    _note: { eventSource: 'ignored.amazonaws.com' },
  };
  const rec = (eventName: string, userAgent = 'cli') => ({
    eventName,
    userAgent,
    eventSource: 's3.amazonaws.com',
  });

  it('evaluates 1 of / all of / them against the selections', () => {
    const one = compiled({ ...detection, condition: '1 of selection_* and not filter_x' });
    expect(one.matches(rec('A'))).toBe(true);
    expect(one.matches(rec('B'))).toBe(true);
    expect(one.matches(rec('C'))).toBe(false);
    expect(one.matches(rec('A', 'x'))).toBe(false);
    const all = compiled({ ...detection, condition: 'all of selection_*' });
    expect(all.matches(rec('A'))).toBe(false);
    const them = compiled({ ...detection, condition: '1 of them' });
    expect(them.matches(rec('Z', 'x'))).toBe(true);
    expect(them.matches({ eventSource: 'ignored.amazonaws.com', eventName: 'Z' })).toBe(false);
  });

  it('joins a list of conditions with or', () => {
    const rule = compiled({ ...detection, condition: ['selection_a', 'selection_b'] });
    expect(rule.matches(rec('A'))).toBe(true);
    expect(rule.matches(rec('B'))).toBe(true);
    expect(rule.matches(rec('C'))).toBe(false);
  });

  it('reports unknown identifiers and patterns that match nothing', () => {
    expect(reasonOf({ ...detection, condition: 'selection_c' })).toBe(
      "unsupported: condition names unknown search identifier 'selection_c'",
    );
    expect(reasonOf({ ...detection, condition: '1 of keywords*' })).toBe(
      "unsupported: '1 of keywords*' matches no search identifier",
    );
  });
});

describe('condition evaluation agrees with the condition’s boolean meaning', () => {
  // Four selections on four fields, so every combination of their truth values is one record.
  const names = ['a', 'b', 'c', 'f'] as const;
  const selections = Object.fromEntries(names.map((n) => [n, { [`requestParameters.${n}`]: 'yes' }]));
  const records = Array.from({ length: 16 }, (_, bits) => ({
    requestParameters: Object.fromEntries(names.map((n, i) => [n, bits & (1 << i) ? 'yes' : 'no'])),
  }));
  const truth = (record: (typeof records)[number], name: string) => record.requestParameters[name] === 'yes';

  /** Reference meaning of a parsed condition, from its AST (`x of` expanded over the four names). */
  const meaning = (node: ConditionAst, r: (typeof records)[number]): boolean => {
    switch (node.type) {
      case 'ref':
        return truth(r, node.name);
      case 'not':
        return !meaning(node.operand, r);
      case 'and':
        return node.operands.every((o) => meaning(o, r));
      case 'or':
        return node.operands.some((o) => meaning(o, r));
      case 'of': {
        const matched = identifiersMatching(node.target, names);
        return node.quantifier === 'one'
          ? matched.some((n) => truth(r, n))
          : matched.every((n) => truth(r, n));
      }
    }
  };

  it.each([
    'a and b',
    'a or b',
    'a and b and c',
    'a or b or c',
    'not (a or b)',
    'not (a or b or c)',
    'not (a and b)',
    'a and not 1 of f*',
    'a and not (b or c)',
    'not a and b',
    '(a or b) and not (c or f)',
    'a or not (b or c)',
    'not (a or not b)',
    'all of them',
    '1 of them and not f',
  ])('%s', (condition) => {
    const rule = compiled({ ...selections, condition });
    const expression = parseCondition(condition).expression;
    for (const r of records) expect(rule.matches(r), JSON.stringify(r)).toBe(meaning(expression, r));
  });
});
