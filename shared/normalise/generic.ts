import { OCSF_VERSION, OcsfClass, SeverityId, typeUid } from '../ocsf/constants.ts';
import type { OcsfEvent } from '../ocsf/types.ts';
import type { Normaliser } from './types.ts';
import { TIME_UNKNOWN_LABEL } from './util-ext-ocsf.ts';
import { fields, str } from './util-fields.ts';
import { finish, reject } from './util-result.ts';
import { parseAnyTime } from './util-time.ts';

/**
 * Any JSON object no dedicated normaliser recognises → OCSF Base Event (class 0), the whole record
 * in `unmapped`, so that it is searchable and on the timeline rather than lost.
 *
 * A record without a recognisable timestamp is refused: `time` is required, and stamping the time
 * of ingest instead would put an event of unknown age on an attack timeline as if it had just
 * happened (and would make this pure function depend on a clock).
 */

const SOURCE = 'generic';

/** Where logs of unknown origin keep their event time, most specific first. */
const TIME_FIELDS = [
  'time',
  'timestamp',
  '@timestamp',
  'Timestamp',
  'TIMESTAMP',
  'EVENT_TIMESTAMP',
  'eventTime',
  'eventtime',
  'event_time',
  'EventTime',
  'TimeGenerated',
  'TimeCreated',
  'requestReceivedTimestamp', // Kubernetes audit
  'messageTime',
  'query_timestamp', // Route 53 resolver
  'date_create', // Slack audit
  'created_at',
  'createdAt',
  'createdDateTime',
  'creationTime',
  'created',
  'generatedDateTime',
  'published',
  'p_event_time',
  'start_time',
  'unixTime',
  'datetime',
  'date',
  'ts',
] as const;

const UNKNOWN_ACTIVITY = 0;

export const normaliseGeneric: Normaliser = (record, ctx) => {
  const r = fields(record);
  if (!r) return reject(SOURCE, 'record is not a JSON object', record);
  let time: number | undefined;
  let value: unknown;
  for (const field of TIME_FIELDS) {
    value = r[field];
    if (value === undefined) continue;
    time = parseAnyTime(value);
    if (time !== undefined) break;
  }
  // No recognisable timestamp: still an event; the dispatcher stamps the receipt time and labels it.
  const info = OcsfClass.BaseEvent;
  const event: OcsfEvent = {
    class_uid: info.uid,
    class_name: info.name,
    category_uid: info.category_uid,
    category_name: info.category_name,
    activity_id: UNKNOWN_ACTIVITY,
    activity_name: 'Unknown',
    type_uid: typeUid(info.uid, UNKNOWN_ACTIVITY),
    type_name: `${info.name}: Unknown`,
    severity_id: SeverityId.Informational,
    severity: 'Informational',
    time: time ?? 0,
    metadata: {
      version: OCSF_VERSION,
      product: { vendor_name: 'Unknown', name: 'generic' },
      ...(time === undefined
        ? { labels: [TIME_UNKNOWN_LABEL] }
        : { original_time: typeof value === 'number' ? String(value) : (str(value) ?? '') }),
    },
    unmapped: r,
  };
  return finish(SOURCE, event, record, ctx);
};
