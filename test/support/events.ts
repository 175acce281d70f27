/** Lambda event shapes as AWS delivers them, around real records. */
import type { SQSEvent, SQSRecord } from 'aws-lambda';

export function sqsEvent(messages: { messageId: string; body: string }[]): SQSEvent {
  return { Records: messages.map(({ messageId, body }) => sqsRecord(messageId, body)) };
}

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEB${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795428000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795428000100',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:vigil-bulk',
    awsRegion: 'us-east-1',
  };
}

/** S3 URL-encodes keys in notifications, a space as `+`, slashes kept. */
const encodeS3Key = (key: string) =>
  key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');

export function s3NotificationBody(bucket: string, key: string, eventName = 'ObjectCreated:Put'): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-11-23T09:59:58.000Z',
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'vigil-bulk',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeS3Key(key),
            size: 1024,
            eTag: 'd41d8cd98f00b204e9800998ecf8427e',
            sequencer: '0A1B2C3D4E5F678901',
          },
        },
      },
    ],
  });
}

/** What S3 sends once when a notification to the queue is configured. */
export const s3TestEventBody = (bucket: string): string =>
  JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2026-11-23T09:00:00.000Z',
    Bucket: bucket,
    RequestId: 'C3D13FE58DE4C810',
    HostId: 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
  });
