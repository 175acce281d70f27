import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SigmaInvalidRuleError } from '../../../shared/sigma/issues.ts';
import { parseSigmaRule, parseSigmaRuleOrThrow } from '../../../shared/sigma/parse.ts';

const RULE = `title: AWS CloudTrail Important Change
id: 4db60cc0-36fb-42b7-9b58-a5b53019fb74
status: test
description: Detects disabling, deleting and updating of a Trail
references:
    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html
author: vitaliy0x1
date: 2020-01-21
modified: 2022/10/09
tags:
    - attack.defense-impairment
    - attack.t1685.002
logsource:
    product: aws
    service: cloudtrail
detection:
    selection_source:
        eventSource: cloudtrail.amazonaws.com
        eventName:
            - StopLogging
            - UpdateTrail
    timeframe: 5m
    condition: selection_source # trailing comment
falsepositives:
    - Valid change in a Trail
level: medium
`;

describe('parseSigmaRule', () => {
  it('builds the rule model', () => {
    const outcome = parseSigmaRule(RULE, 'rules/aws/x.yml');
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.rule).toEqual({
      title: 'AWS CloudTrail Important Change',
      id: '4db60cc0-36fb-42b7-9b58-a5b53019fb74',
      status: 'test',
      description: 'Detects disabling, deleting and updating of a Trail',
      author: 'vitaliy0x1',
      references: ['https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html'],
      tags: ['attack.defense-impairment', 'attack.t1685.002'],
      level: 'medium',
      logsource: { product: 'aws', service: 'cloudtrail' },
      detection: {
        selections: {
          selection_source: {
            eventSource: 'cloudtrail.amazonaws.com',
            eventName: ['StopLogging', 'UpdateTrail'],
          },
        },
        conditions: ['selection_source'],
        timeframe: '5m',
      },
      falsepositives: ['Valid change in a Trail'],
      file: 'rules/aws/x.yml',
    });
  });

  it('accepts a list of conditions and a list of authors', () => {
    const outcome = parseSigmaRule(
      RULE.replace(
        'condition: selection_source # trailing comment',
        'condition:\n        - selection_source\n        - not selection_source',
      ).replace('author: vitaliy0x1', 'author:\n    - a\n    - b'),
      'x.yml',
    );
    expect(outcome.ok && outcome.rule.detection.conditions).toEqual([
      'selection_source',
      'not selection_source',
    ]);
    expect(outcome.ok && outcome.rule.author).toBe('a, b');
  });

  it('reports rule collections as unsupported, naming them', () => {
    const collection = `action: global\ntitle: Shared\nlogsource:\n    product: aws\n---\ndetection:\n    sel:\n        eventName: A\n    condition: sel\n`;
    const outcome = parseSigmaRule(collection, 'c.yml');
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'unsupported',
      issue: { feature: 'rule-collection', detail: "rule collection (2 YAML documents, 'action: global')" },
      product: 'aws',
    });
  });

  it('reports correlation meta-rules as unsupported', () => {
    const outcome = parseSigmaRule(
      'title: Many failures\ncorrelation:\n    type: event_count\n    rules: [a]\n',
      'c.yml',
    );
    expect(outcome).toMatchObject({ ok: false, kind: 'unsupported', issue: { feature: 'meta-rule' } });
  });

  it.each([
    ['broken YAML', 'title: [unclosed', /^YAML: /],
    ['duplicate keys', `${RULE}\ntitle: again\n`, /^YAML: .*[Uu]nique/],
    ['no title', RULE.replace(/^title: .*\n/, ''), /title/],
    ['no detection', RULE.replace(/detection:[\s\S]*falsepositives:/, 'falsepositives:'), /detection/],
    ['no condition', RULE.replace('    condition: selection_source # trailing comment\n', ''), /condition/],
    ['a bad level', RULE.replace('level: medium', 'level: severe'), /level/],
    ['an empty file', '', /empty file/],
    ['a scalar document', 'just text', /expected object/i],
    ['an over-large file', `# ${'x'.repeat(300 * 1024)}\n${RULE}`, /larger than/],
  ])('reports %s as invalid', (_name, text, reason) => {
    const outcome = parseSigmaRule(text, 'x.yml');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok && outcome.kind === 'invalid') expect(outcome.reason).toMatch(reason);
    else throw new Error(`expected invalid, got ${JSON.stringify(outcome)}`);
  });

  it('bounds YAML alias expansion ("billion laughs")', () => {
    const letters = 'abcdefghi';
    const bomb = [`a: &a [${Array(9).fill('"x"').join(',')}]`];
    for (let i = 1; i < letters.length; i++) {
      const [previous, current] = [letters[i - 1], letters[i]];
      bomb.push(`${current}: &${current} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const outcome = parseSigmaRule(`${RULE}${bomb.join('\n')}\n`, 'bomb.yml');
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'invalid',
      reason: expect.stringMatching(/alias count/),
    });
  });

  it('throws a SigmaInvalidRuleError from the throwing variant', () => {
    expect(() => parseSigmaRuleOrThrow('title: [', 'x.yml')).toThrow(SigmaInvalidRuleError);
  });

  it('never throws on arbitrary text (fuzz)', () => {
    const unit = fc.constantFrom(
      'title: t\n',
      'detection:\n',
      '  sel:\n',
      '    a: b\n',
      '  condition: sel\n',
      'logsource: {product: aws}\n',
      '---\n',
      '- x\n',
      ': ',
      '&a ',
      '*a ',
      '"',
      "'",
      '{',
      '[',
      'x',
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 25 }), (text) => {
        const outcome = parseSigmaRule(text, 'fuzz.yml');
        expect(typeof outcome.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
