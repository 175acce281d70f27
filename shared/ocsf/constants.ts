/** OCSF schema version Vigil emits; checked against ../shared/data/ocsf/schema-1.1.0.compiled.json in tests. */
export const OCSF_VERSION = '1.1.0';

export const OcsfClass = {
  DetectionFinding: { uid: 2004, name: 'Detection Finding', category_uid: 2, category_name: 'Findings' },
  AccountChange: {
    uid: 3001,
    name: 'Account Change',
    category_uid: 3,
    category_name: 'Identity & Access Management',
  },
  Authentication: {
    uid: 3002,
    name: 'Authentication',
    category_uid: 3,
    category_name: 'Identity & Access Management',
  },
  ApiActivity: { uid: 6003, name: 'API Activity', category_uid: 6, category_name: 'Application Activity' },
  /** Fallback for records no dedicated normaliser recognises: OCSF "Base Event". */
  BaseEvent: { uid: 0, name: 'Base Event', category_uid: 0, category_name: 'Uncategorized' },
} as const;

export type OcsfClassInfo = (typeof OcsfClass)[keyof typeof OcsfClass];

/** `type_uid` is defined by OCSF as class_uid * 100 + activity_id. */
export const typeUid = (classUid: number, activityId: number): number => classUid * 100 + activityId;

export const SeverityId = {
  Unknown: 0,
  Informational: 1,
  Low: 2,
  Medium: 3,
  High: 4,
  Critical: 5,
  Fatal: 6,
  Other: 99,
} as const;

export const SEVERITY_NAMES: Record<number, string> = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
  99: 'Other',
};

export const StatusId = { Unknown: 0, Success: 1, Failure: 2, Other: 99 } as const;

/** Names Vigil stamps on `metadata.product`. */
export const VIGIL_PRODUCT = { name: 'Vigil', vendor_name: 'Vigil' } as const;
