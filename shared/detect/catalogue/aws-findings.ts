/**
 * GuardDuty and Security Hub findings as signals. The finding already is a verdict; these
 * detections decide whether it counts (not archived, not a sample, not suppressed, not a
 * duplicate), how severe it is, which ATT&CK tactic it advances, and which entities it is about,
 * so that a finding joins the incident of the principal, key or instance it names.
 *
 * GuardDuty findings are split into one detection per threat-purpose family because a Signal's
 * tactic is fixed per detection (a Hit can raise severity and risk, not change the tactic).
 */
import type { Detection, EntityRef, Hit, Severity, Tactic } from '../types.ts';
import { ctGet, ctList, ctNum, ctStr, ctTrue, parseJsonish } from './aws-helpers-b.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const RISK: Record<Severity, number> = { info: 5, low: 10, medium: 25, high: 50, critical: 80 };

/** The finding body, whether the record is the finding itself or still wrapped in an EventBridge envelope. */
const findingOf = (raw: unknown): unknown => (isObject(raw) && isObject(raw.detail) ? raw.detail : raw);

// ---------------------------------------------------------------------------------------------
// GuardDuty
// ---------------------------------------------------------------------------------------------

/** GuardDuty's 1–10 scale, banded as GuardDuty itself labels it (low < 4 ≤ medium < 7 ≤ high < 9 ≤ critical). */
function guardDutySeverity(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/** The threat purpose: the part of the finding type before the first colon. */
const purposeOf = (type: string): string => (type.split(':')[0] ?? '').toLowerCase();

/** A finding to ignore: archived (closed by an analyst or a suppression rule) or generated as sample data. */
function isInactiveGuardDuty(f: unknown): boolean {
  if (ctTrue(f, 'service.archived')) return true;
  if (ctTrue(f, 'service.additionalInfo.sample')) return true;
  // Some exports nest additionalInfo as {"value": "<json>", "type": "default"}.
  const nested = parseJsonish(ctGet(f, 'service.additionalInfo.value'));
  return ctTrue(nested, 'sample');
}

/** Principal ARN as CloudTrail would show it, rebuilt from GuardDuty's accessKeyDetails. */
function principalArnFromAccessKey(f: unknown): string | undefined {
  const account = ctStr(f, 'accountId') ?? '';
  const partition = ctStr(f, 'partition') ?? 'aws';
  const type = ctStr(f, 'resource.accessKeyDetails.userType') ?? '';
  const name = ctStr(f, 'resource.accessKeyDetails.userName') ?? '';
  const principalId = ctStr(f, 'resource.accessKeyDetails.principalId') ?? '';
  if (!account) return undefined;
  if (type === 'Root') return `arn:${partition}:iam::${account}:root`;
  if (!name) return undefined;
  if (type === 'IAMUser') return `arn:${partition}:iam::${account}:user/${name}`;
  if (type === 'AssumedRole') {
    const session = principalId.includes(':') ? principalId.slice(principalId.indexOf(':') + 1) : '';
    return session
      ? `arn:${partition}:sts::${account}:assumed-role/${name}/${session}`
      : `arn:${partition}:iam::${account}:role/${name}`;
  }
  if (type === 'FederatedUser') return `arn:${partition}:sts::${account}:federated-user/${name}`;
  return undefined;
}

function guardDutyEntities(f: unknown): EntityRef[] {
  const out: EntityRef[] = [];
  const add = (type: EntityRef['type'], id: string | undefined) => {
    if (id && !out.some((e) => e.type === type && e.id === id)) out.push({ type, id });
  };
  const account = ctStr(f, 'accountId');
  const region = ctStr(f, 'region') ?? '';
  add('principal', principalArnFromAccessKey(f));
  add('access_key', ctStr(f, 'resource.accessKeyDetails.accessKeyId'));
  const instance = ctStr(f, 'resource.instanceDetails.instanceId');
  if (instance && account)
    add('resource', `arn:${ctStr(f, 'partition') ?? 'aws'}:ec2:${region}:${account}:instance/${instance}`);
  for (const b of ctList(f, 'resource.s3BucketDetails')) add('resource', ctStr(b, 'arn'));
  add('resource', ctStr(f, 'resource.eksClusterDetails.arn'));
  add('resource', ctStr(f, 'resource.ecsClusterDetails.arn'));
  add('resource', ctStr(f, 'resource.lambdaDetails.functionArn'));
  add('resource', ctStr(f, 'resource.rdsDbInstanceDetails.dbInstanceArn'));
  for (const path of [
    'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4',
    'service.action.networkConnectionAction.remoteIpDetails.ipAddressV4',
    'service.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4',
    'service.action.rdsLoginAttemptAction.remoteIpDetails.ipAddressV4',
  ]) {
    add('ip', ctStr(f, path));
  }
  add('account', account);
  return out;
}

interface GuardDutyFamily {
  slug: string;
  title: string;
  purposes: string[];
  tactic: Tactic;
  attack: string[];
  meaning: string;
  example: string;
}

const FAMILIES: GuardDutyFamily[] = [
  {
    slug: 'recon_finding',
    title: 'GuardDuty: reconnaissance or discovery',
    purposes: ['recon', 'discovery', 'pentest'],
    tactic: 'TA0007',
    attack: ['T1580', 'T1526'],
    meaning:
      'someone is mapping the account or probing its hosts (API enumeration from a known-bad source, port probes, pentest distributions)',
    example: 'Recon:IAMUser/MaliciousIPCaller.Custom',
  },
  {
    slug: 'initial_access_finding',
    title: 'GuardDuty: unauthorised access',
    purposes: ['unauthorizedaccess', 'initialaccess'],
    tactic: 'TA0001',
    attack: ['T1078.004'],
    meaning:
      'credentials or hosts are being used by someone who should not (instance credentials used outside AWS, console logins from unusual places, brute force)',
    example: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
  },
  {
    slug: 'persistence_finding',
    title: 'GuardDuty: persistence',
    purposes: ['persistence'],
    tactic: 'TA0003',
    attack: ['T1098'],
    meaning: 'an identity is creating ways back in (anomalous user, key or policy creation)',
    example: 'Persistence:IAMUser/AnomalousBehavior',
  },
  {
    slug: 'privilege_escalation_finding',
    title: 'GuardDuty: privilege escalation',
    purposes: ['privilegeescalation'],
    tactic: 'TA0004',
    attack: ['T1078.004', 'T1098'],
    meaning: 'an identity is granting itself more power than it had',
    example: 'PrivilegeEscalation:IAMUser/AdministrativePermissions',
  },
  {
    slug: 'defense_evasion_finding',
    title: 'GuardDuty: defence evasion',
    purposes: ['defenseevasion', 'stealth'],
    tactic: 'TA0005',
    attack: ['T1562'],
    meaning: 'logging, monitoring or guardrails are being turned off, or traffic hidden',
    example: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
  },
  {
    slug: 'credential_access_finding',
    title: 'GuardDuty: credential access',
    purposes: ['credentialaccess'],
    tactic: 'TA0006',
    attack: ['T1552', 'T1110'],
    meaning: 'secrets or passwords are being harvested or guessed',
    example: 'CredentialAccess:IAMUser/AnomalousBehavior',
  },
  {
    slug: 'exfiltration_finding',
    title: 'GuardDuty: exfiltration',
    purposes: ['exfiltration'],
    tactic: 'TA0010',
    attack: ['T1537', 'T1530'],
    meaning: 'data is leaving (anomalous S3 reads, snapshot sharing, DNS or network exfiltration)',
    example: 'Exfiltration:S3/AnomalousBehavior',
  },
  {
    slug: 'impact_finding',
    title: 'GuardDuty: impact or resource hijacking',
    purposes: ['impact', 'cryptocurrency'],
    tactic: 'TA0040',
    attack: ['T1496.001', 'T1485'],
    meaning: 'resources are being destroyed or hijacked (mass deletion, mining, denial of service)',
    example: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
  },
  {
    slug: 'command_and_control_finding',
    title: 'GuardDuty: backdoor, trojan or unusual traffic',
    purposes: ['backdoor', 'trojan', 'behavior'],
    tactic: 'TA0011',
    attack: ['T1071'],
    meaning:
      'a workload talks to known command-and-control infrastructure or behaves like a compromised host',
    example: 'Backdoor:EC2/C&CActivity.B',
  },
  {
    slug: 'execution_finding',
    title: 'GuardDuty: malicious execution',
    purposes: ['execution'],
    tactic: 'TA0002',
    attack: ['T1059', 'T1609'],
    meaning: 'malicious code ran on an instance or container (runtime and malware protection findings)',
    example: 'Execution:Runtime/NewBinaryExecuted',
  },
];

const KNOWN_PURPOSES = new Set(FAMILIES.flatMap((f) => f.purposes));

interface GdCase {
  type: string;
  severity: number;
  archived?: boolean;
  sample?: boolean;
}

/** A raw GuardDuty finding as the GetFindings API and EventBridge deliver it. */
function guardDutyFinding(c: GdCase): Record<string, unknown> {
  const id = `7ec6d0a2b1${Math.round(c.severity * 10)
    .toString(16)
    .padStart(2, '0')}${c.type.length.toString(16).padStart(2, '0')}f4e0c9a1b2c3d4e5f6a7`;
  return {
    schemaVersion: '2.0',
    accountId: '111122223333',
    region: 'us-east-1',
    partition: 'aws',
    id,
    arn: `arn:aws:guardduty:us-east-1:111122223333:detector/5ab1c2d3e4f5a6b7c8d9e0f1a2b3c4d5/finding/${id}`,
    type: c.type,
    resource: {
      resourceType: 'AccessKey',
      accessKeyDetails: {
        accessKeyId: 'ASIA4EXAMPLESESSION1',
        principalId: 'AROA4EXAMPLEROLEID01:jane.doe',
        userName: 'DevOpsAdmin',
        userType: 'AssumedRole',
      },
    },
    service: {
      serviceName: 'guardduty',
      detectorId: '5ab1c2d3e4f5a6b7c8d9e0f1a2b3c4d5',
      action: {
        actionType: 'AWS_API_CALL',
        awsApiCallAction: {
          api: 'ListBuckets',
          serviceName: 's3.amazonaws.com',
          callerType: 'Remote IP',
          remoteIpDetails: {
            ipAddressV4: '198.51.100.24',
            organization: { asn: '64500', asnOrg: 'Example Hosting' },
          },
        },
      },
      resourceRole: 'TARGET',
      additionalInfo: c.sample ? { sample: true } : {},
      eventFirstSeen: '2024-05-14T09:01:00.000Z',
      eventLastSeen: '2024-05-14T09:04:00.000Z',
      archived: c.archived ?? false,
      count: 3,
    },
    severity: c.severity,
    createdAt: '2024-05-14T09:10:11.123Z',
    updatedAt: '2024-05-14T09:10:11.123Z',
    title: `Finding ${c.type}`,
    description: `GuardDuty reported ${c.type}.`,
  };
}

const eventBridge = (detailType: string, source: string, detail: unknown): Record<string, unknown> => ({
  version: '0',
  id: 'c80edc6d-15ea-5cbb-89ab-cd48ffc04229',
  'detail-type': detailType,
  source,
  account: '111122223333',
  time: '2024-05-14T09:10:12Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

function guardDutyDetection(family: GuardDutyFamily | undefined): Detection {
  const slug = family?.slug ?? 'finding';
  const other = FAMILIES.find((f) => f !== family) ?? FAMILIES[0];
  const positiveType = family?.example ?? 'Policy:IAMUser/RootCredentialUsage';
  return {
    id: `aws.guardduty.${slug}`,
    title: family?.title ?? 'GuardDuty: policy or other finding',
    description: family
      ? `An active GuardDuty finding whose threat purpose (${family.purposes.join(', ')}) means ${family.meaning}. ` +
        "Severity follows GuardDuty's bands (below 4 low, below 7 medium, below 9 high, else critical). Archived " +
        'and sample findings are ignored. The principal, access key, instance, buckets and remote IP named by the ' +
        'finding become entities so it joins the same incident as their CloudTrail activity.'
      : 'An active GuardDuty finding whose threat purpose is not one of the tactic families above (Policy findings such ' +
        'as root credential use or anonymous bucket access, attack-sequence findings, and new purposes GuardDuty may ' +
        'add). Severity and entities as for the other GuardDuty detections.',
    attack: family?.attack ?? ['T1078.004'],
    tactic: family?.tactic ?? 'TA0001',
    severity: 'low',
    risk: 10,
    sources: ['guardduty'],
    detect(ev): Hit | undefined {
      const f = findingOf(ev.raw);
      const type = ctStr(f, 'type') ?? '';
      const purpose = purposeOf(type);
      const mine = family ? family.purposes.includes(purpose) : !KNOWN_PURPOSES.has(purpose);
      if (!mine || type === '' || isInactiveGuardDuty(f)) return undefined;
      const score = ctNum(f, 'severity') ?? 0;
      const severity = guardDutySeverity(score);
      return {
        severity,
        risk: RISK[severity],
        entities: guardDutyEntities(f),
        evidence: {
          finding_type: type,
          guardduty_severity: score,
          finding_id: ev.ocsf.finding_info?.uid ?? ctStr(f, 'id') ?? '',
          count: ctNum(f, 'service.count') ?? 1,
        },
      };
    },
    cases: [
      {
        name: `${positiveType} at severity 8`,
        fires: true,
        records: [guardDutyFinding({ type: positiveType, severity: 8 })],
      },
      {
        name: `${positiveType} delivered through EventBridge at severity 2`,
        fires: true,
        records: [
          eventBridge(
            'GuardDuty Finding',
            'aws.guardduty',
            guardDutyFinding({ type: positiveType, severity: 2 }),
          ),
        ],
      },
      {
        name: 'the same finding generated as sample data',
        fires: false,
        records: [guardDutyFinding({ type: positiveType, severity: 8, sample: true })],
      },
      {
        name: 'the same finding archived',
        fires: false,
        records: [guardDutyFinding({ type: positiveType, severity: 8, archived: true })],
      },
      {
        name: 'a finding of another family',
        fires: false,
        records: [
          guardDutyFinding({
            type: family
              ? (other?.example ?? 'Recon:EC2/PortProbeUnprotectedPort')
              : 'Recon:EC2/PortProbeUnprotectedPort',
            severity: 8,
          }),
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Security Hub (ASFF)
// ---------------------------------------------------------------------------------------------

const LABEL_SEVERITY: Record<string, Severity> = {
  INFORMATIONAL: 'info',
  LOW: 'low',
  MEDIUM: 'medium',
  HIGH: 'high',
  CRITICAL: 'critical',
};

/** Severity label, from Severity.Label, the provider's label, or the 0–100 normalised score. */
function asffLabel(f: unknown): string {
  const label = ctStr(f, 'Severity.Label') ?? ctStr(f, 'FindingProviderFields.Severity.Label');
  if (label) return label.toUpperCase();
  const n = ctNum(f, 'Severity.Normalized');
  if (n === undefined) return 'INFORMATIONAL';
  if (n >= 90) return 'CRITICAL';
  if (n >= 70) return 'HIGH';
  if (n >= 40) return 'MEDIUM';
  if (n >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

const isFromGuardDuty = (f: unknown): boolean =>
  (ctStr(f, 'ProductName') ?? ctStr(f, 'ProductFields.aws/securityhub/ProductName') ?? '').toLowerCase() ===
    'guardduty' || /\/product\/aws\/guardduty$/.test(ctStr(f, 'ProductArn') ?? '');

function asffEntities(f: unknown): EntityRef[] {
  const out: EntityRef[] = [];
  const add = (type: EntityRef['type'], id: string | undefined) => {
    if (id && !out.some((e) => e.type === type && e.id === id)) out.push({ type, id });
  };
  for (const r of ctList(f, 'Resources')) {
    const type = ctStr(r, 'Type') ?? '';
    const id = ctStr(r, 'Id') ?? '';
    if (type === 'AwsIamAccessKey') {
      add(
        'access_key',
        ctStr(r, 'Details.AwsIamAccessKey.AccessKeyId') ?? id.replace(/^AWS::IAM::AccessKey:/, ''),
      );
    } else if ((type === 'AwsIamUser' || type === 'AwsIamRole') && id.startsWith('arn:')) {
      add('principal', id);
    } else if (type === 'AwsAccount') {
      add('account', id.replace(/^AWS::::Account:/, ''));
    } else {
      add('resource', id);
    }
  }
  add('account', ctStr(f, 'AwsAccountId'));
  return out;
}

/** A raw ASFF finding, as Security Hub imports it. */
function asffFinding(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SchemaVersion: '2018-10-08',
    Id: 'arn:aws:securityhub:us-east-1:111122223333:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.2/finding/0f2b9e4c-1d3a-4b5c-8e7f-9a0b1c2d3e4f',
    ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: 'us-east-1',
    GeneratorId: 'aws-foundational-security-best-practices/v/1.0.0/S3.2',
    AwsAccountId: '111122223333',
    Types: [
      'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
    ],
    FirstObservedAt: '2024-05-14T08:55:00.000Z',
    LastObservedAt: '2024-05-14T09:05:00.000Z',
    CreatedAt: '2024-05-14T08:55:00.000Z',
    UpdatedAt: '2024-05-14T09:05:00.000Z',
    Severity: { Label: 'HIGH', Normalized: 70, Original: 'HIGH' },
    Title: 'S3.2 S3 general purpose buckets should block public read access',
    Description: 'This control checks whether your S3 general purpose buckets permit public read access.',
    Resources: [
      { Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::customer-exports', Partition: 'aws', Region: 'us-east-1' },
    ],
    Compliance: { Status: 'FAILED' },
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    ...over,
  };
}

const securityHub: Detection = {
  id: 'aws.securityhub.finding',
  title: 'Security Hub finding',
  description:
    'An active Security Hub finding (ASFF) from Security Hub controls or an integrated product (Inspector, Macie, ' +
    "Access Analyzer, Config, partners). Severity follows the finding's label (INFORMATIONAL to CRITICAL, or the " +
    'normalised score when no label is set); passed controls, archived records and findings whose workflow is SUPPRESSED or ' +
    'RESOLVED are ignored. Findings produced by GuardDuty are skipped here because GuardDuty findings arrive ' +
    'directly and would otherwise be counted twice. The IAM users, roles, access keys and resources the ' +
    'finding names become entities.',
  attack: ['T1190', 'T1078.004'],
  tactic: 'TA0001',
  severity: 'info',
  risk: 5,
  sources: ['securityhub'],
  detect(ev): Hit | undefined {
    const f = ev.raw;
    if ((ctStr(f, 'RecordState') ?? '').toUpperCase() === 'ARCHIVED') return undefined;
    const workflow = (ctStr(f, 'Workflow.Status') ?? ctStr(f, 'WorkflowState') ?? '').toUpperCase();
    if (workflow === 'SUPPRESSED' || workflow === 'RESOLVED') return undefined;
    if ((ctStr(f, 'Compliance.Status') ?? '').toUpperCase() === 'PASSED') return undefined;
    if (isFromGuardDuty(f)) return undefined;
    const severity = LABEL_SEVERITY[asffLabel(f)];
    if (!severity) return undefined;
    const types = ctList(f, 'Types').filter((t): t is string => typeof t === 'string');
    return {
      severity,
      risk: RISK[severity],
      entities: asffEntities(f),
      evidence: {
        product: ctStr(f, 'ProductName') ?? ctStr(f, 'ProductFields.aws/securityhub/ProductName') ?? '',
        title: (ctStr(f, 'Title') ?? '').slice(0, 200),
        type: (types[0] ?? '').slice(0, 200),
        label: asffLabel(f),
        finding_id: (ev.ocsf.finding_info?.uid ?? ctStr(f, 'Id') ?? '').slice(0, 300),
      },
    };
  },
  cases: [
    { name: 'failed control on a public bucket (HIGH)', fires: true, records: [asffFinding()] },
    {
      name: 'a partner finding naming an access key, inside an EventBridge envelope',
      fires: true,
      records: [
        eventBridge('Security Hub Findings - Imported', 'aws.securityhub', {
          findings: [
            asffFinding({
              Id: 'decoy-secret-accessed-1',
              ProductArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
              ProductName: 'DecoyDetector',
              Types: ['Unusual Behaviors'],
              Severity: { Label: 'CRITICAL', Normalized: 90 },
              Title: 'Decoy secret accessed',
              Compliance: undefined,
              Resources: [
                {
                  Type: 'AwsSecretsManagerSecret',
                  Id: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:Dummy-Secret-ab12cd',
                },
                {
                  Type: 'AwsIamAccessKey',
                  Id: 'AWS::IAM::AccessKey:ASIA4EXAMPLESESSION1',
                  Details: {
                    AwsIamAccessKey: { AccessKeyId: 'ASIA4EXAMPLESESSION1', PrincipalType: 'AssumedRole' },
                  },
                },
              ],
            }),
          ],
        }),
      ],
    },
    {
      name: 'a GuardDuty finding relayed by Security Hub',
      fires: false,
      records: [
        asffFinding({
          ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
          ProductName: 'GuardDuty',
          Types: ['TTPs/Discovery/Recon:IAMUser-MaliciousIPCaller'],
        }),
      ],
    },
    {
      name: 'informational failed control',
      fires: true,
      records: [
        asffFinding({
          Severity: { Label: 'INFORMATIONAL', Normalized: 0 },
          Title: 'IAM.6 Hardware MFA for root',
        }),
      ],
    },
    { name: 'archived record', fires: false, records: [asffFinding({ RecordState: 'ARCHIVED' })] },
    {
      name: 'suppressed by an analyst',
      fires: false,
      records: [asffFinding({ Workflow: { Status: 'SUPPRESSED' }, WorkflowState: 'NEW' })],
    },
    {
      name: 'passed control check',
      fires: false,
      records: [
        asffFinding({
          Compliance: { Status: 'PASSED' },
          Severity: { Label: 'INFORMATIONAL', Normalized: 0 },
        }),
      ],
    },
  ],
};

export const AWS_FINDINGS: readonly Detection[] = [
  ...FAMILIES.map((f) => guardDutyDetection(f)),
  guardDutyDetection(undefined),
  securityHub,
];
