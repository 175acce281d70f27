import type { QuarantineReason, RecordOrigin } from '../store/quarantine.ts';

/**
 * What arrived, before normalisation: a parsed value (with the text it came from, when there was
 * one, so a quarantined record keeps the exact bytes received), or a body Vigil could not use at
 * all, with the reason.
 */
export type IngestPayload =
  | { kind: 'parsed'; value: unknown; text?: string }
  | { kind: 'rejected'; text: string; reason: QuarantineReason };

export interface IngestInput {
  origin: RecordOrigin;
  payload: IngestPayload;
  /**
   * Set when the caller already split the origin into entries (the records of one S3 notification),
   * so each entry gets its own quarantine key. Records that normalise() finds inside a payload are
   * numbered by it instead.
   */
  recordIndex?: number;
}
