/**
 * The quarantine: every record Vigil received but could not turn into an event, kept whole with
 * the reason, so nothing is dropped silently and an analyst (or a fixed normaliser) can replay it.
 */
import type { SourceKind } from '../normalise/types.ts';

/** Where a record came from: enough to find the original again and to key it idempotently. */
export type RecordOrigin =
  | { kind: 'eventbridge' /** EventBridge event id. */; id: string }
  | { kind: 'sqs' /** SQS message id. */; id: string }
  | {
      kind: 's3';
      /** `s3://bucket/key`, plus `#version` when the notification named one: one id per object version. */
      id: string;
      bucket: string;
      key: string;
      version?: string;
      /** The SQS message that carried the S3 notification. */
      messageId: string;
      /** 1-based line, for records read from an NDJSON object. */
      line?: number;
    };

export interface QuarantineReason {
  message: string;
  /** The component that rejected the record, e.g. `normalise.cloudtrail` or `ingest.parse`. */
  source: string;
}

export interface QuarantineRecord {
  /** Derived from the origin and position only, so a redelivered record overwrites its earlier copy. */
  id: string;
  /** ISO-8601 UTC, from Vigil's clock (never from the record, which may lie). */
  receivedAt: string;
  sourceKind: SourceKind | 'unknown';
  reason: QuarantineReason;
  origin: RecordOrigin;
  /** Position of the record among those its origin held (a `Records` entry, a finding); 0 when alone. */
  recordIndex: number;
  /** The complete raw payload as text: the received body itself when Vigil had it, else its JSON. */
  payload: string;
}

export type QuarantineSummary = Omit<QuarantineRecord, 'payload'> & { payloadBytes: number };

export interface QuarantinePage {
  items: QuarantineSummary[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface QuarantineStore {
  /** Idempotent: putting a record with an existing id replaces it. */
  put(records: readonly QuarantineRecord[]): Promise<void>;
  /** The record with its exact payload, or undefined when absent or expired. */
  get(id: string): Promise<QuarantineRecord | undefined>;
  /** Records received on a UTC day (`YYYY-MM-DD`), oldest first, without payloads. */
  listByDay(day: string, page?: { limit?: number; cursor?: string }): Promise<QuarantinePage>;
}
