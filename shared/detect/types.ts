import type { NormalisedEvent, SourceKind } from '../normalise/types.ts';

/** Vigil's severity scale for signals and incidents; ordered. */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITY_ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
export const atLeast = (s: Severity, floor: Severity): boolean => SEVERITY_ORDER[s] >= SEVERITY_ORDER[floor];

/** MITRE ATT&CK tactic ids (enterprise), in kill-chain order; used for progression scoring. */
export const TACTICS = {
  TA0043: 'Reconnaissance',
  TA0042: 'Resource Development',
  TA0001: 'Initial Access',
  TA0002: 'Execution',
  TA0003: 'Persistence',
  TA0004: 'Privilege Escalation',
  TA0005: 'Defense Evasion',
  TA0006: 'Credential Access',
  TA0007: 'Discovery',
  TA0008: 'Lateral Movement',
  TA0009: 'Collection',
  TA0011: 'Command and Control',
  TA0010: 'Exfiltration',
  TA0040: 'Impact',
} as const;
export type Tactic = keyof typeof TACTICS;

export type EntityType = 'principal' | 'access_key' | 'ip' | 'resource' | 'account';
export interface EntityRef {
  type: EntityType;
  /** Canonical id: principal ARN (or IdP user id), access key id, IP, resource ARN/id, account id. */
  id: string;
}

/** What a detection returns when it fires. Everything optional: the engine fills the defaults. */
export interface Hit {
  /** Entities beyond the ones the engine derives from the event (actor, key, IP, account, resources). */
  entities?: EntityRef[];
  /** Small, safe facts for the analyst and the narrative (never a whole record). */
  evidence?: Record<string, string | number | boolean>;
  /** Raise (never lower) the detection's severity for this hit, e.g. a public share vs one account. */
  severity?: Severity;
  /** Risk for this hit when it differs from the detection's default. */
  risk?: number;
}

/** Windowed state for burst/threshold detections. Owned by the caller (stream, Lambda container). */
export interface WindowState {
  /** Records `member` under `key` at `time`; returns how many distinct members `key` had within `windowMs`. */
  distinct(key: string, member: string, time: number, windowMs: number): number;
  /** Records one occurrence under `key` at `time`; returns the count within `windowMs`. */
  count(key: string, time: number, windowMs: number): number;
  /**
   * `distinct` for members that belong to a group (an API and its service): records `member` of
   * `group` under `key` and returns how many distinct members, and how many distinct groups among
   * them, `key` had within `windowMs`. One call where two `distinct` calls would each keep a window.
   */
  distinctGrouped(key: string, member: string, group: string, time: number, windowMs: number): GroupedCount;
}

export interface GroupedCount {
  members: number;
  groups: number;
}

/** What the deployment knows about itself; detections use it to tell "ours" from "outside". */
export interface DetectionConfig {
  /** Account ids of the organisation: a share or trust to any other account is "foreign". */
  orgAccounts: ReadonlySet<string>;
  /** True when an IP is inside the organisation's usual networks (office, VPN, NAT egress). */
  isTrustedNetwork(ip: string): boolean;
}

export interface DetectionContext {
  window: WindowState;
  config: DetectionConfig;
}

/** One test case of a detection: raw records (as a source delivers them), the expectation for the LAST one. */
export interface DetectionCase {
  name: string;
  fires: boolean;
  /** Raw records, each normalised with the real normaliser before the detection sees it. */
  records: unknown[];
}

/**
 * A detection as code. Pure: a function of the normalised event (raw record at `ev.raw`) and the
 * window state; no clock, no I/O.
 */
export interface Detection {
  /** Stable, dotted: `aws.iam.admin_policy_attached`. Signals, suppressions and metrics key on it. */
  id: string;
  title: string;
  description: string;
  /** ATT&CK technique ids, e.g. `T1098.003`. */
  attack: string[];
  tactic: Tactic;
  severity: Severity;
  /** Default risk points this signal adds to each of its entities. */
  risk: number;
  sources: SourceKind[];
  /**
   * The trigger keys this detection can fire on (CloudTrail eventName, Okta eventType, GitHub
   * action, GuardDuty/Security Hub: finding type prefix is not used — leave undefined). Undefined
   * means every event of its sources. The engine indexes on this to skip most detections per event.
   */
  triggers?: readonly string[];
  /**
   * For a detection whose keys cannot be listed (every `List*` or `Describe*` API): the keys it can
   * fire on. The engine asks once per distinct key and remembers the answer, so it must depend on
   * the key alone; an event without a key never meets such a detection. Ignored when `triggers` is set.
   */
  acceptsKey?: (key: string) => boolean;
  detect(ev: NormalisedEvent, ctx: DetectionContext): Hit | undefined;
  cases: DetectionCase[];
  /** Author, licence and origin of a detection written elsewhere (Sigma rules): kept on every signal. */
  attribution?: string;
}

export type SignalOrigin = 'detection' | 'sigma' | 'baseline' | 'intel' | 'finding';

/** A detection's verdict on one event: the unit that scoring and correlation consume. */
export interface Signal {
  /** Deterministic (rule id + event id): the same event delivered twice yields the same signal id. */
  id: string;
  rule_id: string;
  title: string;
  severity: Severity;
  risk: number;
  attack: string[];
  tactic: Tactic;
  origin: SignalOrigin;
  source: SourceKind;
  /** Event time (ms). */
  time: number;
  /** metadata.uid of the event: the evidence the signal stands on. */
  event_uid: string;
  entities: EntityRef[];
  evidence: Record<string, string | number | boolean>;
  /** Sigma attribution (author, licence) when origin is `sigma`. */
  attribution?: string;
}
