import { describe, expect, it } from 'vitest';
import { planSqsMessage } from '../../../shared/ingest/sqs-message.ts';
import { labelledEvents } from '../../support/data.ts';
import { s3NotificationBody, s3TestEventBody } from '../../support/events.ts';

const cloudTrail = labelledEvents('panther_aws_cloudtrail.ndjson');

describe('planSqsMessage', () => {
  it('takes a JSON body as one record, keeping the exact text', () => {
    const body = `  ${JSON.stringify(cloudTrail[0])}\n`;
    expect(planSqsMessage({ messageId: 'm1', body })).toEqual({
      kind: 'records',
      inputs: [
        { origin: { kind: 'sqs', id: 'm1' }, payload: { kind: 'parsed', value: cloudTrail[0], text: body } },
      ],
    });
  });

  it('rejects a body that is not JSON with the reason, keeping the body', () => {
    const plan = planSqsMessage({ messageId: 'm2', body: '{"truncated": ' });
    expect(plan).toEqual({
      kind: 'records',
      inputs: [
        {
          origin: { kind: 'sqs', id: 'm2' },
          payload: {
            kind: 'rejected',
            text: '{"truncated": ',
            reason: { message: expect.stringMatching(/^invalid JSON: /), source: 'ingest.parse' },
          },
        },
      ],
    });
  });

  it('recognises the S3 test event so it can be acknowledged without ingesting anything', () => {
    expect(planSqsMessage({ messageId: 'm3', body: s3TestEventBody('bulk') })).toEqual({
      kind: 's3-test-event',
    });
  });

  it('turns an S3 notification into objects to read, with URL-decoded keys', () => {
    const plan = planSqsMessage({
      messageId: 'm4',
      body: s3NotificationBody('bulk', 'logs/2026/a b+c%d é.ndjson'),
    });
    expect(plan).toMatchObject({
      kind: 's3-notification',
      rejected: [],
      ignored: 0,
      objects: [
        {
          origin: {
            kind: 's3',
            bucket: 'bulk',
            key: 'logs/2026/a b+c%d é.ndjson',
            messageId: 'm4',
            version: 'd41d8cd98f00b204e9800998ecf8427e',
            id: 's3://bulk/logs/2026/a b+c%d é.ndjson#d41d8cd98f00b204e9800998ecf8427e',
          },
        },
      ],
    });
  });

  it('reads the object version a versioned bucket names, and keys by it', () => {
    const notification = JSON.parse(s3NotificationBody('bulk', 'k.json'));
    notification.Records[0].s3.object.versionId = '3HL4kqtJlcpXroDTDmJ';
    const plan = planSqsMessage({ messageId: 'm5', body: JSON.stringify(notification) });
    expect(plan).toMatchObject({
      objects: [{ versionId: '3HL4kqtJlcpXroDTDmJ', origin: { id: 's3://bulk/k.json#3HL4kqtJlcpXroDTDmJ' } }],
    });
  });

  it('ignores events other than object creation and rejects entries that name no object, each with its index', () => {
    const created = JSON.parse(s3NotificationBody('bulk', 'ok.json')).Records[0];
    const removed = JSON.parse(s3NotificationBody('bulk', 'gone.json', 'ObjectRemoved:Delete')).Records[0];
    const noKey = { ...created, s3: { bucket: { name: 'bulk' }, object: {} } };
    const badEncoding = { ...created, s3: { bucket: { name: 'bulk' }, object: { key: 'bad%E0%A4%A' } } };
    const body = JSON.stringify({ Records: [created, removed, noKey, badEncoding, 'not a record'] });

    const plan = planSqsMessage({ messageId: 'm6', body });

    expect(plan.kind).toBe('s3-notification');
    if (plan.kind !== 's3-notification') return;
    expect(plan.objects.map((o) => o.origin.key)).toEqual(['ok.json']);
    expect(plan.ignored).toBe(1);
    expect(
      plan.rejected.map((r) => [r.recordIndex, r.payload.kind === 'rejected' && r.payload.reason.message]),
    ).toEqual([
      [2, 'S3 notification record without bucket name or object key'],
      [3, 'S3 object key is not valid URL encoding'],
      [4, 'not an S3 event notification record'],
    ]);
    expect(plan.rejected[0]?.payload).toMatchObject({ text: JSON.stringify(noKey) });
  });
});
