import type { Severity } from '../detect/types.ts';
import type { SigmaLevel } from './parse.ts';

/**
 * Vigil's documented tuning of third-party Sigma content. Upstream rules are kept verbatim (and
 * attributed); where a rule's own logic makes it fire on activity it was not written for, Vigil
 * lowers its severity — or, as a last resort, disables it — here, keyed by the rule's stable
 * `id:`. Every entry names the flaw in the rule's logic (never a sample line) and, where it
 * exists, the native detection that covers the technique precisely. The tuned detection keeps its
 * attribution and says in its description (and on every signal) that it was tuned, and why.
 *
 * A tuning only ever lowers: a `severity` at or above the rule's own level changes nothing.
 */
export interface SigmaTuning {
  /** The rule title, for readers of this table (the id is what matches). */
  readonly title: string;
  /** A lower severity than the rule's level. */
  readonly severity?: Severity;
  /** The rule never fires (prefer lowering the severity). */
  readonly disabled?: true;
  /** Why: what in the rule's logic makes it broader than its technique. */
  readonly reason: string;
}

export const SIGMA_TUNING: Readonly<Record<string, SigmaTuning>> = {
  '905d389b-b853-46d0-9d3d-dea0d3a3cd49': {
    title: 'AWS STS AssumeRole Misuse',
    disabled: true,
    reason:
      'its only selection is userIdentity.type = AssumedRole with a Role session issuer, which is every ' +
      'API call made with role credentials — in a typical account most of all CloudTrail (46% of a ' +
      'realistic benchmark stream). It cannot tell misuse from use. Native ' +
      'aws.sts.assume_role_from_foreign_account and aws.ec2.instance_credentials_external_use cover the ' +
      'misuse it names.',
  },
  'f305fd62-beca-47da-ad95-7690a0620084': {
    title: 'Potential Bucket Enumeration on AWS',
    disabled: true,
    reason:
      'it matches every ListBuckets made by anything but a role session: the S3 console home page and ' +
      'every `aws s3 ls` of an IAM user issue it. Enumeration is a matter of volume: native ' +
      'aws.s3.bucket_sweep and aws.recon.api_enumeration_burst detect it by volume per principal.',
  },
  '055fb148-60f8-462d-ad16-26926ce050f1': {
    title: 'AWS User Login Profile Was Modified',
    severity: 'low',
    reason:
      'its filter for "changing your own password" tests userIdentity.arn for equality with ' +
      'requestParameters.userName, i.e. a full ARN against a bare user name, which never holds: every ' +
      'UpdateLoginProfile fires at high, including people changing their own password. Native ' +
      'aws.iam.login_profile_for_other_user covers a password set on someone else.',
  },
  '0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2': {
    title: 'AWS IAM Backdoor Users Keys',
    severity: 'low',
    reason:
      'its "key for oneself" filter compares userIdentity.arn with the literal text ' +
      "'responseElements.accessKey.userName' (no |fieldref), so it never excludes anything and has no " +
      'errorCode test: every CreateAccessKey fires, including a user rotating their own key and failed ' +
      'calls. Native aws.iam.access_key_created_for_other_user covers keys made for another user.',
  },
  '77caf516-34e5-4df9-b4db-20744fea0a60': {
    title: 'AWS Successful Console Login Without MFA',
    severity: 'low',
    reason:
      'it keys on additionalEventData.MFAUsed = No, which CloudTrail records for every federated sign-in ' +
      '(IAM Identity Center, SAML, role switches), where MFA is enforced by the identity provider and ' +
      'never visible to AWS. Native aws.signin.console_login_no_mfa covers IAM users and root, for whom ' +
      'the field is meaningful.',
  },
  '6fb77778-040f-4015-9440-572aa9b6b580': {
    title: 'Ingress/Egress Security Group Modification',
    severity: 'low',
    reason:
      'it matches every security-group rule call — revocations (which narrow access), failed and refused ' +
      'calls, and infrastructure-as-code deployments — at medium. Native aws.ec2.security_group_opened ' +
      'grades a change by what it opens (the world, admin ports) and by who made it.',
  },
  'c803b2ce-c4a2-4836-beae-b112010390b1': {
    title: 'New Network Route Added',
    severity: 'low',
    reason:
      'it matches every CreateRoute, including failed calls and routine subnet set-up, at medium. Native ' +
      'aws.ec2.route_table_changed raises the routes that change exposure (a default route to the ' +
      'internet, traffic steered through an instance).',
  },
  '457cc9ac-d8e6-4d1d-8c0e-251d0f11a74c': {
    title: 'Modification or Deletion of an AWS RDS Cluster',
    severity: 'low',
    reason:
      'it raises every ModifyDBCluster (maintenance windows, instance classes, parameter groups, backup ' +
      'retention) at high. The risky cases are covered by native detections that read the change: ' +
      'aws.rds.instance_exposed_publicly and aws.rds.database_deleted.',
  },
  '07330162-dba1-4746-8121-a9647d49d297': {
    title: 'AWS Config Disabling Channel/Recorder',
    severity: 'low',
    reason:
      'it has no errorCode test, so calls that changed nothing (NoSuchDeliveryChannel, refused) fire at ' +
      'high. Native aws.config.recording_disabled reports successful disabling at high and refused ' +
      'attempts at medium.',
  },
  '4db60cc0-36fb-42b7-9b58-a5b53019fb74': {
    title: 'AWS CloudTrail Important Change',
    severity: 'low',
    reason:
      'it has no errorCode test, so calls that changed nothing (a wrong trail name, a conflict) fire, and ' +
      'it treats every UpdateTrail alike. Native aws.cloudtrail.logging_stopped, trail_deleted and ' +
      'trail_weakened report successful changes at high/medium and refused attempts at medium.',
  },
  'abae8fec-57bd-4f87-aff6-6e3db989843d': {
    title: 'AWS Snapshot Backup Exfiltration',
    severity: 'low',
    reason:
      'its only selection is the event name ModifySnapshotAttribute: it fires at medium on every change to ' +
      "a snapshot's permissions, including shares with the organisation's own accounts (cross-account " +
      'backup), removals, and failed calls. Native aws.ec2.snapshot_shared_externally reports shares outside ' +
      'the organisation at high and public shares at critical.',
  },
  '91b76b84-8589-47aa-9605-c837583b82a9': {
    title: 'Potential Okta Password in AlternateID Field',
    severity: 'low',
    reason:
      'its filter treats every typed username that is not an e-mail address or an app id as a password, ' +
      'so an organisation with plain usernames ("admin", "jsmith"), or anyone mistyping one, fires at high ' +
      'on every failed sign-in. Native okta.password_in_username flags only usernames shaped like passwords.',
  },
};

const LEVEL_SEVERITY: Record<SigmaLevel, Severity> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};
const ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface AppliedTuning {
  readonly severity: Severity;
  readonly disabled: boolean;
  /** Appended to the detection's description. */
  readonly note: string;
  /** `high→low`, `disabled`: what a signal's evidence records. */
  readonly summary: string;
}

/**
 * The tuning of one rule (by its Sigma `id`), or undefined when the rule is used as written.
 * `level` is the rule's own level; the result never raises it.
 */
export function tuningFor(
  ruleId: string | undefined,
  level: SigmaLevel | undefined,
  table: Readonly<Record<string, SigmaTuning>> = SIGMA_TUNING,
): AppliedTuning | undefined {
  if (ruleId === undefined || !Object.hasOwn(table, ruleId)) return undefined;
  const t = table[ruleId] as SigmaTuning;
  const original = LEVEL_SEVERITY[level ?? 'medium'];
  if (t.disabled) {
    return {
      severity: original,
      disabled: true,
      note: `Tuned by Vigil (disabled): ${t.reason}`,
      summary: 'disabled',
    };
  }
  if (t.severity === undefined || ORDER[t.severity] >= ORDER[original]) return undefined;
  return {
    severity: t.severity,
    disabled: false,
    note: `Tuned by Vigil from ${original} to ${t.severity}: ${t.reason}`,
    summary: `${original}→${t.severity}`,
  };
}

/** The table as Markdown, for the README: rule, id, change, reason. */
export function sigmaTuningTable(table: Readonly<Record<string, SigmaTuning>> = SIGMA_TUNING): string {
  const rows = Object.entries(table).map(
    ([id, t]) =>
      `| ${t.title} | \`${id}\` | ${t.disabled ? 'disabled' : `→ ${t.severity ?? '(unchanged)'}`} | ${t.reason} |`,
  );
  return ['| Sigma rule | id | tuning | why |', '|---|---|---|---|', ...rows].join('\n');
}
