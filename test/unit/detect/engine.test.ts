import { describe, expect, it } from 'vitest';
import { rs, rv, stringAt } from '../../../shared/detect/catalogue/aws-helpers-a.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import type { Detection } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import type { NormalisedEvent } from '../../../shared/normalise/types.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

const ctx = { enrich: () => {} };

const cloudTrail = (eventName: string): NormalisedEvent => {
  const record = {
    eventVersion: '1.08',
    eventTime: '2024-05-14T09:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.7',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/ana', accountId: '111122223333' },
    eventName,
    eventID: `id-${eventName}`,
    recipientAccountId: '111122223333',
  };
  const [result] = normalise(record, ctx);
  if (!result?.ok) throw new Error('fixture does not normalise');
  return result.event;
};

/** A detection that fires on every event it meets, so the engine's choice is all that is tested. */
const always = (id: string, extra: Partial<Detection>): Detection => ({
  id,
  title: id,
  description: 'fires on every event it meets',
  attack: ['T1580'],
  tactic: 'TA0007',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  detect: () => ({}),
  cases: [],
  ...extra,
});

const fired = (detections: Detection[], ev: NormalisedEvent) =>
  buildEngine(detections)
    .run(ev, freshContext())
    .map((s) => s.rule_id)
    .sort();

describe('detection engine: choosing the detections an event meets', () => {
  const listed = always('t.listed', { triggers: ['DeleteTrail'] });
  const everyEvent = always('t.every', {});
  const reads = always('t.reads', { acceptsKey: (key) => key.startsWith('Describe') });

  it('runs a keyed detection on the keys it accepts, next to the listed and every-event ones', () => {
    const all = [listed, everyEvent, reads];
    expect(fired(all, cloudTrail('DescribeInstances'))).toEqual(['t.every', 't.reads']);
    expect(fired(all, cloudTrail('DeleteTrail'))).toEqual(['t.every', 't.listed']);
    expect(fired(all, cloudTrail('RunInstances'))).toEqual(['t.every']);
  });

  it('asks a key test once per distinct key', () => {
    let asked = 0;
    const counted = always('t.counted', { acceptsKey: (key) => ++asked > 0 && key === 'ListUsers' });
    const engine = buildEngine([counted]);
    const context = freshContext();
    for (let i = 0; i < 5; i++) {
      expect(engine.run(cloudTrail('ListUsers'), context)).toHaveLength(1);
      expect(engine.run(cloudTrail('GetUser'), context)).toHaveLength(0);
    }
    expect(asked).toBe(2);
  });

  it('keeps no list for a huge key: it is answered afresh, and correctly, each time', () => {
    let asked = 0;
    const counted = always('t.counted', { acceptsKey: (key) => ++asked > 0 && key.startsWith('Describe') });
    const engine = buildEngine([counted]);
    const context = freshContext();
    const huge = `Describe${'X'.repeat(100_000)}`;
    for (let i = 0; i < 3; i++) expect(engine.run(cloudTrail(huge), context)).toHaveLength(1);
    expect(engine.run(cloudTrail(`Other${'X'.repeat(100_000)}`), context)).toHaveLength(0);
    expect(asked).toBe(4);
  });

  it('keeps a keyed detection away from an event without a key', () => {
    // A record normalisation let through without an event name (the raw record is what the engine keys on).
    const ev = cloudTrail('DescribeInstances');
    const keyless = { ...ev, raw: { ...(ev.raw as object), eventName: undefined } };
    expect(fired([everyEvent, reads], keyless)).toEqual(['t.every']);
  });

  it('lets a detection whose key test throws run, rather than losing it', () => {
    const broken = always('t.broken', {
      acceptsKey: () => {
        throw new Error('bug in a key test');
      },
    });
    expect(fired([broken], cloudTrail('DescribeInstances'))).toEqual(['t.broken']);
  });

  it('stays bounded and correct on a stream of endless distinct keys', () => {
    const engine = buildEngine([listed, reads]);
    const context = freshContext();
    for (let i = 0; i < 20_000; i++) {
      const name = i % 2 === 0 ? `Describe${i}` : `Other${i}`;
      expect(engine.run(cloudTrail(name), context).length).toBe(i % 2 === 0 ? 1 : 0);
    }
    expect(fired([listed, reads], cloudTrail('DeleteTrail'))).toEqual(['t.listed']);
  });
});

describe('raw readers', () => {
  it('read the canonical key, then its lowercase spelling', () => {
    expect(rs({ userIdentity: { type: 'Root' } }, 'userIdentity.type')).toBe('Root');
    expect(rs({ useridentity: { type: 'Root' } }, 'userIdentity.type')).toBe('Root');
    expect(rs({ userIdentity: {} }, 'userIdentity.type')).toBeUndefined();
  });

  it('never take an inherited member for a field of the record', () => {
    const record = JSON.parse('{"a":{}}');
    expect(rv(record, 'constructor')).toBeUndefined();
    expect(rv(record, 'a.toString')).toBeUndefined();
    expect(rv(record, 'a.__proto__')).toBeUndefined();
    expect(rv(JSON.parse('{"constructor":"x"}'), 'constructor')).toBe('x');
  });

  it('answer for the record in hand when records alternate', () => {
    const read = stringAt('userIdentity.arn');
    const a = { userIdentity: { arn: 'arn:a' } };
    const b = { userIdentity: { arn: 'arn:b' } };
    for (let i = 0; i < 3; i++) {
      expect(read(a)).toBe('arn:a');
      expect(read(a)).toBe('arn:a');
      expect(read(b)).toBe('arn:b');
      expect(read('not a record')).toBeUndefined();
    }
  });
});
