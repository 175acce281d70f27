/**
 * AWS defense evasion: logging, detection and guardrails switched off, narrowed or pointed elsewhere.
 * CloudTrail only.
 */
import type { Detection, DetectionContext, Hit, Severity } from '../types.ts';
import {
  actorOf,
  actsOnSelf,
  ct,
  DAY,
  denied,
  eventName,
  eventSource,
  FOREIGN,
  failed,
  guarded,
  isInteractiveOrStolen,
  ORG,
  ORG2,
  RISK,
  rb,
  recalls,
  remember,
  rl,
  rn,
  rs,
  rsx,
  rv,
  SECURITY_NAME,
  strings,
  who,
} from './aws-helpers-a.ts';

/** `false` or the text "false": attribute values arrive in either form, anything else is not false. */
const isFalse = (v: unknown): boolean =>
  v === false || (typeof v === 'string' && v.toLowerCase() === 'false');

const at = (severity: Severity): Pick<Hit, 'severity' | 'risk'> => ({ severity, risk: RISK[severity] });

/** A refused attempt at one of the loudest tamper calls: the intent is the signal, at a lower severity. */
const attemptOrSuccess = (
  raw: unknown,
  success: Severity,
  attempt: Severity,
): Pick<Hit, 'severity' | 'risk'> | undefined => {
  if (!failed(raw)) return at(success);
  return denied(raw) ? at(attempt) : undefined;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// CloudTrail
// ---------------------------------------------------------------------------------------------

const CLOUDTRAIL = 'cloudtrail.amazonaws.com';
const trailName = (raw: unknown): string =>
  rsx(raw, 'requestParameters.name') ?? rsx(raw, 'requestParameters.trailName') ?? '';

const loggingStopped: Detection = {
  id: 'aws.cloudtrail.logging_stopped',
  title: 'CloudTrail logging stopped',
  description:
    'A trail (or a CloudTrail Lake event data store) was told to stop recording. Everything done afterwards is ' +
    'invisible to this SOC, which is why attackers do it first; a refused attempt still shows the intent and is ' +
    'reported at lower severity.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['StopLogging', 'StopEventDataStoreIngestion'],
  detect: guarded({ source: CLOUDTRAIL, keepFailed: true }, (raw) => {
    const s = attemptOrSuccess(raw, 'high', 'medium');
    if (!s) return undefined;
    return {
      evidence: {
        event: eventName(raw),
        trail: trailName(raw) || (rsx(raw, 'requestParameters.eventDataStore') ?? ''),
        refused: failed(raw),
      },
      ...s,
    };
  }),
  cases: [
    {
      name: 'trail stopped',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'StopLogging',
          identity: who.role('tester', 'tester'),
          params: { name: `arn:aws:cloudtrail:eu-west-1:${ORG}:trail/org-trail` },
        }),
      ],
    },
    {
      name: 'attempt refused by an SCP',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'StopLogging',
          identity: who.user('dev1'),
          params: { name: 'org-trail' },
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'wrong trail name',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'StopLogging',
          identity: who.user('dev1'),
          params: { name: 'nope' },
          error: 'TrailNotFoundException',
        }),
      ],
    },
    {
      name: 'logging started',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'StartLogging',
          identity: who.user('dev1'),
          params: { name: 'org-trail' },
        }),
      ],
    },
  ],
};

const trailDeleted: Detection = {
  id: 'aws.cloudtrail.trail_deleted',
  title: 'CloudTrail trail or event data store deleted',
  description:
    'A trail or CloudTrail Lake event data store was deleted: recording stops and, for a data store, the history ' +
    'kept in it is scheduled for removal. Refused attempts are reported at lower severity.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['DeleteTrail', 'DeleteEventDataStore'],
  detect: guarded({ source: CLOUDTRAIL, keepFailed: true }, (raw) => {
    const s = attemptOrSuccess(raw, 'high', 'medium');
    if (!s) return undefined;
    return {
      evidence: {
        event: eventName(raw),
        trail: trailName(raw) || (rsx(raw, 'requestParameters.eventDataStore') ?? ''),
        refused: failed(raw),
      },
      ...s,
    };
  }),
  cases: [
    {
      name: 'trail deleted',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'DeleteTrail',
          identity: who.user('dev1'),
          params: { name: 'org-trail' },
        }),
      ],
    },
    {
      name: 'delete conflicted',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'DeleteTrail',
          identity: who.user('dev1'),
          params: { name: 'org-trail' },
          error: 'ConflictException',
        }),
      ],
    },
    {
      name: 'trail described',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'DescribeTrails',
          identity: who.user('dev1'),
          params: { trailNameList: [] },
        }),
      ],
    },
  ],
};

const trailWeakened: Detection = {
  id: 'aws.cloudtrail.trail_weakened',
  title: 'CloudTrail trail reconfigured to record less or deliver elsewhere',
  description:
    'UpdateTrail changed where the trail delivers (a new S3 bucket, CloudWatch Logs removed) or what it covers ' +
    '(single region only, no global service events, no organisation accounts, no log-file validation, no KMS ' +
    'encryption). Redirecting delivery to a bucket the attacker owns, or narrowing coverage, blinds the SOC ' +
    'while the trail still looks "on".',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['UpdateTrail'],
  detect: guarded({ source: CLOUDTRAIL }, (raw) => {
    const changes: string[] = [];
    const off = (field: string) => rb(raw, `requestParameters.${field}`) === false;
    if (off('isMultiRegionTrail')) changes.push('single_region');
    if (off('includeGlobalServiceEvents')) changes.push('no_global_events');
    if (off('isOrganizationTrail')) changes.push('not_organization');
    if (off('enableLogFileValidation')) changes.push('no_validation');
    if (rs(raw, 'requestParameters.kmsKeyId') === '') changes.push('encryption_removed');
    if (rs(raw, 'requestParameters.cloudWatchLogsLogGroupArn') === '') changes.push('cloudwatch_removed');
    const bucket = rsx(raw, 'requestParameters.s3BucketName');
    if (bucket) changes.push('bucket_changed');
    if (changes.length === 0) return undefined;
    const redirected = bucket !== undefined || changes.includes('cloudwatch_removed');
    const evidence: Hit['evidence'] = { trail: trailName(raw), changes: changes.join(',') };
    if (bucket) evidence.new_bucket = bucket;
    return redirected ? { evidence, ...at('high') } : { evidence };
  }),
  cases: [
    {
      name: 'trail pointed at a new bucket',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'UpdateTrail',
          identity: who.user('dev1'),
          params: { name: 'org-trail', s3BucketName: 'tmp-archive-77' },
        }),
      ],
    },
    {
      name: 'trail narrowed to one region',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'UpdateTrail',
          identity: who.user('dev1'),
          params: { name: 'org-trail', isMultiRegionTrail: false },
        }),
      ],
    },
    {
      name: 'SNS topic added',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'UpdateTrail',
          identity: who.user('dev1'),
          params: { name: 'org-trail', snsTopicName: 'trail-notify' },
        }),
      ],
    },
    {
      name: 'validation turned on',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'UpdateTrail',
          identity: who.user('dev1'),
          params: { name: 'org-trail', enableLogFileValidation: true },
        }),
      ],
    },
  ],
};

/** The account an ARN names (`arn:partition:service:region:account:…`), if it is a 12-digit id. */
const arnAccount = (arn: string): string | undefined => {
  const account = arn.startsWith('arn:') ? arn.split(':')[4] : undefined;
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
};

/** Delivery settings of a trail or a Config delivery channel that carry an account in their ARN. */
const DELIVERY_ARNS: Record<string, readonly string[]> = {
  CreateTrail: [
    'requestParameters.snsTopicName',
    'requestParameters.kmsKeyId',
    'requestParameters.cloudWatchLogsRoleArn',
    'responseElements.snsTopicARN',
    'responseElements.kmsKeyId',
  ],
  UpdateTrail: [
    'requestParameters.snsTopicName',
    'requestParameters.kmsKeyId',
    'requestParameters.cloudWatchLogsRoleArn',
    'responseElements.snsTopicARN',
    'responseElements.kmsKeyId',
  ],
  PutDeliveryChannel: [
    'requestParameters.deliveryChannel.snsTopicARN',
    'requestParameters.deliveryChannel.s3KmsKeyArn',
  ],
};

const deliveryForeign: Detection = {
  id: 'aws.logging.delivery_to_foreign_account',
  title: 'Trail or Config delivery tied to another account',
  description:
    'A trail (CreateTrail/UpdateTrail) or an AWS Config delivery channel (PutDeliveryChannel) names an SNS topic, ' +
    'a KMS key or a delivery role in an account outside the organisation. A foreign notification topic hands ' +
    'an outsider a live feed of every log file or configuration change; a foreign KMS key lets its owner ' +
    'decrypt the logs, or revoke the key and leave the account with logs nobody can read. Creating a trail or ' +
    'a delivery channel is otherwise routine and is not flagged: the destination bucket name carries no ' +
    'account, so a foreign bucket can only be caught where a bucket of ours is tampered with. Failed calls ' +
    'and AWS services are ignored.',
  attack: ['T1562.008', 'T1537'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: Object.keys(DELIVERY_ARNS),
  detect: guarded({ source: [CLOUDTRAIL, 'config.amazonaws.com'] }, (raw, ctx) => {
    const paths = DELIVERY_ARNS[eventName(raw)];
    if (!paths) return undefined;
    const own = rsx(raw, 'recipientAccountId');
    for (const path of paths) {
      const arn = rsx(raw, path);
      const account = arn === undefined ? undefined : arnAccount(arn);
      if (account === undefined || account === own || ctx.config.orgAccounts.has(account)) continue;
      return {
        entities: [{ type: 'account', id: account }],
        evidence: {
          event: eventName(raw),
          setting: path.slice(path.lastIndexOf('.') + 1),
          foreign_account: account,
          arn: (arn ?? '').slice(0, 256),
        },
      };
    }
    return undefined;
  }),
  cases: [
    {
      name: 'trail encrypted with a key in an outside account',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'CreateTrail',
          identity: who.user('ops'),
          params: {
            name: 'audit',
            s3BucketName: 'audit-logs-5521',
            kmsKeyId: `arn:aws:kms:eu-west-1:${FOREIGN}:key/1a2b3c4d-0000-4000-8000-0123456789ab`,
          },
        }),
      ],
    },
    {
      name: 'Config changes announced to an outside topic',
      fires: true,
      records: [
        ct({
          source: 'config',
          name: 'PutDeliveryChannel',
          identity: who.sso('Admin', 'kim'),
          params: {
            deliveryChannel: {
              name: 'default',
              s3BucketName: 'config-history-5521',
              snsTopicARN: `arn:aws:sns:eu-west-1:${FOREIGN}:config-stream`,
            },
          },
        }),
      ],
    },
    {
      name: 'plain trail creation with an own-account key',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'CreateTrail',
          identity: who.user('ops'),
          params: {
            name: 'audit',
            s3BucketName: 'audit-logs-5521',
            kmsKeyId: `arn:aws:kms:eu-west-1:${ORG}:key/1a2b3c4d-0000-4000-8000-0123456789ab`,
          },
        }),
      ],
    },
    {
      name: 'delivery channel to the organisation log-archive account',
      fires: false,
      records: [
        ct({
          source: 'config',
          name: 'PutDeliveryChannel',
          identity: who.user('ops'),
          params: {
            deliveryChannel: { name: 'default', snsTopicARN: `arn:aws:sns:eu-west-1:${ORG2}:config-stream` },
          },
        }),
      ],
    },
    {
      name: 'creation that failed',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'CreateTrail',
          identity: who.user('ops'),
          error: 'InsufficientEncryptionPolicyException',
          params: {
            name: 'audit',
            s3BucketName: 'audit-logs-5521',
            kmsKeyId: `arn:aws:kms:eu-west-1:${FOREIGN}:key/1a2b3c4d-0000-4000-8000-0123456789ab`,
          },
        }),
      ],
    },
  ],
};

/** What a set of (basic or advanced) event selectors leaves out of management-event logging. */
function selectorGaps(raw: unknown): { severity: Severity; gaps: string[] } | undefined {
  const basic = rv(raw, 'requestParameters.eventSelectors');
  const advanced = rv(raw, 'requestParameters.advancedEventSelectors');
  const gaps: string[] = [];
  if (Array.isArray(basic)) {
    if (basic.length === 0 && !Array.isArray(advanced)) return { severity: 'high', gaps: ['no_selectors'] };
    const mgmt = basic.filter((s) => rb(s, 'includeManagementEvents') !== false);
    if (basic.length > 0 && mgmt.length === 0) gaps.push('management_events_excluded');
    const rw = new Set(mgmt.map((s) => rs(s, 'readWriteType') ?? 'All'));
    if (mgmt.length > 0 && !rw.has('All') && !rw.has('WriteOnly')) gaps.push('write_events_excluded');
    else if (mgmt.length > 0 && !rw.has('All')) gaps.push('read_events_excluded');
    const excluded = mgmt.flatMap((s) => strings(rl(s, 'excludeManagementEventSources')));
    if (excluded.length > 0) gaps.push(`sources_excluded:${excluded.join('|')}`);
  }
  if (Array.isArray(advanced)) {
    if (advanced.length === 0 && !Array.isArray(basic)) return { severity: 'high', gaps: ['no_selectors'] };
    const fields = advanced.map((s) => rl(s, 'fieldSelectors'));
    const isMgmt = (fs: unknown[]) =>
      fs.some((f) => rs(f, 'field') === 'eventCategory' && strings(rl(f, 'equals')).includes('Management'));
    const mgmt = fields.filter(isMgmt);
    if (advanced.length > 0 && mgmt.length === 0) gaps.push('management_events_excluded');
    for (const fs of mgmt) {
      for (const f of fs) {
        const field = rs(f, 'field');
        if (field === 'readOnly' && strings(rl(f, 'equals')).includes('true'))
          gaps.push('write_events_excluded');
        if (field === 'eventSource' && rl(f, 'notEquals').length > 0)
          gaps.push(`sources_excluded:${strings(rl(f, 'notEquals')).join('|')}`);
      }
    }
  }
  if (gaps.length === 0) return undefined;
  const severe = gaps.some((g) => g === 'management_events_excluded' || g === 'write_events_excluded');
  return { severity: severe ? 'high' : 'medium', gaps };
}

const selectorsReduced: Detection = {
  id: 'aws.cloudtrail.selectors_reduced',
  title: 'CloudTrail event or Insights selectors narrowed',
  description:
    'Event selectors on a trail were set so that management events, or write events, are no longer recorded, or ' +
    'chosen services (often KMS or RDS Data) are excluded; or CloudTrail Insights was turned off. The trail keeps ' +
    'running, so the gap is easy to miss, but the calls an attacker cares most about stop being logged.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['PutEventSelectors', 'PutInsightSelectors'],
  detect: guarded({ source: CLOUDTRAIL }, (raw) => {
    const trail = trailName(raw);
    if (eventName(raw) === 'PutInsightSelectors') {
      const selectors = rv(raw, 'requestParameters.insightSelectors');
      return Array.isArray(selectors) && selectors.length === 0
        ? { evidence: { trail, gaps: 'insights_disabled' }, ...at('low') }
        : undefined;
    }
    const g = selectorGaps(raw);
    return g ? { evidence: { trail, gaps: g.gaps.join(',') }, ...at(g.severity) } : undefined;
  }),
  cases: [
    {
      name: 'management events excluded, read-only data events kept',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'PutEventSelectors',
          identity: who.sso('SampleRole', 'leroy.jenkins'),
          params: {
            trailName: 'org-trail',
            eventSelectors: [
              {
                readWriteType: 'ReadOnly',
                includeManagementEvents: false,
                dataResources: [{ type: 'AWS::S3::Object', values: [] }],
                excludeManagementEventSources: [],
              },
            ],
          },
        }),
      ],
    },
    {
      name: 'KMS events excluded',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'PutEventSelectors',
          identity: who.user('dev1'),
          params: {
            trailName: 'org-trail',
            eventSelectors: [
              {
                readWriteType: 'All',
                includeManagementEvents: true,
                excludeManagementEventSources: ['kms.amazonaws.com'],
              },
            ],
          },
        }),
      ],
    },
    {
      name: 'advanced selectors keep only read-only management events',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'PutEventSelectors',
          identity: who.user('dev1'),
          params: {
            trailName: 'org-trail',
            advancedEventSelectors: [
              {
                name: 'mgmt',
                fieldSelectors: [
                  { field: 'eventCategory', equals: ['Management'] },
                  { field: 'readOnly', equals: ['true'] },
                ],
              },
            ],
          },
        }),
      ],
    },
    {
      name: 'all management events plus S3 data events',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'PutEventSelectors',
          identity: who.user('dev1'),
          params: {
            trailName: 'org-trail',
            eventSelectors: [
              {
                readWriteType: 'All',
                includeManagementEvents: true,
                dataResources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3'] }],
                excludeManagementEventSources: [],
              },
            ],
          },
        }),
      ],
    },
    {
      name: 'advanced selectors: all management events plus Lambda data events',
      fires: false,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'PutEventSelectors',
          identity: who.user('dev1'),
          params: {
            trailName: 'org-trail',
            advancedEventSelectors: [
              { name: 'mgmt', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
              {
                name: 'fn',
                fieldSelectors: [
                  { field: 'eventCategory', equals: ['Data'] },
                  { field: 'resources.type', equals: ['AWS::Lambda::Function'] },
                ],
              },
            ],
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// GuardDuty
// ---------------------------------------------------------------------------------------------

const GUARDDUTY = 'guardduty.amazonaws.com';
const detectorId = (raw: unknown): string => rsx(raw, 'requestParameters.detectorId') ?? '';

const detectorDisabled: Detection = {
  id: 'aws.guardduty.detector_disabled',
  title: 'GuardDuty detector deleted or suspended',
  description:
    'The GuardDuty detector of a region was deleted or set to disabled. GuardDuty stops analysing CloudTrail, ' +
    'DNS and flow data there, and deletion also discards existing findings. A refused deletion is reported at ' +
    'lower severity.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['DeleteDetector', 'UpdateDetector'],
  detect: guarded({ source: GUARDDUTY, keepFailed: true }, (raw): Hit | undefined => {
    if (eventName(raw) === 'UpdateDetector') {
      if (failed(raw) || rb(raw, 'requestParameters.enable') !== false) return undefined;
      return { evidence: { event: 'UpdateDetector', detector: detectorId(raw), enable: false } };
    }
    const s = attemptOrSuccess(raw, 'high', 'medium');
    return s
      ? { evidence: { event: 'DeleteDetector', detector: detectorId(raw), refused: failed(raw) }, ...s }
      : undefined;
  }),
  cases: [
    {
      name: 'detector deleted',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'DeleteDetector',
          identity: who.user('dev1'),
          params: { detectorId: '12abc34d567e8fa901bc2d34e56789f0' },
        }),
      ],
    },
    {
      name: 'detector suspended',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'UpdateDetector',
          identity: who.user('dev1'),
          params: { detectorId: '12abc34d567e8fa901bc2d34e56789f0', enable: false },
        }),
      ],
    },
    {
      name: 'finding publishing frequency changed',
      fires: false,
      records: [
        ct({
          source: 'guardduty',
          name: 'UpdateDetector',
          identity: who.user('dev1'),
          params: {
            detectorId: '12abc34d567e8fa901bc2d34e56789f0',
            findingPublishingFrequency: 'FIFTEEN_MINUTES',
          },
        }),
      ],
    },
  ],
};

/** Dotted paths under `dataSources` that are switched off (`enable: false`, `ebsVolumes: false`). */
function disabledDataSources(v: unknown, prefix = ''): string[] {
  if (!isObject(v)) return [];
  return Object.entries(v).flatMap(([k, child]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    if ((k === 'enable' || k === 'ebsVolumes') && (child === false || child === 'false'))
      return [prefix || k];
    return disabledDataSources(child, path);
  });
}

const coverageReduced: Detection = {
  id: 'aws.guardduty.coverage_reduced',
  title: 'GuardDuty protection narrowed',
  description:
    'A GuardDuty protection plan or data source was turned off (S3, EKS, runtime, malware or RDS protection), ' +
    'malware scans were told to skip tagged resources, findings export was deleted, or new organisation members ' +
    'stopped being enrolled automatically. The detector still runs, so the gap looks like "GuardDuty is on".',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: [
    'UpdateDetector',
    'UpdateMalwareScanSettings',
    'DeletePublishingDestination',
    'UpdateOrganizationConfiguration',
    'DeleteMalwareProtectionPlan',
  ],
  detect: guarded({ source: GUARDDUTY }, (raw): Hit | undefined => {
    const name = eventName(raw);
    const detector = detectorId(raw);
    switch (name) {
      case 'UpdateDetector': {
        if (rb(raw, 'requestParameters.enable') === false) return undefined; // detector_disabled covers it
        const features = rl(raw, 'requestParameters.features')
          .filter((f) => rs(f, 'status') === 'DISABLED')
          .map((f) => rs(f, 'name') ?? '?');
        const sources = disabledDataSources(rv(raw, 'requestParameters.dataSources'));
        const off = [...features, ...sources];
        return off.length > 0 ? { evidence: { event: name, detector, disabled: off.join(',') } } : undefined;
      }
      case 'UpdateMalwareScanSettings':
        return rv(raw, 'requestParameters.scanResourceCriteria.exclude') !== undefined
          ? { evidence: { event: name, detector, change: 'scan_exclusions' } }
          : undefined;
      case 'UpdateOrganizationConfiguration': {
        const auto = rs(raw, 'requestParameters.autoEnableOrganizationMembers');
        return auto === 'NONE' || rb(raw, 'requestParameters.autoEnable') === false
          ? { evidence: { event: name, detector, change: 'auto_enable_off' } }
          : undefined;
      }
      default:
        return { evidence: { event: name, detector } };
    }
  }),
  cases: [
    {
      name: 'runtime monitoring and S3 protection switched off',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'UpdateDetector',
          identity: who.user('dev1'),
          params: {
            detectorId: 'd1',
            features: [
              { name: 'RUNTIME_MONITORING', status: 'DISABLED' },
              { name: 'S3_DATA_EVENTS', status: 'DISABLED' },
            ],
          },
        }),
      ],
    },
    {
      name: 'legacy data source switched off',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'UpdateDetector',
          identity: who.user('dev1'),
          params: { detectorId: 'd1', dataSources: { s3Logs: { enable: false } } },
        }),
      ],
    },
    {
      name: 'findings export removed',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'DeletePublishingDestination',
          identity: who.user('dev1'),
          params: { detectorId: 'd1', destinationId: 'x' },
        }),
      ],
    },
    {
      name: 'EKS protection switched on',
      fires: false,
      records: [
        ct({
          source: 'guardduty',
          name: 'UpdateDetector',
          identity: who.user('dev1'),
          params: { detectorId: 'd1', features: [{ name: 'EKS_AUDIT_LOGS', status: 'ENABLED' }] },
        }),
      ],
    },
  ],
};

const suppressionFilter: Detection = {
  id: 'aws.guardduty.suppression_filter',
  title: 'GuardDuty suppression (auto-archive) rule created or changed',
  description:
    'A GuardDuty filter with the ARCHIVE action was created or updated: matching findings are archived as they ' +
    'arrive and never reach the console or EventBridge consumers. A broad rule silences exactly the findings an ' +
    'attacker expects to trigger.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['CreateFilter', 'UpdateFilter'],
  detect: guarded({ source: GUARDDUTY }, (raw) => {
    if (rs(raw, 'requestParameters.action')?.toUpperCase() !== 'ARCHIVE') return undefined;
    const criteria = rv(raw, 'requestParameters.findingCriteria.criterion');
    const fields = isObject(criteria) ? Object.keys(criteria) : [];
    return {
      evidence: {
        event: eventName(raw),
        filter: rsx(raw, 'requestParameters.name') ?? rsx(raw, 'requestParameters.filterName') ?? '',
        criteria: fields.join(','),
      },
    };
  }),
  cases: [
    {
      name: 'archive everything of one type',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'CreateFilter',
          identity: who.user('dev1'),
          params: {
            detectorId: 'd1',
            name: 'quiet',
            action: 'ARCHIVE',
            rank: 1,
            findingCriteria: {
              criterion: {
                type: { eq: ['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS'] },
              },
            },
          },
        }),
      ],
    },
    {
      name: 'saved filter (no auto-archive)',
      fires: false,
      records: [
        ct({
          source: 'guardduty',
          name: 'CreateFilter',
          identity: who.user('dev1'),
          params: { detectorId: 'd1', name: 'view', action: 'NOOP', findingCriteria: { criterion: {} } },
        }),
      ],
    },
  ],
};

const trustedIpList: Detection = {
  id: 'aws.guardduty.trusted_ip_list',
  title: 'GuardDuty trusted IP list created or changed',
  description:
    'A GuardDuty trusted IP list was created or updated. GuardDuty raises no findings for traffic from addresses on ' +
    'that list, so adding one’s own address is a direct way to operate unseen. (WAF has an API of the same name; ' +
    'only GuardDuty is matched.)',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['CreateIPSet', 'UpdateIPSet'],
  detect: guarded({ source: GUARDDUTY }, (raw) => ({
    evidence: {
      event: eventName(raw),
      name: rsx(raw, 'requestParameters.name') ?? '',
      location: rsx(raw, 'requestParameters.location') ?? '',
    },
  })),
  cases: [
    {
      name: 'trusted list from a public bucket',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'CreateIPSet',
          identity: who.user('dev1'),
          params: {
            detectorId: 'd1',
            name: 'ok-ips',
            format: 'TXT',
            location: 'https://s3.amazonaws.com/pub-bucket-91/ips.txt',
            activate: true,
          },
        }),
      ],
    },
    {
      name: 'lower-case export record',
      fires: true,
      records: [
        {
          eventversion: '1.08',
          useridentity: who.user('dev1'),
          eventtime: '2026-03-02T10:15:42Z',
          eventsource: 'guardduty.amazonaws.com',
          eventname: 'UpdateIPSet',
          awsregion: 'eu-west-1',
          sourceipaddress: '203.0.113.77',
          eventid: 'f1e2d3c4-0000-4000-8000-000000000002',
          eventtype: 'AwsApiCall',
          recipientaccountid: ORG,
          requestparameters: { detectorId: 'd1', ipSetId: 'abc', activate: true },
        },
      ],
    },
    {
      name: 'WAF IP set',
      fires: false,
      records: [
        ct({
          source: 'wafv2',
          name: 'CreateIPSet',
          identity: who.user('dev1'),
          params: { name: 'blocklist', scope: 'REGIONAL', addresses: [] },
        }),
      ],
    },
  ],
};

const membershipRemoved: Detection = {
  id: 'aws.guardduty.membership_removed',
  title: 'GuardDuty member account detached from central monitoring',
  description:
    'A member account left its GuardDuty administrator, or the administrator removed or stopped monitoring ' +
    'members. Findings from those accounts then stop reaching the central security team, even if GuardDuty keeps ' +
    'running locally.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: [
    'DisassociateFromMasterAccount',
    'DisassociateFromAdministratorAccount',
    'DeleteMembers',
    'DisassociateMembers',
    'StopMonitoringMembers',
  ],
  detect: guarded({ source: GUARDDUTY }, (raw) => {
    const name = eventName(raw);
    const members = strings(rl(raw, 'requestParameters.accountIds'));
    const evidence = { event: name, members: members.join(',') };
    return name.startsWith('DisassociateFrom') ? { evidence, ...at('high') } : { evidence };
  }),
  cases: [
    {
      name: 'member leaves its administrator',
      fires: true,
      records: [
        ct({
          source: 'guardduty',
          name: 'DisassociateFromAdministratorAccount',
          identity: who.user('dev1'),
          params: { detectorId: 'd1' },
        }),
      ],
    },
    {
      name: 'Security Hub call of the same name',
      fires: false,
      records: [
        ct({
          source: 'securityhub',
          name: 'DeleteMembers',
          identity: who.user('dev1'),
          params: { AccountIds: ['123456789012'] },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Other telemetry: flow logs, Config, CloudWatch Logs, S3 logging, service logs
// ---------------------------------------------------------------------------------------------

const flowLogsDeleted: Detection = {
  id: 'aws.ec2.flow_logs_deleted',
  title: 'VPC flow logs deleted',
  description:
    'VPC flow logs were deleted. Network records of connections (to command-and-control, exfiltration ' +
    'destinations, lateral movement) stop being written for that VPC, subnet or interface.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['DeleteFlowLogs'],
  detect: guarded({ source: 'ec2.amazonaws.com' }, (raw) => {
    const ids = JSON.stringify(rv(raw, 'requestParameters') ?? {}).match(/fl-[0-9a-f]{8,17}/g) ?? [];
    return { evidence: { flow_logs: [...new Set(ids)].join(',') } };
  }),
  cases: [
    {
      name: 'flow log deleted',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'DeleteFlowLogs',
          identity: who.sso('SampleRole', 'leroy.jenkins'),
          params: { DeleteFlowLogsRequest: { FlowLogId: { content: 'fl-0ef673ef70c4f07cc', tag: 1 } } },
        }),
      ],
    },
    {
      name: 'describe flow logs',
      fires: false,
      records: [ct({ source: 'ec2', name: 'DescribeFlowLogs', identity: who.user('dev1'), params: {} })],
    },
  ],
};

const configDisabled: Detection = {
  id: 'aws.config.recording_disabled',
  title: 'AWS Config recording stopped or removed',
  description:
    'The AWS Config recorder was stopped or deleted, or its delivery channel removed. Configuration history (who ' +
    'opened which security group, which bucket became public) stops being recorded, and Config-based compliance ' +
    'and Security Hub controls go blind.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel'],
  detect: guarded({ source: 'config.amazonaws.com' }, (raw) => ({
    evidence: {
      event: eventName(raw),
      name:
        rsx(raw, 'requestParameters.configurationRecorderName') ??
        rsx(raw, 'requestParameters.deliveryChannelName') ??
        '',
    },
  })),
  cases: [
    {
      name: 'recorder stopped',
      fires: true,
      records: [
        ct({
          source: 'config',
          name: 'StopConfigurationRecorder',
          identity: who.user('dev1'),
          params: { configurationRecorderName: 'default' },
        }),
      ],
    },
    {
      name: 'delivery channel created',
      fires: false,
      records: [
        ct({
          source: 'config',
          name: 'PutDeliveryChannel',
          identity: who.user('dev1'),
          params: { deliveryChannel: { name: 'default' } },
        }),
      ],
    },
    {
      name: 'deleting a channel that does not exist',
      fires: false,
      records: [
        ct({
          source: 'config',
          name: 'DeleteDeliveryChannel',
          identity: who.user('dev1'),
          params: { deliveryChannelName: 'x' },
          error: 'NoSuchDeliveryChannelException',
        }),
      ],
    },
  ],
};

const LOGS = 'logs.amazonaws.com';
const logGroup = (raw: unknown): string =>
  rsx(raw, 'requestParameters.logGroupName') ?? rsx(raw, 'requestParameters.logGroupIdentifier') ?? '';

const logGroupDeleted: Detection = {
  id: 'aws.logs.log_group_deleted',
  title: 'CloudWatch log group or stream deleted',
  description:
    'A CloudWatch Logs group or stream was deleted. For groups whose name marks them as security telemetry ' +
    '(CloudTrail, flow logs, audit, GuardDuty, WAF, …) that is evidence destruction and rates high; other groups ' +
    'are reported only when a person deletes them, since stacks delete their own log groups all the time.',
  attack: ['T1562.008', 'T1070'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['DeleteLogGroup', 'DeleteLogStream'],
  detect: guarded({ source: LOGS }, (raw) => {
    const group = logGroup(raw);
    const stream = eventName(raw) === 'DeleteLogStream';
    const evidence: Hit['evidence'] = { event: eventName(raw), log_group: group };
    if (stream) evidence.log_stream = rsx(raw, 'requestParameters.logStreamName') ?? '';
    if (SECURITY_NAME.test(group)) return { evidence, ...at(stream ? 'medium' : 'high') };
    return !stream && isInteractiveOrStolen(raw) ? { evidence } : undefined;
  }),
  cases: [
    {
      name: 'CloudTrail log group deleted',
      fires: true,
      records: [
        ct({
          source: 'logs',
          name: 'DeleteLogGroup',
          identity: who.role('app-role', 'i-0a1b2c3d4e5f67890'),
          params: { logGroupName: 'aws-cloudtrail-logs-111122223333-org' },
        }),
      ],
    },
    {
      name: 'person deletes an application log group',
      fires: true,
      records: [
        ct({
          source: 'logs',
          name: 'DeleteLogGroup',
          identity: who.user('dev1'),
          params: { logGroupName: '/aws/lambda/thumbs' },
        }),
      ],
    },
    {
      name: 'stack deletes its function log group',
      fires: false,
      records: [
        ct({
          source: 'logs',
          name: 'DeleteLogGroup',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: { logGroupName: '/aws/lambda/thumbs' },
        }),
      ],
    },
    {
      name: 'application stream rotated by its own role',
      fires: false,
      records: [
        ct({
          source: 'logs',
          name: 'DeleteLogStream',
          identity: who.role('app-role', 'worker'),
          params: { logGroupName: '/app/orders', logStreamName: '2026/03/01' },
        }),
      ],
    },
  ],
};

const retentionShortened: Detection = {
  id: 'aws.logs.retention_shortened',
  title: 'CloudWatch log retention cut to a week or less',
  description:
    'A log group’s retention was set to seven days or fewer, so CloudWatch deletes the history on its own. On a ' +
    'security log group that is slow-motion evidence destruction; on others it is reported when a person does it.',
  attack: ['T1562.008', 'T1070'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['PutRetentionPolicy'],
  detect: guarded({ source: LOGS }, (raw) => {
    const days = rn(raw, 'requestParameters.retentionInDays');
    if (days === undefined || days > 7) return undefined;
    const group = logGroup(raw);
    const evidence = { log_group: group, retention_days: days };
    if (SECURITY_NAME.test(group)) return { evidence, ...at('high') };
    return isInteractiveOrStolen(raw) ? { evidence } : undefined;
  }),
  cases: [
    {
      name: 'flow-log group retention set to one day',
      fires: true,
      records: [
        ct({
          source: 'logs',
          name: 'PutRetentionPolicy',
          identity: who.user('dev1'),
          params: { logGroupName: 'vpc-flow-logs-prod', retentionInDays: 1 },
        }),
      ],
    },
    {
      name: 'security group retention set to a year',
      fires: false,
      records: [
        ct({
          source: 'logs',
          name: 'PutRetentionPolicy',
          identity: who.user('dev1'),
          params: { logGroupName: 'vpc-flow-logs-prod', retentionInDays: 365 },
        }),
      ],
    },
    {
      name: 'pipeline sets short retention on a dev function log',
      fires: false,
      records: [
        ct({
          source: 'logs',
          name: 'PutRetentionPolicy',
          identity: who.role('terraform-apply', 'tf'),
          params: { logGroupName: '/aws/lambda/dev-thumbs', retentionInDays: 3 },
        }),
      ],
    },
  ],
};

const subscriptionRemoved: Detection = {
  id: 'aws.logs.subscription_filter_deleted',
  title: 'CloudWatch Logs subscription filter deleted',
  description:
    'A subscription filter, which streams a log group to a SIEM, Kinesis or Lambda, was deleted. Logs still land ' +
    'in CloudWatch but stop reaching the people watching them. Security-named groups rate higher.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['DeleteSubscriptionFilter'],
  detect: guarded({ source: LOGS }, (raw) => {
    const group = logGroup(raw);
    const evidence = { log_group: group, filter: rsx(raw, 'requestParameters.filterName') ?? '' };
    if (SECURITY_NAME.test(group)) return { evidence, ...at('medium') };
    return isInteractiveOrStolen(raw) ? { evidence } : undefined;
  }),
  cases: [
    {
      name: 'CloudTrail forwarding removed',
      fires: true,
      records: [
        ct({
          source: 'logs',
          name: 'DeleteSubscriptionFilter',
          identity: who.user('dev1'),
          params: { logGroupName: 'org-cloudtrail', filterName: 'to-siem' },
        }),
      ],
    },
    {
      name: 'stack removes a filter on an application log',
      fires: false,
      records: [
        ct({
          source: 'logs',
          name: 'DeleteSubscriptionFilter',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: { logGroupName: '/app/orders', filterName: 'x' },
        }),
      ],
    },
  ],
};

/** Bucket names that read as CloudTrail or audit-log destinations. */
const TRAIL_BUCKET_NAME = /cloudtrail|(^|[-_.])trails?([-_.]|$)|audit[-_]?logs?/i;
const TRAIL_BUCKET_MEMORY = 90 * DAY;
const trailBucketKey = (bucket: string) => `trail-bucket:${bucket.toLowerCase()}`;
const bucketName = (raw: unknown): string => rsx(raw, 'requestParameters.bucketName') ?? '';

/** The shortest object expiry (days) a lifecycle configuration sets, if any. */
function shortestExpiry(raw: unknown): number | undefined {
  const rules = rl(raw, 'requestParameters.LifecycleConfiguration.Rule');
  const days = rules.flatMap((r) => {
    const current = rn(r, 'Expiration.Days');
    const noncurrent = rn(r, 'NoncurrentVersionExpiration.NoncurrentDays');
    return [current, noncurrent].filter((d): d is number => d !== undefined);
  });
  return days.length > 0 ? Math.min(...days) : undefined;
}

const isTrailBucket = (bucket: string, ctx: DetectionContext, time: number): boolean =>
  TRAIL_BUCKET_NAME.test(bucket) || recalls(ctx, trailBucketKey(bucket), time, TRAIL_BUCKET_MEMORY);

const bucketLoggingDisabled: Detection = {
  id: 'aws.s3.bucket_logging_disabled',
  title: 'S3 server access logging disabled',
  description:
    'Server access logging was switched off on a bucket (PutBucketLogging with an empty logging status). Reads and ' +
    'deletes of objects in that bucket stop being recorded outside CloudTrail data events; on a CloudTrail or ' +
    'audit bucket it hides who touches the logs themselves.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['PutBucketLogging'],
  detect: guarded({ source: 's3.amazonaws.com' }, (raw, ctx, ev) => {
    const status = rv(raw, 'requestParameters.BucketLoggingStatus');
    if (status === undefined || status === null) return undefined;
    if (isObject(status) && status.LoggingEnabled !== undefined) return undefined;
    const bucket = bucketName(raw);
    const evidence = { bucket };
    return isTrailBucket(bucket, ctx, ev.ocsf.time) ? { evidence, ...at('high') } : { evidence };
  }),
  cases: [
    {
      name: 'logging status emptied',
      fires: true,
      records: [
        ct({
          source: 's3',
          name: 'PutBucketLogging',
          identity: who.user('dev1'),
          params: {
            bucketName: 'critical-data-bucket',
            logging: '',
            BucketLoggingStatus: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
            Host: 'critical-data-bucket.s3.eu-west-1.amazonaws.com',
          },
        }),
      ],
    },
    {
      name: 'logging enabled',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'PutBucketLogging',
          identity: who.user('dev1'),
          params: {
            bucketName: 'critical-data-bucket',
            BucketLoggingStatus: {
              xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
              LoggingEnabled: { TargetBucket: 'access-logs', TargetPrefix: 'cdb/' },
            },
          },
        }),
      ],
    },
    {
      name: 'record without the logging status',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'PutBucketLogging',
          identity: who.user('dev1'),
          params: { bucketName: 'critical-data-bucket' },
        }),
      ],
    },
  ],
};

const TRAIL_BUCKET_SEVERITY: Record<string, Severity> = {
  DeleteBucket: 'high',
  DeleteBucketPolicy: 'high',
  PutBucketPolicy: 'medium',
  PutBucketLifecycle: 'medium',
  PutBucketAcl: 'medium',
};

const trailBucketTampered: Detection = {
  id: 'aws.s3.trail_bucket_tampered',
  title: 'CloudTrail log bucket deleted or its policy or lifecycle changed',
  description:
    'The bucket a trail delivers to (learned from CreateTrail/UpdateTrail, or named like a trail/audit bucket) was ' +
    'deleted, had its bucket policy removed or replaced, or got a new lifecycle or ACL. Delivery breaks silently ' +
    'when the policy no longer admits CloudTrail, and a short lifecycle or deletion destroys the evidence.',
  attack: ['T1562.008', 'T1070'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['CreateTrail', 'UpdateTrail', ...Object.keys(TRAIL_BUCKET_SEVERITY)],
  detect: guarded({ source: [CLOUDTRAIL, 's3.amazonaws.com'] }, (raw, ctx, ev) => {
    const time = ev.ocsf.time;
    if (eventSource(raw) === CLOUDTRAIL) {
      const bucket = rsx(raw, 'requestParameters.s3BucketName') ?? rsx(raw, 'responseElements.s3BucketName');
      if (bucket) remember(ctx, trailBucketKey(bucket), time, TRAIL_BUCKET_MEMORY);
      return undefined;
    }
    const bucket = bucketName(raw);
    const severity = TRAIL_BUCKET_SEVERITY[eventName(raw)];
    if (!bucket || !severity || !isTrailBucket(bucket, ctx, time)) return undefined;
    const evidence: Hit['evidence'] = { event: eventName(raw), bucket };
    const days = eventName(raw) === 'PutBucketLifecycle' ? shortestExpiry(raw) : undefined;
    if (days !== undefined) {
      evidence.expiration_days = days;
      if (days <= 7) return { evidence, ...at('high') };
    }
    return { evidence, ...at(severity) };
  }),
  cases: [
    {
      name: 'policy removed from the bucket a trail was seen delivering to',
      fires: true,
      records: [
        ct({
          source: 'cloudtrail',
          name: 'CreateTrail',
          identity: who.user('ops'),
          params: { name: 'main', s3BucketName: 'acme-logs-7781' },
          time: '2026-02-20T09:00:00Z',
        }),
        ct({
          source: 's3',
          name: 'DeleteBucketPolicy',
          identity: who.user('dev1'),
          params: { bucketName: 'acme-logs-7781', Host: 'acme-logs-7781.s3.amazonaws.com' },
        }),
      ],
    },
    {
      name: 'one-day expiry put on a trail bucket',
      fires: true,
      records: [
        ct({
          source: 's3',
          name: 'PutBucketLifecycle',
          identity: who.sso('SampleRole', 'leroy.jenkins'),
          params: {
            bucketName: 'stratus-cloudtrail-lifecycle-8d3f',
            lifecycle: '',
            LifecycleConfiguration: {
              xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
              Rule: { ID: 'nuke', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } },
            },
          },
        }),
      ],
    },
    {
      name: 'trail-named bucket deleted',
      fires: true,
      records: [
        ct({
          source: 's3',
          name: 'DeleteBucket',
          identity: who.user('dev1'),
          params: { bucketName: 'org-cloudtrail-111122223333' },
        }),
      ],
    },
    {
      name: 'policy change on an ordinary bucket',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'PutBucketPolicy',
          identity: who.user('dev1'),
          params: { bucketName: 'web-assets', bucketPolicy: { Version: '2012-10-17', Statement: [] } },
        }),
      ],
    },
  ],
};

/** Logging of individual services (DNS, Bedrock, EKS control plane, RDS activity, load balancers). */
function serviceLoggingOff(raw: unknown): string | undefined {
  const source = eventSource(raw);
  const name = eventName(raw);
  switch (`${source}:${name}`) {
    case 'route53resolver.amazonaws.com:DeleteResolverQueryLogConfig':
    case 'route53resolver.amazonaws.com:DisassociateResolverQueryLogConfig':
      return 'dns_query_logging';
    case 'bedrock.amazonaws.com:DeleteModelInvocationLoggingConfiguration':
      return 'bedrock_invocation_logging';
    case 'rds.amazonaws.com:StopActivityStream':
      return 'rds_activity_stream';
    case 'eks.amazonaws.com:UpdateClusterConfig':
      return rl(raw, 'requestParameters.logging.clusterLogging').some((c) => rb(c, 'enabled') === false)
        ? 'eks_control_plane_logging'
        : undefined;
    case 'elasticloadbalancing.amazonaws.com:ModifyLoadBalancerAttributes':
      return rl(raw, 'requestParameters.attributes').some(
        (a) => rs(a, 'key') === 'access_logs.s3.enabled' && isFalse(rv(a, 'value')),
      )
        ? 'load_balancer_access_logs'
        : undefined;
    default:
      return undefined;
  }
}

const serviceLogsDisabled: Detection = {
  id: 'aws.logging.service_audit_logs_disabled',
  title: 'Service-level audit logging turned off',
  description:
    'Logging of a specific service was removed: Route 53 Resolver DNS query logs, Bedrock model invocation logs, ' +
    'EKS control-plane audit logs, RDS database activity streams, or load balancer access logs. These are the ' +
    'records that show DNS tunnelling, model abuse, Kubernetes API misuse or database reads; turning one off ' +
    'ahead of using that service is a targeted blind spot.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: [
    'DeleteResolverQueryLogConfig',
    'DisassociateResolverQueryLogConfig',
    'DeleteModelInvocationLoggingConfiguration',
    'StopActivityStream',
    'UpdateClusterConfig',
    'ModifyLoadBalancerAttributes',
  ],
  detect: guarded({}, (raw) => {
    const what = serviceLoggingOff(raw);
    return what ? { evidence: { event: eventName(raw), logging: what } } : undefined;
  }),
  cases: [
    {
      name: 'DNS query log config deleted',
      fires: true,
      records: [
        ct({
          source: 'route53resolver',
          name: 'DeleteResolverQueryLogConfig',
          identity: who.user('dev1'),
          params: { resolverQueryLogConfigId: 'rqlc-5aa596fe3bd84ec6' },
        }),
      ],
    },
    {
      name: 'EKS audit logs disabled',
      fires: true,
      records: [
        ct({
          source: 'eks',
          name: 'UpdateClusterConfig',
          identity: who.user('dev1'),
          params: {
            name: 'prod',
            logging: { clusterLogging: [{ types: ['audit', 'authenticator'], enabled: false }] },
          },
        }),
      ],
    },
    {
      name: 'EKS endpoint access changed',
      fires: false,
      records: [
        ct({
          source: 'eks',
          name: 'UpdateClusterConfig',
          identity: who.user('dev1'),
          params: { name: 'prod', resourcesVpcConfig: { endpointPublicAccess: false } },
        }),
      ],
    },
    {
      name: 'ALB idle timeout changed',
      fires: false,
      records: [
        ct({
          source: 'elasticloadbalancing',
          name: 'ModifyLoadBalancerAttributes',
          identity: who.user('dev1'),
          params: {
            loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1',
            attributes: [{ key: 'idle_timeout.timeout_seconds', value: '120' }],
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Organisation and guardrails
// ---------------------------------------------------------------------------------------------

const ORGANIZATIONS = 'organizations.amazonaws.com';

const leavingOrg: Detection = {
  id: 'aws.organizations.account_leaving',
  title: 'Account leaving or removed from the AWS Organization',
  description:
    'An account tried to leave the organisation, or was removed from it. Outside the organisation the account ' +
    'sheds service control policies, the organisation trail and delegated security tooling, and can be billed, ' +
    'sold or used without oversight. Even a refused attempt is a strong sign of intent.',
  attack: ['T1666', 'T1562.008'],
  tactic: 'TA0005',
  severity: 'critical',
  risk: RISK.critical,
  sources: ['cloudtrail'],
  triggers: ['LeaveOrganization', 'RemoveAccountFromOrganization'],
  detect: guarded({ source: ORGANIZATIONS, keepFailed: true }, (raw) => {
    const leave = eventName(raw) === 'LeaveOrganization';
    const s = attemptOrSuccess(raw, leave ? 'critical' : 'high', leave ? 'high' : 'medium');
    if (!s) return undefined;
    return {
      evidence: {
        event: eventName(raw),
        account: rsx(raw, 'requestParameters.accountId') ?? rsx(raw, 'recipientAccountId') ?? '',
        refused: failed(raw),
      },
      ...s,
    };
  }),
  cases: [
    {
      name: 'refused attempt to leave',
      fires: true,
      records: [
        ct({
          source: 'organizations',
          name: 'LeaveOrganization',
          identity: who.role('SampleRole', 'SampleSession'),
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'account removed by the management account',
      fires: true,
      records: [
        ct({
          source: 'organizations',
          name: 'RemoveAccountFromOrganization',
          identity: who.sso('OrgAdmin', 'kim@example.com'),
          params: { accountId: '123456789012' },
        }),
      ],
    },
    {
      name: 'describe organization',
      fires: false,
      records: [ct({ source: 'organizations', name: 'DescribeOrganization', identity: who.user('dev1') })],
    },
  ],
};

const scpDisabled: Detection = {
  id: 'aws.organizations.scp_disabled',
  title: 'Service control policies disabled for an organisation root',
  description:
    'The SERVICE_CONTROL_POLICY type was disabled on an organisation root: every SCP guardrail (deny leaving the ' +
    'org, deny disabling CloudTrail/GuardDuty, region locks) stops applying to every account at once.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['DisablePolicyType'],
  detect: guarded({ source: ORGANIZATIONS }, (raw) =>
    rs(raw, 'requestParameters.policyType') === 'SERVICE_CONTROL_POLICY'
      ? { evidence: { root: rsx(raw, 'requestParameters.rootId') ?? '' } }
      : undefined,
  ),
  cases: [
    {
      name: 'SCPs disabled',
      fires: true,
      records: [
        ct({
          source: 'organizations',
          name: 'DisablePolicyType',
          identity: who.sso('OrgAdmin', 'kim@example.com'),
          params: { rootId: 'r-ab12', policyType: 'SERVICE_CONTROL_POLICY' },
        }),
      ],
    },
    {
      name: 'tag policies disabled',
      fires: false,
      records: [
        ct({
          source: 'organizations',
          name: 'DisablePolicyType',
          identity: who.sso('OrgAdmin', 'kim@example.com'),
          params: { rootId: 'r-ab12', policyType: 'TAG_POLICY' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Security Hub, Access Analyzer, other security services
// ---------------------------------------------------------------------------------------------

const SECURITYHUB = 'securityhub.amazonaws.com';
const SECURITYHUB_SEVERITY: Record<string, Severity> = {
  DisableSecurityHub: 'high',
  DisassociateFromMasterAccount: 'high',
  DisassociateFromAdministratorAccount: 'high',
  BatchDisableStandards: 'medium',
  DisableImportFindingsForProduct: 'medium',
  DeleteMembers: 'medium',
  DisassociateMembers: 'medium',
};

const securityHubDisabled: Detection = {
  id: 'aws.securityhub.disabled',
  title: 'Security Hub disabled, detached or narrowed',
  description:
    'Security Hub was disabled, the account left its Security Hub administrator (or members were removed), ' +
    'compliance standards were disabled, or findings from an integrated product stopped being imported. ' +
    'Findings from GuardDuty, Inspector and the rest then stop being aggregated where the team looks. A refused ' +
    'DisableSecurityHub is reported at lower severity.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: Object.keys(SECURITYHUB_SEVERITY),
  detect: guarded({ source: SECURITYHUB, keepFailed: true }, (raw) => {
    const name = eventName(raw);
    const severity = SECURITYHUB_SEVERITY[name];
    if (!severity) return undefined;
    const s =
      name === 'DisableSecurityHub'
        ? attemptOrSuccess(raw, 'high', 'medium')
        : failed(raw)
          ? undefined
          : at(severity);
    if (!s) return undefined;
    const standards = strings(rl(raw, 'requestParameters.StandardsSubscriptionArns')).map((a) =>
      a.slice(a.indexOf('/') + 1),
    );
    const evidence: Hit['evidence'] = { event: name, refused: failed(raw) };
    if (standards.length > 0) evidence.standards = standards.join(',');
    return { evidence, ...s };
  }),
  cases: [
    {
      name: 'Security Hub disabled',
      fires: true,
      records: [
        ct({ source: 'securityhub', name: 'DisableSecurityHub', identity: who.user('dev1'), params: {} }),
      ],
    },
    {
      name: 'foundational standard disabled',
      fires: true,
      records: [
        ct({
          source: 'securityhub',
          name: 'BatchDisableStandards',
          identity: who.user('dev1'),
          params: {
            StandardsSubscriptionArns: [
              `arn:aws:securityhub:eu-west-1:${ORG}:subscription/aws-foundational-security-best-practices/v/1.0.0`,
            ],
          },
        }),
      ],
    },
    {
      name: 'standard enabled',
      fires: false,
      records: [
        ct({
          source: 'securityhub',
          name: 'BatchEnableStandards',
          identity: who.user('dev1'),
          params: { StandardsSubscriptionRequests: [] },
        }),
      ],
    },
    {
      name: 'GuardDuty DeleteMembers is not Security Hub',
      fires: false,
      records: [
        ct({
          source: 'guardduty',
          name: 'DeleteMembers',
          identity: who.user('dev1'),
          params: { accountIds: ['123456789012'] },
        }),
      ],
    },
  ],
};

/** Does an automation rule's action suppress or archive what it matches? */
const suppressingRule = (raw: unknown): boolean =>
  rl(raw, 'requestParameters.Actions').some(
    (a) => rs(a, 'FindingFieldsUpdate.Workflow.Status') === 'SUPPRESSED',
  ) ||
  rl(raw, 'requestParameters.UpdateAutomationRulesRequestItems').some((item) =>
    rl(item, 'Actions').some((a) => rs(a, 'FindingFieldsUpdate.Workflow.Status') === 'SUPPRESSED'),
  );

const findingsSuppressed: Detection = {
  id: 'aws.securityhub.findings_suppressed',
  title: 'Security Hub findings suppressed or archived',
  description:
    'Security Hub findings were set to SUPPRESSED or archived, or an automation rule was created that suppresses ' +
    'matching findings as they arrive. Triage does this legitimately one finding at a time; rules and bulk ' +
    'suppression rate higher because they silence future alerts too.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['BatchUpdateFindings', 'UpdateFindings', 'CreateAutomationRule', 'BatchUpdateAutomationRules'],
  detect: guarded({ source: SECURITYHUB }, (raw): Hit | undefined => {
    const name = eventName(raw);
    if (name === 'CreateAutomationRule' || name === 'BatchUpdateAutomationRules') {
      return suppressingRule(raw)
        ? { evidence: { event: name, rule: rsx(raw, 'requestParameters.RuleName') ?? '' }, ...at('medium') }
        : undefined;
    }
    if (name === 'UpdateFindings') {
      return rs(raw, 'requestParameters.RecordState') === 'ARCHIVED'
        ? { evidence: { event: name } }
        : undefined;
    }
    if (rs(raw, 'requestParameters.Workflow.Status') !== 'SUPPRESSED') return undefined;
    const count = rl(raw, 'requestParameters.FindingIdentifiers').length;
    return { evidence: { event: name, findings: count }, ...(count >= 10 ? at('medium') : {}) };
  }),
  cases: [
    {
      name: 'automation rule suppressing IAM findings',
      fires: true,
      records: [
        ct({
          source: 'securityhub',
          name: 'CreateAutomationRule',
          identity: who.user('dev1'),
          params: {
            RuleName: 'noise',
            RuleOrder: 1,
            Criteria: { ResourceType: [{ Value: 'AwsIamUser', Comparison: 'EQUALS' }] },
            Actions: [
              { Type: 'FINDING_FIELDS_UPDATE', FindingFieldsUpdate: { Workflow: { Status: 'SUPPRESSED' } } },
            ],
          },
        }),
      ],
    },
    {
      name: 'finding suppressed in triage',
      fires: true,
      records: [
        ct({
          source: 'securityhub',
          name: 'BatchUpdateFindings',
          identity: who.user('dev1'),
          params: { FindingIdentifiers: [{ Id: 'f1', ProductArn: 'p' }], Workflow: { Status: 'SUPPRESSED' } },
        }),
      ],
    },
    {
      name: 'finding resolved',
      fires: false,
      records: [
        ct({
          source: 'securityhub',
          name: 'BatchUpdateFindings',
          identity: who.user('dev1'),
          params: { FindingIdentifiers: [{ Id: 'f1', ProductArn: 'p' }], Workflow: { Status: 'RESOLVED' } },
        }),
      ],
    },
  ],
};

const analyzerRemoved: Detection = {
  id: 'aws.accessanalyzer.analyzer_removed',
  title: 'IAM Access Analyzer deleted or archive rule added',
  description:
    'An IAM Access Analyzer was deleted, or an archive rule was created or changed. The analyzer is what reports ' +
    'resources shared outside the account or organisation; deleting it, or auto-archiving its findings, hides a ' +
    'new external share (a backdoor trust, a public bucket) from review.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['DeleteAnalyzer', 'CreateArchiveRule', 'UpdateArchiveRule'],
  detect: guarded({ source: 'access-analyzer.amazonaws.com' }, (raw) => {
    const evidence = { event: eventName(raw), analyzer: rsx(raw, 'requestParameters.analyzerName') ?? '' };
    return eventName(raw) === 'DeleteAnalyzer' ? { evidence } : { evidence, ...at('low') };
  }),
  cases: [
    {
      name: 'analyzer deleted',
      fires: true,
      records: [
        ct({
          source: 'access-analyzer',
          name: 'DeleteAnalyzer',
          identity: who.user('dev1'),
          params: { analyzerName: 'org-analyzer' },
        }),
      ],
    },
    {
      name: 'analyzer created',
      fires: false,
      records: [
        ct({
          source: 'access-analyzer',
          name: 'CreateAnalyzer',
          identity: who.user('dev1'),
          params: { analyzerName: 'org-analyzer', type: 'ORGANIZATION' },
        }),
      ],
    },
  ],
};

const TOOLING: Record<string, string[]> = {
  'inspector2.amazonaws.com': ['Disable'],
  'detective.amazonaws.com': ['DeleteGraph', 'DisassociateMembership'],
  'macie2.amazonaws.com': ['DisableMacie', 'UpdateMacieSession', 'DisassociateFromAdministratorAccount'],
  'macie.amazonaws.com': ['DisableMacie', 'UpdateMacieSession'],
};

const toolingDisabled: Detection = {
  id: 'aws.security_tooling.disabled',
  title: 'Inspector, Macie or Detective disabled',
  description:
    'A security service was switched off or paused: Amazon Inspector scanning, Macie sensitive-data discovery, or ' +
    'a Detective behaviour graph. Each removes one source of findings about vulnerable workloads, exposed data or ' +
    "investigation history. Slowing Macie's finding publishing below the fifteen-minute default (updates reach " +
    'EventBridge and Security Hub hours later) is the same impairment in a quieter form: medium with low risk, ' +
    'since administrators also tune it to cut noise. Setting it back to fifteen minutes is ignored.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: [...new Set(Object.values(TOOLING).flat())],
  detect: guarded({ source: Object.keys(TOOLING) }, (raw) => {
    const name = eventName(raw);
    if (!TOOLING[eventSource(raw)]?.includes(name)) return undefined;
    const evidence: Hit['evidence'] = { service: eventSource(raw).split('.')[0] ?? '', event: name };
    if (name === 'UpdateMacieSession') {
      if (rs(raw, 'requestParameters.status') === 'PAUSED') return { evidence };
      // Slower publishing holds finding updates back from EventBridge and Security Hub for hours.
      const frequency = rsx(raw, 'requestParameters.findingPublishingFrequency');
      if (frequency === undefined || frequency.toUpperCase() === 'FIFTEEN_MINUTES') return undefined;
      evidence.publishing_frequency = frequency.slice(0, 32);
      return { evidence, risk: RISK.low };
    }
    const types = strings(rl(raw, 'requestParameters.resourceTypes'));
    if (types.length > 0) evidence.resource_types = types.join(',');
    return { evidence };
  }),
  cases: [
    {
      name: 'Inspector disabled for EC2 and ECR',
      fires: true,
      records: [
        ct({
          source: 'inspector2',
          name: 'Disable',
          identity: who.user('dev1'),
          params: { resourceTypes: ['EC2', 'ECR'] },
        }),
      ],
    },
    {
      name: 'Macie paused',
      fires: true,
      records: [
        ct({
          source: 'macie2',
          name: 'UpdateMacieSession',
          identity: who.user('dev1'),
          params: { status: 'PAUSED' },
        }),
      ],
    },
    {
      name: 'Macie publishing slowed to six hours',
      fires: true,
      records: [
        ct({
          source: 'macie2',
          name: 'UpdateMacieSession',
          identity: who.user('dev1'),
          params: { findingPublishingFrequency: 'SIX_HOURS' },
        }),
      ],
    },
    {
      name: 'Macie publishing restored to fifteen minutes',
      fires: false,
      records: [
        ct({
          source: 'macie2',
          name: 'UpdateMacieSession',
          identity: who.user('dev1'),
          params: { findingPublishingFrequency: 'FIFTEEN_MINUTES' },
        }),
      ],
    },
    {
      name: 'Macie resumed',
      fires: false,
      records: [
        ct({
          source: 'macie2',
          name: 'UpdateMacieSession',
          identity: who.user('dev1'),
          params: { status: 'ENABLED' },
        }),
      ],
    },
  ],
};

const FIREWALLS: Record<string, string[]> = {
  'wafv2.amazonaws.com': [
    'DeleteWebACL',
    'DisassociateWebACL',
    'DeleteRuleGroup',
    'DeleteFirewallManagerRuleGroups',
  ],
  'waf.amazonaws.com': ['DeleteWebACL', 'DeleteRuleGroup'],
  'waf-regional.amazonaws.com': ['DeleteWebACL', 'DisassociateWebACL', 'DeleteRuleGroup'],
  'shield.amazonaws.com': ['DeleteProtection', 'DisableProactiveEngagement'],
  'network-firewall.amazonaws.com': ['DeleteFirewall', 'DisassociateSubnets', 'DeleteFirewallPolicy'],
};

const firewallRemoved: Detection = {
  id: 'aws.waf.protection_removed',
  title: 'WAF, Shield or Network Firewall protection removed',
  description:
    'A web ACL was deleted or detached from its load balancer / API / distribution, a rule group or Shield ' +
    'protection was removed, or a Network Firewall was deleted. Traffic the rules were filtering now reaches the ' +
    'application unchecked, often the step before exploiting it.',
  attack: ['T1562.007'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: [...new Set(Object.values(FIREWALLS).flat())],
  detect: guarded({ source: Object.keys(FIREWALLS) }, (raw) => {
    const name = eventName(raw);
    if (!FIREWALLS[eventSource(raw)]?.includes(name)) return undefined;
    const target =
      rsx(raw, 'requestParameters.resourceArn') ??
      rsx(raw, 'requestParameters.name') ??
      rsx(raw, 'requestParameters.firewallName') ??
      rsx(raw, 'requestParameters.protectionId') ??
      '';
    return { evidence: { service: eventSource(raw).split('.')[0] ?? '', event: name, target } };
  }),
  cases: [
    {
      name: 'web ACL detached from a load balancer',
      fires: true,
      records: [
        ct({
          source: 'wafv2',
          name: 'DisassociateWebACL',
          identity: who.role('DevAdministrator', 'example_user'),
          ip: 'AWS Internal',
          params: {
            resourceArn:
              'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/84dc5457e450dba5',
          },
        }),
      ],
    },
    {
      name: 'web ACLs listed',
      fires: false,
      records: [
        ct({
          source: 'wafv2',
          name: 'ListWebACLs',
          identity: who.user('dev1'),
          params: { scope: 'REGIONAL' },
        }),
      ],
    },
  ],
};

const EVENTS = 'events.amazonaws.com';
const eventsTarget = (raw: unknown): string =>
  rsx(raw, 'requestParameters.name') ?? rsx(raw, 'requestParameters.rule') ?? '';

const securityRuleDisabled: Detection = {
  id: 'aws.events.security_rule_disabled',
  title: 'Security EventBridge rule or bus disabled or removed',
  description:
    'An EventBridge rule or event bus whose name marks it as security plumbing (GuardDuty, Security Hub, ' +
    'CloudTrail, alerting, this SOC) was disabled, deleted, or stripped of its targets. Findings and API events ' +
    'then stop reaching the detection pipeline and responders, while every service still reports healthy.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['DisableRule', 'DeleteRule', 'RemoveTargets', 'DeleteEventBus'],
  detect: guarded({ source: EVENTS }, (raw) => {
    const target = eventsTarget(raw);
    if (
      !/guardduty|securityhub|security|cloudtrail|vigil|alert|soc[-_]|siem|detect|incident|audit|compliance|macie|inspector|config/i.test(
        target,
      )
    )
      return undefined;
    return {
      evidence: {
        event: eventName(raw),
        name: target,
        bus: rsx(raw, 'requestParameters.eventBusName') ?? 'default',
      },
    };
  }),
  cases: [
    {
      name: 'GuardDuty forwarding rule disabled',
      fires: true,
      records: [
        ct({
          source: 'events',
          name: 'DisableRule',
          identity: who.user('dev1'),
          params: { name: 'vigil-guardduty-findings' },
        }),
      ],
    },
    {
      name: 'targets removed from the CloudTrail rule',
      fires: true,
      records: [
        ct({
          source: 'events',
          name: 'RemoveTargets',
          identity: who.user('dev1'),
          params: { rule: 'cloudtrail-api-calls', ids: ['t1'] },
        }),
      ],
    },
    {
      name: 'nightly batch rule disabled',
      fires: false,
      records: [
        ct({
          source: 'events',
          name: 'DisableRule',
          identity: who.user('dev1'),
          params: { name: 'nightly-report-trigger' },
        }),
      ],
    },
  ],
};

const mfaDeactivated: Detection = {
  id: 'aws.iam.mfa_device_deactivated',
  title: 'MFA device deactivated for another user',
  description:
    "A principal removed another IAM user's MFA device. With MFA gone, that user's password alone opens the " +
    'console: attackers do this before using a password they have reset or phished. Users removing their own ' +
    'device (a lost phone) are not reported; root removing its own MFA is covered by the root activity detection.',
  attack: ['T1556.006'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['DeactivateMFADevice'],
  detect: guarded({ source: 'iam.amazonaws.com' }, (raw) => {
    const target = rsx(raw, 'requestParameters.userName');
    if (actsOnSelf(raw, target)) return undefined;
    return {
      evidence: {
        target_user: target ?? '',
        device: rsx(raw, 'requestParameters.serialNumber') ?? '',
        caller: actorOf(raw).arn ?? '',
      },
    };
  }),
  cases: [
    {
      name: 'admin removes a user’s MFA',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'DeactivateMFADevice',
          identity: who.user('ops'),
          params: { userName: 'cfo', serialNumber: `arn:aws:iam::${ORG}:mfa/cfo-phone` },
        }),
      ],
    },
    {
      name: 'user removes their own lost device',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'DeactivateMFADevice',
          identity: who.user('cfo'),
          params: { userName: 'cfo', serialNumber: `arn:aws:iam::${ORG}:mfa/cfo-phone` },
        }),
      ],
    },
  ],
};

export const AWS_DEFENSE_EVASION: readonly Detection[] = [
  loggingStopped,
  trailDeleted,
  trailWeakened,
  deliveryForeign,
  selectorsReduced,
  detectorDisabled,
  coverageReduced,
  suppressionFilter,
  trustedIpList,
  membershipRemoved,
  flowLogsDeleted,
  configDisabled,
  logGroupDeleted,
  retentionShortened,
  subscriptionRemoved,
  bucketLoggingDisabled,
  trailBucketTampered,
  serviceLogsDisabled,
  leavingOrg,
  scpDisabled,
  securityHubDisabled,
  findingsSuppressed,
  analyzerRemoved,
  toolingDisabled,
  firewallRemoved,
  securityRuleDisabled,
  mfaDeactivated,
];
