import { OCSF_VERSION, type OcsfClassInfo, SEVERITY_NAMES, typeUid } from '../ocsf/constants.ts';
import type { OcsfEndpoint, OcsfEvent, OcsfProduct } from '../ocsf/types.ts';
import { lookup } from './util-ext-read.ts';

/** What a SaaS audit normaliser (Okta, GitHub) knows before the class-specific attributes. */
export interface EventHead {
  cls: OcsfClassInfo;
  activityId: number;
  activityName: string;
  product: OcsfProduct;
  /** The cloud profile's `provider`: the platform hosting the tenant (see each normaliser). */
  provider: string;
  uid: string;
  /** The source's own event name (Okta eventType, GitHub action). */
  eventCode: string;
  /** Epoch milliseconds, undefined when the record gave no usable time. */
  time: number | undefined;
  /** The source's time text, as written. */
  originalTime?: string;
  severityId: number;
  /** The source's severity text, kept when it maps to no OCSF level (severity_id 99). */
  severityText?: string;
}

/**
 * When a record carries no usable time, `time` (required by OCSF) is set to 0 and the event is
 * labelled so, rather than quarantining an otherwise useful record or inventing a clock reading
 * inside a pure normaliser: consumers can tell "unknown" from a real 1970 event by the label.
 */
export const TIME_UNKNOWN_LABEL = 'time_unknown';

/** The class, activity, severity, time, metadata and cloud attributes every event needs. */
export function eventHead(h: EventHead): OcsfEvent {
  const event: OcsfEvent = {
    class_uid: h.cls.uid,
    class_name: h.cls.name,
    category_uid: h.cls.category_uid,
    category_name: h.cls.category_name,
    activity_id: h.activityId,
    activity_name: h.activityName,
    type_uid: typeUid(h.cls.uid, h.activityId),
    // For Other (99) activity_name carries the source's own word; type_name keeps OCSF's caption.
    type_name: `${h.cls.name}: ${h.activityId === 99 ? 'Other' : h.activityName}`,
    severity_id: h.severityId,
    severity: h.severityId === 99 && h.severityText ? h.severityText : SEVERITY_NAMES[h.severityId],
    time: h.time ?? 0,
    metadata: {
      version: OCSF_VERSION,
      product: h.product,
      uid: h.uid,
      event_code: h.eventCode,
      profiles: ['cloud'],
    },
    cloud: { provider: h.provider },
  };
  if (h.time === undefined) event.metadata.labels = [TIME_UNKNOWN_LABEL];
  if (h.originalTime !== undefined) event.metadata.original_time = h.originalTime;
  return event;
}

/** OCSF's `email_t` pattern: only values it accepts are put in `email_addr`. */
const EMAIL = /^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;

export const isEmail = (v: string): boolean => v.length <= 320 && EMAIL.test(v);

/**
 * API Activity requires `src_endpoint`, and an OCSF endpoint must name itself (ip, name, uid, …).
 * Audit records without a client address still get one, saying plainly that the source is unknown.
 */
export const unknownEndpoint = (): OcsfEndpoint => ({ name: 'unknown' });

/** The OCSF activity of an API call, read from the verb that starts the last segment of its name. */
const API_ACTIVITY_BY_VERB: Record<string, number> = {
  create: 1,
  created: 1,
  add: 1,
  grant: 1,
  invite: 1,
  read: 2,
  show: 2,
  view: 2,
  get: 2,
  list: 2,
  search: 2,
  clone: 2,
  fetch: 2,
  download: 2,
  export: 2,
  update: 3,
  updated: 3,
  change: 3,
  modify: 3,
  set: 3,
  edit: 3,
  rename: 3,
  enable: 3,
  enabled: 3,
  disable: 3,
  disabled: 3,
  activate: 3,
  deactivate: 3,
  archive: 3,
  archived: 3,
  unarchive: 3,
  transfer: 3,
  reset: 3,
  dismiss: 3,
  promote: 3,
  demote: 3,
  suspend: 3,
  unsuspend: 3,
  lock: 3,
  unlock: 3,
  delete: 4,
  deleted: 4,
  destroy: 4,
  remove: 4,
  removed: 4,
  revoke: 4,
  purge: 4,
};

/** `system.api_token.revoke` → 4 (Delete); `org.disable_two_factor_requirement` → 3 (Update); else 99 (Other). */
export function apiActivityOf(name: string): number {
  const last = name.slice(name.lastIndexOf('.') + 1);
  const verb = last.split('_', 1)[0] ?? '';
  return lookup(API_ACTIVITY_BY_VERB, verb) ?? 99;
}

export const API_ACTIVITY_NAMES: Record<number, string> = {
  1: 'Create',
  2: 'Read',
  3: 'Update',
  4: 'Delete',
  99: 'Other',
};

/** OCSF 1.1 Account Change (3001) activity captions. */
export const ACCOUNT_ACTIVITY_NAMES: Record<number, string> = {
  1: 'Create',
  2: 'Enable',
  3: 'Password Change',
  4: 'Password Reset',
  5: 'Disable',
  6: 'Delete',
  7: 'Attach Policy',
  8: 'Detach Policy',
  9: 'Lock',
  10: 'MFA Factor Enable',
  11: 'MFA Factor Disable',
};

/**
 * OCSF's `location.country` is an ISO 3166-1 alpha-2 code, upper case. GitHub writes codes; Okta
 * writes English names ("United States"), looked up in the region names ICU ships with Node.
 */
export function countryCode(value: string): string | undefined {
  if (/^[A-Za-z]{2}$/.test(value)) return value.toUpperCase();
  codeByName ??= regionIndex();
  return codeByName.get(value.toLowerCase());
}

let codeByName: Map<string, string> | undefined;

function regionIndex(): Map<string, string> {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  const index = new Map<string, string>();
  for (let first = 65; first <= 90; first++) {
    for (let second = 65; second <= 90; second++) {
      const code = String.fromCharCode(first, second);
      const name = names.of(code);
      // Unassigned codes name themselves; ZZ is "Unknown Region"; GB comes before the reserved UK.
      if (name && name !== code && code !== 'ZZ' && !index.has(name.toLowerCase()))
        index.set(name.toLowerCase(), code);
    }
  }
  return index;
}
