import { describe, expect, it } from 'vitest';
import { buildEngine } from '../../../shared/detect/engine.ts';
import type { Detection, DetectionContext, Signal } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { baseRecord } from '../../../shared/sigma/example-records.ts';
import { tacticOf, techniquesOf, toDetection } from '../../../shared/sigma/to-detection.ts';
import { requiredTriggers } from '../../../shared/sigma/triggers.ts';
import { freshContext } from '../../support/detection-fixtures.ts';
import { compiled, reasonOf } from './support.ts';

const nctx = { enrich: () => {} };

/** Runs records in order through the real normaliser and an engine holding one detection. */
function signalsFor(
  detection: Detection,
  records: Record<string, unknown>[],
  ctx: DetectionContext = freshContext(),
): Signal[][] {
  const engine = buildEngine([detection]);
  return records.map((record) =>
    normalise(record, nctx).flatMap((r) => {
      if (!r.ok) throw new Error(`record does not normalise: ${r.error.message}`);
      return engine.run(r.event, ctx);
    }),
  );
}

const trail = (index: number, fields: Record<string, unknown>) => ({
  ...baseRecord('aws', { seed: 'abc12345', index }),
  ...fields,
});

describe('Sigma rule → Detection metadata', () => {
  const rule = compiled(
    {
      selection: { eventSource: 'cloudtrail.amazonaws.com', eventName: ['StopLogging', 'DeleteTrail'] },
      condition: 'selection',
    },
    {
      title: 'AWS CloudTrail Important Change!',
      level: 'high',
      tags: ['attack.stealth', 'attack.persistence', 'attack.t1562.008', 'attack.T1070'],
    },
  );
  const d = toDetection(rule);

  it('names it sigma.<product>.<slug>', () => {
    expect(d.id).toBe('sigma.aws.aws_cloudtrail_important_change');
    expect(d.id).toMatch(/^[a-z0-9]+(\.[a-z0-9_]+)+$/);
  });

  it('maps level to severity and risk, tags to techniques and the first tactic', () => {
    expect(d.severity).toBe('high');
    expect(d.risk).toBe(50);
    expect(d.attack).toEqual(['T1562.008', 'T1070']);
    expect(d.tactic).toBe('TA0005');
    expect(d.sources).toEqual(['cloudtrail']);
  });

  it('keeps the attribution the Detection Rule License requires', () => {
    expect(d.attribution).toBe(
      'Sigma rule "AWS CloudTrail Important Change!" (00000000-1111-4222-8333-444444444444) by Vigil tests, Detection Rule License 1.1',
    );
  });

  it('maps tactic names, including the ATT&CK v18 split of Defense Evasion', () => {
    expect(tacticOf(['attack.t1078', 'attack.initial-access'])).toBe('TA0001');
    expect(tacticOf(['attack.defense-impairment'])).toBe('TA0005');
    expect(tacticOf(['attack.privilege_escalation'])).toBe('TA0004');
    expect(tacticOf(['attack.command-and-control'])).toBe('TA0011');
    expect(tacticOf(['attack.ta0010'])).toBe('TA0010');
    expect(tacticOf(['cve.2021-1234'])).toBe('TA0005');
    expect(techniquesOf(['attack.t1078.004', 'attack.g0016', 'attack.s0002', 'attack.t1078.004'])).toEqual([
      'T1078.004',
    ]);
  });

  it('maps every Sigma level', () => {
    for (const [level, severity, risk] of [
      ['informational', 'info', 5],
      ['low', 'low', 10],
      ['medium', 'medium', 25],
      ['critical', 'critical', 80],
    ] as const) {
      const r = toDetection(compiled({ s: { eventName: 'A' }, condition: 's' }, { level }));
      expect([r.severity, r.risk]).toEqual([severity, risk]);
    }
  });
});

describe('triggers', () => {
  const triggersOf = (detection: Record<string, unknown>, product: 'aws' | 'okta' | 'github' = 'aws') =>
    requiredTriggers(compiled(detection, { product }));

  it('are the exact values the condition requires for the trigger field', () => {
    expect(triggersOf({ s: { eventSource: 'x', eventName: ['B', 'A'] }, condition: 's' })).toEqual([
      'A',
      'B',
    ]);
    expect(triggersOf({ s: { eventType: 'user.session.start' }, condition: 's' }, 'okta')).toEqual([
      'user.session.start',
    ]);
    expect(triggersOf({ s: { action: ['repo.destroy'] }, condition: 's' }, 'github')).toEqual([
      'repo.destroy',
    ]);
  });

  it('combine through and (intersection), or (union) and x of', () => {
    expect(triggersOf({ a: { eventName: 'A' }, b: { eventName: 'B' }, condition: '1 of them' })).toEqual([
      'A',
      'B',
    ]);
    expect(
      triggersOf({ a: { eventName: ['A', 'B'] }, f: { userAgent: 'x' }, condition: 'a and not f' }),
    ).toEqual(['A', 'B']);
    expect(
      triggersOf({ a: { eventName: ['A', 'B'] }, b: { eventName: ['B', 'C'] }, condition: 'a and b' }),
    ).toEqual(['B']);
    expect(
      triggersOf({ a: [{ eventName: 'A' }, { eventName: 'B', userAgent: 'x' }], condition: 'a' }),
    ).toEqual(['A', 'B']);
  });

  it('are undefined whenever the trigger is not pinned to exact values', () => {
    expect(
      triggersOf({ s: { 'eventName|startswith': 'UpdateFunctionConfiguration' }, condition: 's' }),
    ).toBeUndefined();
    expect(triggersOf({ s: { eventName: 'List*' }, condition: 's' })).toBeUndefined();
    expect(triggersOf({ s: { 'userIdentity.type': 'Root' }, condition: 's' })).toBeUndefined();
    expect(triggersOf({ s: { eventName: 'A' }, condition: 'not s' })).toBeUndefined();
    expect(triggersOf({ a: { eventName: 'A' }, b: { userAgent: 'x' }, condition: 'a or b' })).toBeUndefined();
    expect(triggersOf({ s: { eventName: ['A', null] }, condition: 's' })).toBeUndefined();
    expect(triggersOf({ s: { 'eventName|neq': 'A' }, condition: 's' })).toBeUndefined();
    expect(triggersOf({ k: ['StopLogging'], condition: 'k' })).toBeUndefined();
  });
});

describe('detect through the engine', () => {
  it('produces a sigma signal with evidence and attribution', () => {
    const d = toDetection(
      compiled({
        selection: { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' },
        filter: { userAgent: 'x' },
        condition: 'selection and not filter',
      }),
    );
    const [signals] = signalsFor(d, [
      trail(0, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' }),
    ]);
    expect(signals).toHaveLength(1);
    const s = signals?.[0] as Signal;
    expect(s.origin).toBe('sigma');
    expect(s.rule_id).toBe(d.id);
    expect(s.evidence).toMatchObject({
      sigma_rule_id: '00000000-1111-4222-8333-444444444444',
      sigma_title: 'Test Rule',
      sigma_attribution: d.attribution,
      sigma_matched: 'selection',
    });
  });

  it('is not consulted for other trigger keys, and does not fire on a near miss', () => {
    const d = toDetection(
      compiled({
        selection: { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' },
        condition: 'selection',
      }),
    );
    const [other, near] = signalsFor(d, [
      trail(0, { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StartLogging' }),
      trail(1, { eventSource: 's3.amazonaws.com', eventName: 'StopLogging' }),
    ]);
    expect(other).toEqual([]);
    expect(near).toEqual([]);
  });

  it('count() > n fires once, on the event that crosses the threshold within the timeframe', () => {
    const d = toDetection(
      compiled({
        selection: { eventName: 'ListBuckets' },
        timeframe: '10m',
        condition: 'selection | count() > 2',
      }),
    );
    const burst = [0, 1, 2, 3, 4].map((i) =>
      trail(i, { eventSource: 's3.amazonaws.com', eventName: 'ListBuckets' }),
    );
    expect(signalsFor(d, burst).map((s) => s.length)).toEqual([0, 0, 1, 0, 0]);
    const fired = signalsFor(d, burst)[2]?.[0];
    expect(fired?.evidence).toMatchObject({ sigma_aggregation: '| count() > 2', sigma_count: 3 });
  });

  it('count() ignores events outside the timeframe and events that do not match', () => {
    const d = toDetection(
      compiled({
        selection: { eventName: 'ListBuckets' },
        timeframe: '1m',
        condition: 'selection | count() > 1',
      }),
    );
    const spaced = [0, 120, 240].map((i) => trail(i, { eventName: 'ListBuckets' }));
    expect(signalsFor(d, spaced).map((s) => s.length)).toEqual([0, 0, 0]);
    const mixed = [
      trail(0, { eventName: 'ListBuckets' }),
      trail(1, { eventName: 'GetBucketPolicy' }),
      trail(2, { eventName: 'ListBuckets' }),
    ];
    expect(signalsFor(d, mixed).map((s) => s.length)).toEqual([0, 0, 1]);
  });

  it('count() by field counts each group on its own', () => {
    const d = toDetection(
      compiled({
        selection: { eventName: 'DisableMacie' },
        timeframe: '10m',
        condition: 'selection | count() by sourceIPAddress > 1',
      }),
    );
    const records = [
      trail(0, { eventName: 'DisableMacie', sourceIPAddress: '198.51.100.1' }),
      trail(1, { eventName: 'DisableMacie', sourceIPAddress: '198.51.100.2' }),
      trail(2, { eventName: 'DisableMacie', sourceIPAddress: '198.51.100.1' }),
    ];
    expect(signalsFor(d, records).map((s) => s.length)).toEqual([0, 0, 1]);
  });

  it('count(field) counts distinct values and fires when a new one crosses the threshold', () => {
    const d = toDetection(
      compiled({
        selection: { eventName: 'ConsoleLogin' },
        timeframe: '10m',
        condition: 'selection | count(userIdentity.userName) by sourceIPAddress >= 3',
      }),
    );
    const login = (i: number, user: string) =>
      trail(i, { eventName: 'ConsoleLogin', userIdentity: { type: 'IAMUser', userName: user } });
    const records = [
      login(0, 'a'),
      login(1, 'b'),
      login(2, 'b'),
      login(3, 'c'),
      login(4, 'c'),
      login(5, 'd'),
    ];
    expect(signalsFor(d, records).map((s) => s.length)).toEqual([0, 0, 0, 1, 0, 0]);
  });
});

describe('unsupported aggregations are named', () => {
  it.each([
    [
      { s: { eventName: 'A' }, timeframe: '5m', condition: 's | sum(bytes) > 5' },
      "aggregation function 'sum' ('| sum(bytes) > 5'; only count is evaluated)",
    ],
    [
      { s: { eventName: 'A' }, timeframe: '5m', condition: 's | count() < 5' },
      "aggregation '| count() < 5' (a '<' count is only known when the window closes)",
    ],
    [
      { s: { eventName: 'A' }, condition: 's | count() > 5' },
      "aggregation '| count() > 5' without a timeframe",
    ],
    [
      { s: { eventName: 'A' }, timeframe: '5m', condition: 's | count() > 5000' },
      "aggregation '| count() > 5000' counts beyond 1000 events",
    ],
    [
      { s: { eventName: 'A' }, timeframe: '1M', condition: 's | count() > 5' },
      "timeframe '1M' (expected a number and s, m, h or d, at most 7d)",
    ],
    [
      { s: { eventName: 'A' }, t: { eventName: 'B' }, timeframe: '5m', condition: 's and t' },
      "'timeframe: 5m' without an aggregation",
    ],
  ])('%j', (detection, detail) => {
    expect(reasonOf(detection)).toContain(detail);
  });
});
