import type { ValidationError } from '../errors.ts';
import type { OcsfEvent } from '../ocsf/types.ts';

/** Where a record came from, as far as normalisation can tell. */
export type SourceKind = 'cloudtrail' | 'guardduty' | 'securityhub' | 'okta' | 'github' | 'generic';

/**
 * One normalised record: the OCSF event plus the raw record it came from, kept by reference
 * (detections may read raw fields; `raw_data` is only serialised when the event is written out,
 * because stringifying every record would double the cost of ingest).
 */
export interface NormalisedEvent {
  source: SourceKind;
  ocsf: OcsfEvent;
  raw: unknown;
}

export type NormaliseResult =
  | { ok: true; event: NormalisedEvent }
  | { ok: false; error: ValidationError; raw: unknown; source: SourceKind | 'unknown' };

/** What normalisers may consult. Pure: no clock, no I/O; `enrich` is a pure lookup over loaded data. */
export interface NormaliseContext {
  /** Adds IP class, geolocation, threat-intel matches to a finished event, in place. */
  enrich: (event: OcsfEvent) => void;
  /**
   * When Vigil received the record (ms since the epoch): the event time of last resort for a
   * record that carries no usable time of its own. Without it such a record is rejected.
   */
  receivedAt?: number;
}

/** A single-record normaliser: total over `unknown`, never throws (property-tested). */
export type Normaliser = (record: unknown, ctx: NormaliseContext) => NormaliseResult;

export const ok = (source: SourceKind, ocsf: OcsfEvent, raw: unknown): NormaliseResult => ({
  ok: true,
  event: { source, ocsf, raw },
});

export const fail = (
  source: SourceKind | 'unknown',
  error: ValidationError,
  raw: unknown,
): NormaliseResult => ({
  ok: false,
  error,
  raw,
  source,
});
