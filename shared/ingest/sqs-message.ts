/**
 * What one SQS message asks of ingest. The bulk queue carries S3 event notifications (the records
 * are in the object); anything else on the queue is a record or envelope in the body itself.
 */
import type { RecordOrigin } from '../store/quarantine.ts';
import { parseJson } from './parse-json.ts';
import type { IngestInput } from './types.ts';

export interface SqsMessage {
  messageId: string;
  body: string;
}

export type S3Origin = Extract<RecordOrigin, { kind: 's3' }>;

/** One object to read, and the notification entry that named it (kept if the object is unreadable). */
export interface S3ObjectToRead {
  origin: S3Origin;
  versionId?: string;
  notification: string;
}

export type SqsMessagePlan =
  | { kind: 'records'; inputs: IngestInput[] }
  /** Sent once when a bucket notification is configured: nothing to ingest, acknowledge it. */
  | { kind: 's3-test-event' }
  | {
      kind: 's3-notification';
      objects: S3ObjectToRead[];
      /** Notification entries that name no readable object, quarantined with the reason. */
      rejected: IngestInput[];
      /** Entries for events other than object creation (e.g. deletes): no records to read. */
      ignored: number;
    };

const REASON_SOURCE = 'ingest.sqs';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function planSqsMessage(message: SqsMessage): SqsMessagePlan {
  const origin: RecordOrigin = { kind: 'sqs', id: message.messageId };
  const parsed = parseJson(message.body);
  if (!parsed.ok) {
    const reason = { message: parsed.reason, source: 'ingest.parse' };
    return {
      kind: 'records',
      inputs: [{ origin, payload: { kind: 'rejected', text: message.body, reason } }],
    };
  }
  const value = parsed.value;
  if (isObject(value) && value.Service === 'Amazon S3' && value.Event === 's3:TestEvent') {
    return { kind: 's3-test-event' };
  }
  if (isS3Notification(value)) return planS3Notification(value.Records, message.messageId);
  return { kind: 'records', inputs: [{ origin, payload: { kind: 'parsed', value, text: message.body } }] };
}

function isS3Notification(value: unknown): value is { Records: unknown[] } {
  return (
    isObject(value) &&
    Array.isArray(value.Records) &&
    value.Records.some((r) => isObject(r) && r.eventSource === 'aws:s3')
  );
}

function planS3Notification(entries: unknown[], messageId: string): SqsMessagePlan {
  const plan = {
    kind: 's3-notification' as const,
    objects: [] as S3ObjectToRead[],
    rejected: [] as IngestInput[],
  };
  let ignored = 0;
  entries.forEach((entry, recordIndex) => {
    const read = readEntry(entry, messageId);
    if (read === 'ignored') ignored++;
    else if ('reason' in read) {
      const payload = { kind: 'rejected' as const, text: JSON.stringify(entry) ?? '', reason: read.reason };
      plan.rejected.push({ origin: { kind: 'sqs', id: messageId }, payload, recordIndex });
    } else plan.objects.push(read);
  });
  return { ...plan, ignored };
}

type EntryRead = S3ObjectToRead | 'ignored' | { reason: { message: string; source: string } };

function readEntry(entry: unknown, messageId: string): EntryRead {
  const reject = (message: string): EntryRead => ({ reason: { message, source: REASON_SOURCE } });
  if (!isObject(entry) || entry.eventSource !== 'aws:s3')
    return reject('not an S3 event notification record');
  if (typeof entry.eventName !== 'string') return reject('S3 notification record without eventName');
  if (!entry.eventName.startsWith('ObjectCreated:')) return 'ignored';
  const s3 = isObject(entry.s3) ? entry.s3 : {};
  const bucket = isObject(s3.bucket) ? s3.bucket.name : undefined;
  const object = isObject(s3.object) ? s3.object : {};
  if (typeof bucket !== 'string' || typeof object.key !== 'string') {
    return reject('S3 notification record without bucket name or object key');
  }
  const key = decodeS3Key(object.key);
  if (key === undefined) return reject('S3 object key is not valid URL encoding');
  const versionId = typeof object.versionId === 'string' && object.versionId ? object.versionId : undefined;
  // Without versioning one key holds successive contents: the eTag (else the sequencer) tells them apart.
  const version = versionId ?? firstString(object.eTag, object.sequencer);
  const origin: S3Origin = {
    kind: 's3',
    id: `s3://${bucket}/${key}${version ? `#${version}` : ''}`,
    bucket,
    key,
    messageId,
    ...(version ? { version } : {}),
  };
  return { origin, notification: JSON.stringify(entry), ...(versionId ? { versionId } : {}) };
}

/** S3 notifications URL-encode object keys, with `+` for a space. */
function decodeS3Key(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const firstString = (...values: unknown[]): string | undefined =>
  values.find((v): v is string => typeof v === 'string' && v.length > 0);
