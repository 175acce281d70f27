import { describe, expect, it } from 'vitest';
import { MAX_RECORDS_PER_OBJECT, normalise } from '../../../shared/normalise/index.ts';

const ctx = { enrich: () => {} };
const record = (i: number) => ({
  eventVersion: '1.08',
  eventTime: '2026-11-20T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'ListBuckets',
  eventID: `id-${i}`,
  awsRegion: 'us-east-1',
  sourceIPAddress: '10.0.0.1',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/a', accountId: '111122223333' },
  recipientAccountId: '111122223333',
});

describe('normalise() keeps every record of a multi-record object', () => {
  it('returns what is over the per-object bound as one failure holding those records, not dropped', () => {
    const records = Array.from({ length: MAX_RECORDS_PER_OBJECT + 3 }, (_, i) => record(i));
    const results = normalise({ Records: records }, ctx);
    expect(results).toHaveLength(MAX_RECORDS_PER_OBJECT + 1);
    const last = results.at(-1);
    expect(last?.ok).toBe(false);
    if (last && !last.ok) {
      expect(last.error.message).toContain('3 records beyond');
      expect((last.raw as { Records: unknown[] }).Records).toHaveLength(3);
    }
  });

  it('a record that is broken does not cost its neighbours', () => {
    const results = normalise(
      { Records: [record(1), { eventSource: 's3.amazonaws.com', eventName: 7 }, record(2)] },
      ctx,
    );
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
  });
});
