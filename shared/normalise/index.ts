import { ValidationError } from '../errors.ts';
import { normaliseCloudTrail } from './cloudtrail.ts';
import { normaliseGeneric } from './generic.ts';
import { normaliseGitHubAudit } from './github.ts';
import { normaliseGuardDuty } from './guardduty.ts';
import { normaliseOkta } from './okta.ts';
import { normaliseSecurityHub } from './securityhub.ts';
import {
  fail,
  type NormaliseContext,
  type NormaliseResult,
  type Normaliser,
  type SourceKind,
} from './types.ts';
import { TIME_UNKNOWN_LABEL } from './util-ext-ocsf.ts';

export type { NormaliseContext, NormalisedEvent, NormaliseResult, SourceKind } from './types.ts';

/** Upper bound on records taken from one `{"Records": [...]}` or `findings` array, so one object cannot starve a batch. */
export const MAX_RECORDS_PER_OBJECT = 100_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Object.keys(o).length > 0` without building the array of keys, for every record. */
function hasOwnKey(o: object): boolean {
  for (const key in o) if (Object.hasOwn(o, key)) return true;
  return false;
}

/**
 * EventBridge `detail-type` → the normaliser for its `detail`. The four default-bus types are the
 * ones the compute stack subscribes to; the partner and webhook types are the custom bus's.
 */
const BY_DETAIL_TYPE: Record<string, [SourceKind, Normaliser]> = {
  'AWS API Call via CloudTrail': ['cloudtrail', normaliseCloudTrail],
  'AWS Console Sign In via CloudTrail': ['cloudtrail', normaliseCloudTrail],
  'AWS Service Event via CloudTrail': ['cloudtrail', normaliseCloudTrail],
  'GuardDuty Finding': ['guardduty', normaliseGuardDuty],
  // Okta's EventBridge partner source publishes System Log events under this detail-type.
  SystemLog: ['okta', normaliseOkta],
  'GitHub Audit Log Event': ['github', normaliseGitHubAudit],
};

/** True for an EventBridge envelope (version/id/detail-type/source/detail). */
export const isEventBridgeEnvelope = (v: Record<string, unknown>): boolean =>
  typeof v['detail-type'] === 'string' && typeof v.source === 'string' && 'detail' in v;

/** Classifies a bare record by the fields each source always sets. Order matters: most specific first. */
export function classify(record: Record<string, unknown>): [SourceKind, Normaliser] {
  const has = (k: string) => k in record;
  if ((has('eventSource') && has('eventName')) || (has('eventsource') && has('eventname'))) {
    return ['cloudtrail', normaliseCloudTrail];
  }
  if (has('SchemaVersion') && has('ProductArn') && has('AwsAccountId'))
    return ['securityhub', normaliseSecurityHub];
  if (has('schemaVersion') && has('type') && has('service') && (has('accountId') || has('arn'))) {
    return ['guardduty', normaliseGuardDuty];
  }
  // Okta System Log: exports sometimes lower-case keys or drop `published`, so any two of its markers do.
  const oktaType = record.eventType ?? record.eventtype;
  if (typeof oktaType === 'string' && (has('published') || has('actor') || has('uuid') || has('outcome'))) {
    return ['okta', normaliseOkta];
  }
  // GitHub audit: an `action` with a login-string actor or GitHub's own markers. Other audit logs
  // (Slack's, for one) also have `action` and an object-valued `actor`: those are not GitHub's.
  if (
    typeof record.action === 'string' &&
    (typeof record.actor === 'string' ||
      has('@timestamp') ||
      has('_document_id') ||
      has('org') ||
      has('repo'))
  ) {
    return ['github', normaliseGitHubAudit];
  }
  return ['generic', normaliseGeneric];
}

/**
 * Normalises anything Vigil receives: a bare record, an EventBridge envelope, an S3 delivery
 * file `{"Records": [...]}`, or a Security Hub envelope with several findings. Returns one
 * result per contained record; never throws.
 */
export function normalise(input: unknown, ctx: NormaliseContext): NormaliseResult[] {
  if (!isObject(input)) {
    const got = Array.isArray(input) ? 'array' : input === null ? 'null' : typeof input;
    return [fail('unknown', new ValidationError(`expected a JSON object, got ${got}`, 'normalise'), input)];
  }
  if (!hasOwnKey(input)) {
    return [fail('unknown', new ValidationError('empty object: no fields to normalise', 'normalise'), input)];
  }
  if (Array.isArray(input.Records))
    return many(input.Records, 'Records', 'unknown', (r) => normalise(r, ctx));
  if (isEventBridgeEnvelope(input)) return normaliseEnvelope(input, ctx);
  return [guarded(classify(input), input, ctx)];
}

/**
 * Normalisers are total; a throw is a bug. It is caught per record, so one bad record never costs
 * its neighbours in the same object, and the record is kept with the reason.
 */
function guarded(
  [source, normaliser]: [SourceKind, Normaliser],
  record: unknown,
  ctx: NormaliseContext,
): NormaliseResult {
  try {
    return withEventTime(normaliser(record, ctx), ctx);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return fail(source, new ValidationError(`normaliser crashed: ${reason}`, `normalise.${source}`), record);
  }
}

/** Label of an event whose time is when Vigil received it, because the record carried none. */
export const TIME_FROM_RECEIPT_LABEL = 'time_from_receipt';

/**
 * OCSF requires `time`. A record that carries no usable time of its own (normalisers label it
 * TIME_UNKNOWN_LABEL) gets the time it was received, labelled so; without a receipt time it is
 * rejected rather than dated 1970.
 */
function withEventTime(result: NormaliseResult, ctx: NormaliseContext): NormaliseResult {
  if (!result.ok) return result;
  const metadata = result.event.ocsf.metadata;
  const labels = metadata.labels;
  if (!labels?.includes(TIME_UNKNOWN_LABEL)) return result;
  if (ctx.receivedAt === undefined) {
    const why = 'record has no usable time and no receipt time was given';
    return fail(
      result.event.source,
      new ValidationError(why, `normalise.${result.event.source}`),
      result.event.raw,
    );
  }
  result.event.ocsf.time = ctx.receivedAt;
  metadata.labels = labels.map((l) => (l === TIME_UNKNOWN_LABEL ? TIME_FROM_RECEIPT_LABEL : l));
  return result;
}

/** Records of one array, bounded: what is over the bound is returned as one failure holding it, never dropped. */
function many(
  records: unknown[],
  field: string,
  source: SourceKind | 'unknown',
  each: (record: unknown) => NormaliseResult[],
): NormaliseResult[] {
  const out = records.slice(0, MAX_RECORDS_PER_OBJECT).flatMap(each);
  if (records.length > MAX_RECORDS_PER_OBJECT) {
    const rest = records.slice(MAX_RECORDS_PER_OBJECT);
    const why = `${rest.length} records beyond the ${MAX_RECORDS_PER_OBJECT} per object limit of "${field}" were not normalised`;
    out.push(fail(source, new ValidationError(why, 'normalise'), { [field]: rest }));
  }
  return out;
}

function normaliseEnvelope(envelope: Record<string, unknown>, outer: NormaliseContext): NormaliseResult[] {
  const detailType = envelope['detail-type'] as string;
  // The envelope's own time (set by the producer) is a better last resort than the receipt time.
  const envelopeTime = typeof envelope.time === 'string' ? Date.parse(envelope.time) : Number.NaN;
  const ctx = Number.isFinite(envelopeTime) ? { ...outer, receivedAt: envelopeTime } : outer;
  const detail = envelope.detail;
  if (detailType === 'Security Hub Findings - Imported') {
    const findings = isObject(detail) ? detail.findings : undefined;
    if (!Array.isArray(findings) || findings.length === 0) {
      return [
        fail(
          'securityhub',
          new ValidationError('Security Hub envelope without a findings array', 'normalise.securityhub'),
          envelope,
        ),
      ];
    }
    return many(findings, 'findings', 'securityhub', (f) => [
      guarded(['securityhub', normaliseSecurityHub], f, ctx),
    ]);
  }
  // Own keys only: a hostile detail-type such as `__proto__` or `constructor` must not find a normaliser.
  const known = Object.hasOwn(BY_DETAIL_TYPE, detailType) ? BY_DETAIL_TYPE[detailType] : undefined;
  if (known) return [guarded(known, detail, ctx)];
  // Partner buses name their sources `aws.partner/<vendor>/...`; recognise Okta and GitHub by that too.
  const source = envelope.source as string;
  if (source.startsWith('aws.partner/okta.com')) return [guarded(['okta', normaliseOkta], detail, ctx)];
  if (source.startsWith('vigil.ingest.github'))
    return [guarded(['github', normaliseGitHubAudit], detail, ctx)];
  if (isObject(detail)) return [guarded(classify(detail), detail, ctx)];
  return [guarded(['generic', normaliseGeneric], envelope, ctx)];
}
