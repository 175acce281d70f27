/**
 * AWS initial access and credential use: who got in, with what, from where. CloudTrail only.
 */
import type { Detection, Hit } from '../types.ts';
import {
  accountOfPrincipal,
  actorClass,
  actorOf,
  ct,
  DAY,
  eventName,
  eventSource,
  FOREIGN,
  guarded,
  HOUR,
  identityTypeAt,
  isInstanceCredential,
  isOwnAccount,
  looksLikeAutomation,
  mayBeInstanceCredential,
  OFFICE_IP,
  ORG,
  RISK,
  rb,
  recipientAccount,
  rs,
  rsx,
  rv,
  signin,
  sourceIp,
  untrustedSource,
  who,
} from './aws-helpers-a.ts';

// ---------------------------------------------------------------------------------------------
// Root
// ---------------------------------------------------------------------------------------------

/** Root actions that hand out or strip away control of the account: the worst things root can do. */
const ROOT_CRITICAL = new Set([
  'CreateAccessKey',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
  'PasswordUpdated',
  'UpdateAccountPassword',
  'CloseAccount',
  'UpdateAccountEmailAddress',
  'LeaveOrganization',
  'CreateLoginProfile',
]);

const consoleOutcome = (raw: unknown): string | undefined => rs(raw, 'responseElements.ConsoleLogin');
const mfaUsed = (raw: unknown): boolean => rs(raw, 'additionalEventData.MFAUsed') === 'Yes';

const rootActivity: Detection = {
  id: 'aws.root.activity',
  title: 'AWS root user activity',
  description:
    'The account root user signed in or called an API. Root cannot be restricted by IAM policies, and well-run ' +
    'accounts keep it locked away for a handful of break-glass tasks, so any use is either a planned task someone ' +
    'can vouch for or a stolen root password or key. Calls that AWS services make with the root identity on their ' +
    'own (service events, calls invoked by a service) are left out.',
  attack: ['T1078.004'],
  tactic: 'TA0001',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  // Any API can be called as root, so this runs on every CloudTrail event; the type check is first and cheap.
  detect(ev) {
    const raw = ev.raw;
    if (identityTypeAt(raw) !== 'Root') return undefined;
    if (actorClass(raw) === 'service') return undefined;
    const ip = sourceIp(raw);
    // A service host as source means AWS made the call (e.g. an S3 or Config delivery), not a person.
    if (ip && /\.amazonaws\.com(\.cn)?$/.test(ip) && !/^(signin|console)\./.test(ip)) return undefined;
    const name = eventName(raw);
    if (name === 'ConsoleLogin' && consoleOutcome(raw) !== 'Success') return undefined; // failures: root_login_failed
    const account = rsx(raw, 'userIdentity.accountId');
    const evidence: Hit['evidence'] = { event: name, source: eventSource(raw) };
    if (ip) evidence.source_ip = ip;
    if (account && account !== recipientAccount(raw)) evidence.foreign_root_account = account;
    if (name === 'ConsoleLogin') {
      evidence.mfa = mfaUsed(raw);
      return mfaUsed(raw) ? { evidence } : { evidence, severity: 'critical', risk: RISK.critical };
    }
    const error = rsx(raw, 'errorCode');
    if (error) evidence.error = error;
    // Root sessions an organisation's management account opens centrally (sts:AssumeRoot) are scoped to one task.
    if (rb(raw, 'userIdentity.sessionContext.assumedRoot') === true) {
      evidence.assumed_root = true;
      return { evidence, severity: 'medium', risk: RISK.medium };
    }
    const selfKey = name === 'CreateAccessKey' && rsx(raw, 'requestParameters.userName') === undefined;
    const refused = error !== undefined || rs(raw, `responseElements.${name}`) === 'Failure';
    if (!refused && ((ROOT_CRITICAL.has(name) && name !== 'CreateAccessKey') || selfKey)) {
      return { evidence, severity: 'critical', risk: RISK.critical };
    }
    return { evidence };
  },
  cases: [
    {
      name: 'root console sign-in with MFA',
      fires: true,
      records: [signin({ identity: who.root(), ok: true, mfa: true })],
    },
    {
      name: 'root creates access keys for itself from the CLI',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.root(ORG, { accessKeyId: 'ASIAQX4EXAMPLEROOT01' }),
          response: {
            accessKey: {
              accessKeyId: 'AKIAQX4EXAMPLENEW001',
              status: 'Active',
              createDate: 'Mar 2, 2026 10:15:42 AM',
            },
          },
        }),
      ],
    },
    {
      name: 'root describes instances (failed by an SCP): root credentials were still used',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'DescribeInstances',
          identity: who.root(),
          params: {},
          error: 'Client.UnauthorizedOperation',
        }),
      ],
    },
    {
      name: 'failed root sign-in is not root activity',
      fires: false,
      records: [signin({ identity: who.root(), ok: false })],
    },
    {
      name: 'a service event recorded under the root identity',
      fires: false,
      records: [
        {
          ...ct({
            source: 'health',
            name: 'AWSHealthEvent',
            identity: who.root(),
            ip: 'health.amazonaws.com',
          }),
          eventType: 'AwsServiceEvent',
        },
      ],
    },
    {
      name: 'an administrator role (not root) creates a key',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.sso('Admin', 'dana@example.com'),
          params: { userName: 'svc-report' },
        }),
      ],
    },
  ],
};

const rootLoginFailed: Detection = {
  id: 'aws.signin.root_login_failed',
  title: 'Failed AWS root sign-in',
  description:
    'Someone typed the root user e-mail address and a wrong password (or failed MFA) at the AWS sign-in page. ' +
    'The root e-mail is rarely public, so a failure is either the owner fumbling or an attacker who already knows ' +
    'it and is guessing or replaying a leaked password.',
  attack: ['T1110.001'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['ConsoleLogin'],
  detect(ev) {
    const raw = ev.raw;
    if (rs(raw, 'userIdentity.type') !== 'Root' || consoleOutcome(raw) !== 'Failure') return undefined;
    return { evidence: { source_ip: sourceIp(raw) ?? '', reason: rs(raw, 'errorMessage') ?? 'Failure' } };
  },
  cases: [
    { name: 'root password rejected', fires: true, records: [signin({ identity: who.root(), ok: false })] },
    { name: 'root signs in', fires: false, records: [signin({ identity: who.root(), ok: true, mfa: true })] },
    {
      name: 'an IAM user fails to sign in',
      fires: false,
      records: [signin({ identity: who.user('erin'), ok: false })],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Console sign-in
// ---------------------------------------------------------------------------------------------

const consoleNoMfa: Detection = {
  id: 'aws.signin.console_login_no_mfa',
  title: 'IAM user console sign-in without MFA',
  description:
    'An IAM user signed in to the console with a password alone. A password is the credential most often phished, ' +
    'reused or sprayed; without a second factor a leaked one is enough to take over the user. SAML-federated ' +
    'sign-ins are excluded because MFA happens at the identity provider.',
  attack: ['T1078.004'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['ConsoleLogin'],
  detect(ev) {
    const raw = ev.raw;
    if (rs(raw, 'userIdentity.type') !== 'IAMUser' || consoleOutcome(raw) !== 'Success') return undefined;
    if (rs(raw, 'additionalEventData.MFAUsed') !== 'No') return undefined;
    if (rsx(raw, 'additionalEventData.SamlProviderArn')) return undefined;
    return { evidence: { user: actorOf(raw).userName ?? '', source_ip: sourceIp(raw) ?? '' } };
  },
  cases: [
    {
      name: 'password-only sign-in',
      fires: true,
      records: [signin({ identity: who.user('marco'), ok: true })],
    },
    {
      name: 'sign-in with MFA',
      fires: false,
      records: [signin({ identity: who.user('marco'), ok: true, mfa: true })],
    },
    {
      name: 'failed password-only attempt',
      fires: false,
      records: [signin({ identity: who.user('marco'), ok: false })],
    },
    {
      name: 'SAML federated sign-in (MFA at the IdP)',
      fires: false,
      records: [
        signin({
          identity: who.user('marco'),
          ok: true,
          extraData: { SamlProviderArn: `arn:aws:iam::${ORG}:saml-provider/Okta` },
        }),
      ],
    },
    {
      name: 'SSO role session (MFA handled by Identity Center)',
      fires: false,
      records: [signin({ identity: who.sso('ReadOnly', 'marco@example.com'), ok: true })],
    },
  ],
};

const FAIL_WINDOW = 15 * 60_000;
const loginFailureKey = (raw: unknown): string => {
  const a = actorOf(raw);
  const user =
    a.userName ?? rsx(raw, 'userIdentity.userName') ?? (a.type === 'Root' ? 'root' : (a.arn ?? 'unknown'));
  return `${recipientAccount(raw) ?? ''}/${user}`;
};
const signinFailed = (raw: unknown): boolean =>
  eventName(raw) === 'ConsoleLogin'
    ? consoleOutcome(raw) === 'Failure'
    : rs(raw, 'serviceEventDetails.CredentialVerification') === 'Failure';

const consoleFailureBurst: Detection = {
  id: 'aws.signin.console_login_failures_burst',
  title: 'Burst of failed AWS console sign-ins',
  description:
    'Many failed console sign-ins in 15 minutes: 5 or more against one user, 10 or more from one address, or one ' +
    'address failing against 5 or more different users. That is password guessing or spraying; watch for a success ' +
    'from the same address or for the same user afterwards.',
  attack: ['T1110.001', 'T1110.003'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['ConsoleLogin', 'CredentialVerification'],
  detect(ev, ctx) {
    const raw = ev.raw;
    if (!signinFailed(raw)) return undefined;
    const t = ev.ocsf.time;
    const target = loginFailureKey(raw);
    const ip = sourceIp(raw) ?? 'unknown';
    const perUser = ctx.window.count(`signin-fail:user:${target}`, t, FAIL_WINDOW);
    const perIp = ctx.window.count(`signin-fail:ip:${ip}`, t, FAIL_WINDOW);
    const usersFromIp = ctx.window.distinct(`signin-fail:ip-users:${ip}`, target, t, FAIL_WINDOW);
    if (perUser < 5 && perIp < 10 && usersFromIp < 5) return undefined;
    const spray = usersFromIp >= 5;
    return {
      evidence: {
        failures_for_user: perUser,
        failures_from_ip: perIp,
        users_from_ip: usersFromIp,
        source_ip: ip,
        spray,
      },
      ...(spray || perIp >= 25 ? { severity: 'high' as const, risk: RISK.high } : {}),
    };
  },
  cases: [
    {
      name: 'five wrong passwords for one user in four minutes',
      fires: true,
      records: [0, 1, 2, 3, 4].map((i) =>
        signin({ identity: who.user('olga'), ok: false, time: `2026-03-02T08:0${i}:10Z` }),
      ),
    },
    {
      name: 'one address spraying five users',
      fires: true,
      records: ['ana', 'ben', 'chloe', 'dev', 'eli'].map((u, i) =>
        signin({ identity: who.user(u), ok: false, time: `2026-03-02T08:1${i}:00Z`, ip: '198.51.100.9' }),
      ),
    },
    {
      name: 'four typos then a success',
      fires: false,
      records: [
        ...[0, 1, 2, 3].map((i) =>
          signin({ identity: who.user('olga'), ok: false, time: `2026-03-02T08:0${i}:10Z` }),
        ),
        signin({ identity: who.user('olga'), ok: true, mfa: true, time: '2026-03-02T08:05:00Z' }),
      ],
    },
    {
      name: 'failures spread over hours do not add up',
      fires: false,
      records: [0, 1, 2, 3, 4].map((i) =>
        signin({ identity: who.user('olga'), ok: false, time: `2026-03-02T0${i + 1}:00:00Z` }),
      ),
    },
  ],
};

const consoleLoginFailed: Detection = {
  id: 'aws.signin.console_login_failed',
  title: 'Failed console sign-in for an IAM user',
  description:
    'An IAM user password was refused at the AWS sign-in page from an address outside the trusted networks ' +
    '(or from no recorded address). One failure is usually a typo, so this adds little risk; it is on the ' +
    'timeline because password guessing starts with one, and because a later success for the same user or from ' +
    'the same address reads differently after it. Bursts are rated by console_login_failures_burst, root by ' +
    'root_login_failed; failures from trusted networks are left out. One signal per user per 15 minutes.',
  attack: ['T1110.001'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['ConsoleLogin'],
  detect(ev, ctx) {
    const raw = ev.raw;
    if (consoleOutcome(raw) !== 'Failure' || rs(raw, 'userIdentity.type') === 'Root') return undefined;
    const ip = sourceIp(raw);
    if (ip && ctx.config.isTrustedNetwork(ip)) return undefined;
    const user = loginFailureKey(raw);
    if (ctx.window.count(`signin-fail:first:${user}`, ev.ocsf.time, FAIL_WINDOW) > 1) return undefined;
    return { evidence: { user, source_ip: ip ?? '', reason: rs(raw, 'errorMessage') ?? 'Failure' } };
  },
  cases: [
    {
      name: 'a wrong password from an outside address',
      fires: true,
      records: [signin({ identity: who.user('olga'), ok: false, ip: '198.51.100.9' })],
    },
    {
      name: 'a wrong password with no recorded address',
      fires: true,
      records: [signin({ identity: who.user('olga'), ok: false, ip: '' })],
    },
    {
      name: 'the second failure within 15 minutes adds nothing (the burst rule counts them)',
      fires: false,
      records: [
        signin({ identity: who.user('olga'), ok: false, time: '2026-03-02T08:00:10Z', ip: '198.51.100.9' }),
        signin({ identity: who.user('olga'), ok: false, time: '2026-03-02T08:02:10Z', ip: '198.51.100.9' }),
      ],
    },
    {
      name: 'a typo from the office network',
      fires: false,
      records: [signin({ identity: who.user('olga'), ok: false, ip: OFFICE_IP })],
    },
    {
      name: 'a successful sign-in',
      fires: false,
      records: [signin({ identity: who.user('olga'), ok: true, mfa: true, ip: '198.51.100.9' })],
    },
    { name: 'root (rated apart)', fires: false, records: [signin({ identity: who.root(), ok: false })] },
  ],
};

// ---------------------------------------------------------------------------------------------
// Long-term keys and sessions used from outside
const OUTSIDE_SIGNIN_WINDOW = 12 * HOUR;

const consoleLoginOutside: Detection = {
  id: 'aws.signin.console_login_untrusted_network',
  title: 'IAM user console sign-in from outside trusted networks',
  description:
    "An IAM user's password (with MFA) opened a console session from an address outside the organisation's " +
    'known networks. This is the console twin of a long-term access key used from outside: an IAM user password ' +
    'never expires, and a phished password with a phished or pushed MFA code signs in exactly like this. Medium ' +
    'on the timeline with low risk, once per user per 12 hours, so a remote worker adds one entry a day and a ' +
    'sign-in followed by anything else from that session reads differently. Password-only sign-ins are rated ' +
    'by console_login_no_mfa, root by root.activity; SAML-federated sign-ins are left to the identity provider.',
  attack: ['T1078.004'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['ConsoleLogin'],
  detect(ev, ctx) {
    const raw = ev.raw;
    if (rs(raw, 'userIdentity.type') !== 'IAMUser' || consoleOutcome(raw) !== 'Success') return undefined;
    if (!mfaUsed(raw) || rsx(raw, 'additionalEventData.SamlProviderArn')) return undefined;
    const ip = untrustedSource(raw, ctx);
    if (!ip) return undefined;
    const user = actorOf(raw).userName ?? rs(raw, 'userIdentity.principalId') ?? '';
    if (ctx.window.count(`signin-ok:outside:${user}`, ev.ocsf.time, OUTSIDE_SIGNIN_WINDOW) > 1)
      return undefined;
    return { evidence: { user, source_ip: ip, mfa: true } };
  },
  cases: [
    {
      name: 'a sign-in with MFA from an unknown internet address',
      fires: true,
      records: [signin({ identity: who.user('homer'), ok: true, mfa: true, ip: '198.51.100.9' })],
    },
    {
      name: 'the same sign-in from the office network',
      fires: false,
      records: [signin({ identity: who.user('homer'), ok: true, mfa: true, ip: OFFICE_IP })],
    },
    {
      name: 'a second sign-in the same morning adds nothing',
      fires: false,
      records: [
        signin({
          identity: who.user('homer'),
          ok: true,
          mfa: true,
          time: '2026-03-02T08:00:00Z',
          ip: '198.51.100.9',
        }),
        signin({
          identity: who.user('homer'),
          ok: true,
          mfa: true,
          time: '2026-03-02T11:30:00Z',
          ip: '198.51.100.9',
        }),
      ],
    },
    {
      name: 'a failed sign-in (console_login_failed rates it)',
      fires: false,
      records: [signin({ identity: who.user('homer'), ok: false, mfa: true, ip: '198.51.100.9' })],
    },
    {
      name: 'password only (console_login_no_mfa rates it)',
      fires: false,
      records: [signin({ identity: who.user('homer'), ok: true, ip: '198.51.100.9' })],
    },
    {
      name: 'an SSO session signs in (the identity provider watches it)',
      fires: false,
      records: [signin({ identity: who.sso('ReadOnly', 'homer@example.com'), ok: true, mfa: true })],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Write calls worth knowing about when a long-term key makes them from outside the organisation. */
const SENSITIVE_WRITES = [
  // IAM: identities, credentials, permissions, trust
  'CreateUser',
  'CreateAccessKey',
  'UpdateAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'AttachUserPolicy',
  'AttachRolePolicy',
  'AttachGroupPolicy',
  'PutUserPolicy',
  'PutRolePolicy',
  'PutGroupPolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'AddUserToGroup',
  'CreateRole',
  'UpdateAssumeRolePolicy',
  'DeactivateMFADevice',
  'DeleteUserPermissionsBoundary',
  'DeleteRolePermissionsBoundary',
  'CreateSAMLProvider',
  'UpdateSAMLProvider',
  'CreateOpenIDConnectProvider',
  'GetFederationToken',
  // Logging and detection
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
  'DeleteDetector',
  'UpdateDetector',
  'CreateIPSet',
  'CreateFilter',
  'StopConfigurationRecorder',
  'DeleteConfigurationRecorder',
  'DeleteDeliveryChannel',
  'DeleteFlowLogs',
  'DisableSecurityHub',
  'LeaveOrganization',
  // Exposure of data and compute
  'PutBucketPolicy',
  'PutBucketAcl',
  'DeleteBucketPolicy',
  'DeleteBucketPublicAccessBlock',
  'PutKeyPolicy',
  'ScheduleKeyDeletion',
  'AuthorizeSecurityGroupIngress',
  'ModifyInstanceAttribute',
  'ModifyImageAttribute',
  'ModifySnapshotAttribute',
  'ModifyDBSnapshotAttribute',
  'RunInstances',
  'ImportKeyPair',
  'CreateKeyPair',
  'SendCommand',
  'StartSession',
  'PutResourcePolicy',
  'CreateFunction20150331',
  'UpdateFunctionCode20150331v2',
  'AddPermission20150331v2',
  'DeleteFunction20150331',
  'UpdateFunctionConfiguration20150331v2',
  // Network perimeter
  'AuthorizeSecurityGroupEgress',
  'ModifySecurityGroupRules',
  'CreateNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'CreateRoute',
  'ReplaceRoute',
  'CreateVpcPeeringConnection',
  'AcceptVpcPeeringConnection',
  'EnableRegion',
  // Copies, recovery and availability of data stores
  'CopyDBSnapshot',
  'CopyDBClusterSnapshot',
  'AddRoleToDBInstance',
  'AddRoleToDBCluster',
  'DeleteDBInstance',
  'DeleteDBCluster',
  'RebootDBInstance',
  'RebootDBCluster',
  'FailoverDBCluster',
  'FailoverGlobalCluster',
  'PutBucketReplication',
  'DeleteBucketReplication',
  'CreateTrail',
  // Container images (what production runs) and security guardrails
  'PutImage',
  'BatchDeleteImage',
  'DeleteRepository',
  'PutReplicationConfiguration',
  'UpdateMacieSession',
  'CreateFindingsFilter',
  'DeleteGuardrail',
  'UpdateGuardrail',
];

const accessKeyOutside: Detection = {
  id: 'aws.iam.access_key_untrusted_network',
  title: 'IAM user access key used from outside trusted networks for a sensitive change',
  description:
    "An IAM user's long-term access key (AKIA…) made a sensitive write call (IAM, logging, exposure of data or " +
    "compute) from an internet address outside the organisation's known networks. Long-term keys leak through " +
    'code, laptops and CI logs and never expire; this is the shape of a leaked key being put to use.',
  attack: ['T1078.004'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: SENSITIVE_WRITES,
  detect: guarded({}, (raw, ctx) => {
    const actor = actorOf(raw);
    if (actor.type !== 'IAMUser' || !actor.accessKeyId?.startsWith('AKIA')) return undefined;
    if (actor.invokedBy) return undefined; // a service or the console acting, not the key holder's own client
    const ip = untrustedSource(raw, ctx);
    if (!ip) return undefined;
    const evidence = {
      event: eventName(raw),
      access_key: actor.accessKeyId,
      source_ip: ip,
      user: actor.userName ?? '',
    };
    // CI users' keys do run from cloud runners; still worth a look, but less alarming.
    return looksLikeAutomation(actor.userName) ? { evidence, severity: 'low', risk: RISK.low } : { evidence };
  }),
  cases: [
    {
      name: 'long-term key attaches a policy from an unknown internet address',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('finance-export'),
          params: { userName: 'finance-export', policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' },
        }),
      ],
    },
    {
      name: 'same call from the office network',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('finance-export'),
          ip: OFFICE_IP,
          params: { userName: 'finance-export', policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' },
        }),
      ],
    },
    {
      name: 'temporary (ASIA) credentials of a role from outside',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.role('Ops', 'jo'),
          params: { userName: 'finance-export', policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' },
        }),
      ],
    },
    {
      name: 'refused call',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('finance-export'),
          error: 'AccessDenied',
          params: { userName: 'finance-export', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        }),
      ],
    },
  ],
};

const SERVICE_CONTROL_PLANES = new Set([
  'ssm.amazonaws.com',
  'ec2messages.amazonaws.com',
  'ssmmessages.amazonaws.com',
]);

const instanceCredsOutside: Detection = {
  id: 'aws.ec2.instance_credentials_external_use',
  title: 'EC2 instance role credentials used from an outside address',
  description:
    "Temporary credentials that belong to an EC2 instance's role (session named after the instance id, or " +
    'delivered by the instance metadata service) were used from an internet address that is neither a trusted ' +
    'network nor AWS itself. Stolen through SSRF or a compromised host, such credentials get replayed from the ' +
    "attacker's machine. An instance that calls public endpoints from its own public IP looks the same: mark NAT and " +
    'Elastic IP ranges as trusted. The same session seen from two outside addresses is escalated.',
  attack: ['T1552.005', 'T1078.004'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  // Any API can be called with stolen credentials; cheap checks come first.
  detect(ev, ctx) {
    const raw = ev.raw;
    if (identityTypeAt(raw) !== 'AssumedRole' || !mayBeInstanceCredential(raw)) return undefined;
    const actor = actorOf(raw);
    if (!isInstanceCredential(raw, actor) || actor.invokedBy) return undefined;
    if (rsx(raw, 'vpcEndpointId')) return undefined; // came in through a VPC endpoint: inside the VPC
    if (SERVICE_CONTROL_PLANES.has(eventSource(raw))) return undefined; // SSM agent traffic
    const ip = untrustedSource(raw, ctx);
    if (!ip) return undefined;
    const session = actor.arn ?? `${actor.roleName}/${actor.sessionName}`;
    const places = ctx.window.distinct(`instance-creds-ips:${session}`, ip, ev.ocsf.time, 12 * HOUR);
    const evidence = {
      event: eventName(raw),
      role: actor.roleName ?? '',
      instance_session: actor.sessionName ?? '',
      source_ip: ip,
      outside_addresses: places,
    };
    return places >= 2 ? { evidence, severity: 'high', risk: RISK.high } : { evidence };
  },
  cases: [
    {
      name: 'instance session lists buckets from a VPS',
      fires: true,
      records: [
        ct({
          source: 's3',
          name: 'ListBuckets',
          identity: who.role('web-app-instance', 'i-0a1b2c3d4e5f67890'),
          ip: '45.33.32.156',
        }),
      ],
    },
    {
      name: 'IMDS-delivered session used from two outside addresses',
      fires: true,
      records: ['45.33.32.156', '185.220.101.4'].map((ip) =>
        ct({
          source: 'sts',
          name: 'GetCallerIdentity',
          identity: who.role('batch-worker', 'i-0fedcba9876543210', { extra: { ec2RoleDelivery: '2.0' } }),
          ip,
        }),
      ),
    },
    {
      name: 'instance calling from its VPC (private address)',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'PutObject',
          identity: who.role('web-app-instance', 'i-0a1b2c3d4e5f67890'),
          ip: '10.0.3.17',
        }),
      ],
    },
    {
      name: 'AWS service calling on the instance role’s behalf',
      fires: false,
      records: [
        ct({
          source: 'kms',
          name: 'Decrypt',
          identity: {
            ...who.role('web-app-instance', 'i-0a1b2c3d4e5f67890'),
            invokedBy: 'ec2.amazonaws.com',
          },
          ip: 'ec2.amazonaws.com',
        }),
      ],
    },
    {
      name: 'SSM agent heartbeat over the public endpoint',
      fires: false,
      records: [
        ct({
          source: 'ssm',
          name: 'UpdateInstanceInformation',
          identity: who.role('web-app-instance', 'i-0a1b2c3d4e5f67890'),
          ip: '54.73.12.9',
          ua: 'amazon-ssm-agent/3.3.40.0',
        }),
      ],
    },
    {
      name: 'a person’s role session from outside',
      fires: false,
      records: [
        ct({ source: 's3', name: 'ListBuckets', identity: who.role('Analyst', 'priya'), ip: '45.33.32.156' }),
      ],
    },
  ],
};

const assumeRoleForeign: Detection = {
  id: 'aws.sts.assume_role_from_foreign_account',
  title: 'Role assumed by a principal from outside the organisation',
  description:
    "A principal from an AWS account outside the organisation assumed one of the organisation's roles. Vendors do " +
    'this by design (with an external id); anything else means a trust policy lets in someone unexpected, or an ' +
    'attacker is using a backdoor trust. Calls carrying an external id are reported once a day per role and account.',
  attack: ['T1078.004', 'T1199'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['AssumeRole'],
  detect: guarded({ source: 'sts.amazonaws.com' }, (raw, ctx, ev) => {
    const roleArn = rsx(raw, 'requestParameters.roleArn');
    const roleAccount = roleArn ? accountOfPrincipal(roleArn) : undefined;
    const caller = actorOf(raw).account;
    if (!roleArn || !roleAccount || !caller) return undefined;
    if (!isOwnAccount(roleAccount, raw, ctx) || isOwnAccount(caller, raw, ctx)) return undefined;
    const externalId = rv(raw, 'requestParameters.externalId') !== undefined;
    const evidence = { role: roleArn, caller_account: caller, external_id: externalId };
    if (!externalId) return { evidence };
    const seen = ctx.window.count(`assume-foreign:${caller}:${roleArn}`, ev.ocsf.time, DAY);
    return seen === 1 ? { evidence, severity: 'low', risk: RISK.low } : undefined;
  }),
  cases: [
    {
      name: 'unknown account assumes an org role without an external id',
      fires: true,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: { type: 'AWSAccount', principalId: 'AIDAQX4FOREIGNUSER01', accountId: FOREIGN },
          params: { roleArn: `arn:aws:iam::${ORG}:role/ops-maintenance`, roleSessionName: 'm1' },
          response: { assumedRoleUser: { arn: `arn:aws:sts::${ORG}:assumed-role/ops-maintenance/m1` } },
          account: ORG,
        }),
      ],
    },
    {
      name: 'org account assumes a role in a sibling org account',
      fires: false,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.role('deploy', 'build-812', { account: '123456789012' }),
          params: { roleArn: `arn:aws:iam::${ORG}:role/ops-maintenance`, roleSessionName: 'build-812' },
          account: ORG,
        }),
      ],
    },
    {
      name: 'vendor integration repeating within the day (external id)',
      fires: false,
      records: [1, 2].map((i) =>
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: { type: 'AWSAccount', principalId: 'AROAQX4VENDORROLE01:scan', accountId: FOREIGN },
          params: {
            roleArn: `arn:aws:iam::${ORG}:role/VendorAudit`,
            roleSessionName: 'scan',
            externalId: 'c0ffee42',
          },
          account: ORG,
          time: `2026-03-02T1${i}:00:00Z`,
        }),
      ),
    },
    {
      name: 'an AWS service assumes a role',
      fires: false,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.service('lambda.amazonaws.com'),
          ip: 'lambda.amazonaws.com',
          params: { roleArn: `arn:aws:iam::${ORG}:role/fn-exec`, roleSessionName: 'fn' },
          account: ORG,
        }),
      ],
    },
  ],
};

const sessionTokenOutside: Detection = {
  id: 'aws.sts.session_token_untrusted_network',
  title: 'IAM user minted session credentials from outside trusted networks',
  description:
    'An IAM user called GetSessionToken or GetFederationToken from an internet address outside the known networks. ' +
    'Attackers holding a leaked long-term key mint temporary credentials to blend in, and such sessions keep ' +
    'working after the original key is deleted (T1550.001). People use GetSessionToken to step up with MFA, so a ' +
    'call that presents an MFA code is low; a long-term key minting a session without MFA (nothing gained but a ' +
    'credential that outlives the key; aws-vault without MFA looks the same) is a notable event: medium ' +
    'severity, low risk. CI-named users stay low. GetFederationToken is medium.',
  attack: ['T1078.004', 'T1550.001'],
  tactic: 'TA0001',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['GetSessionToken', 'GetFederationToken'],
  detect: guarded({ source: 'sts.amazonaws.com' }, (raw, ctx) => {
    if (rs(raw, 'userIdentity.type') !== 'IAMUser') return undefined;
    const ip = untrustedSource(raw, ctx);
    if (!ip) return undefined;
    const actor = actorOf(raw);
    const mfa = rsx(raw, 'requestParameters.serialNumber') !== undefined;
    const evidence = { event: eventName(raw), source_ip: ip, user: actor.userName ?? '', mfa };
    if (eventName(raw) === 'GetFederationToken') return { evidence, severity: 'medium', risk: RISK.medium };
    const longTermKey = actor.accessKeyId?.startsWith('AKIA') === true;
    if (!mfa && longTermKey && !looksLikeAutomation(actor.userName)) return { evidence, severity: 'medium' };
    return { evidence };
  }),
  cases: [
    {
      name: 'GetSessionToken from an unknown address',
      fires: true,
      records: [
        ct({
          source: 'sts',
          name: 'GetSessionToken',
          identity: who.user('legacy-sync'),
          params: { durationSeconds: 129600 },
        }),
      ],
    },
    {
      name: 'GetFederationToken from an unknown address',
      fires: true,
      records: [
        ct({
          source: 'sts',
          name: 'GetFederationToken',
          identity: who.user('legacy-sync'),
          params: { name: 'x', durationSeconds: 129600 },
        }),
      ],
    },
    {
      name: 'GetSessionToken with an MFA code from home (low)',
      fires: true,
      records: [
        ct({
          source: 'sts',
          name: 'GetSessionToken',
          identity: who.user('marco'),
          params: {
            serialNumber: `arn:aws:iam::${ORG}:mfa/marco`,
            tokenCode: '123456',
            durationSeconds: 43200,
          },
        }),
      ],
    },
    {
      name: 'GetSessionToken from the office (MFA-protected CLI use)',
      fires: false,
      records: [
        ct({ source: 'sts', name: 'GetSessionToken', identity: who.user('legacy-sync'), ip: OFFICE_IP }),
      ],
    },
    {
      name: 'GetSessionToken refused',
      fires: false,
      records: [
        ct({
          source: 'sts',
          name: 'GetSessionToken',
          identity: who.user('legacy-sync'),
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'role session calls GetSessionToken',
      fires: false,
      records: [ct({ source: 'sts', name: 'GetSessionToken', identity: who.role('Ops', 'jo') })],
    },
  ],
};

const whoamiOutside: Detection = {
  id: 'aws.sts.long_term_key_whoami_untrusted_network',
  title: 'IAM user access key checked with GetCallerIdentity from outside trusted networks',
  description:
    "An IAM user's long-term access key (AKIA…) called sts:GetCallerIdentity from an internet address outside " +
    'the organisation\'s known networks. The call needs no permission and answers "whose key is this, in which ' +
    'account": it is the first thing a tool or a person runs on a freshly stolen or leaked key (T1078.004, ' +
    'T1033). Developers run it too, so it is a notable event (medium severity, low risk), reported once per key ' +
    'and address a day. Excluded: CI-named users (pipelines check their identity on every run), temporary ' +
    'credentials, calls made by AWS services, and trusted networks.',
  attack: ['T1078.004', 'T1033'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['GetCallerIdentity'],
  detect: guarded({ source: 'sts.amazonaws.com' }, (raw, ctx, ev) => {
    const actor = actorOf(raw);
    if (actor.type !== 'IAMUser' || !actor.accessKeyId?.startsWith('AKIA')) return undefined;
    if (actor.invokedBy || looksLikeAutomation(actor.userName)) return undefined;
    const ip = untrustedSource(raw, ctx);
    if (!ip) return undefined;
    if (ctx.window.count(`whoami-outside:${actor.accessKeyId}:${ip}`, ev.ocsf.time, DAY) !== 1)
      return undefined;
    return { evidence: { access_key: actor.accessKeyId, source_ip: ip, user: actor.userName ?? '' } };
  }),
  cases: [
    {
      name: 'a user key checks its identity from an unknown address',
      fires: true,
      records: [ct({ source: 'sts', name: 'GetCallerIdentity', identity: who.user('finance-export') })],
    },
    {
      name: 'the same key from a second unknown address',
      fires: true,
      records: [
        ct({ source: 'sts', name: 'GetCallerIdentity', identity: who.user('finance-export') }),
        ct({
          source: 'sts',
          name: 'GetCallerIdentity',
          identity: who.user('finance-export'),
          ip: '45.33.32.156',
        }),
      ],
    },
    {
      name: 'repeated from the same address the same day',
      fires: false,
      records: [
        ct({ source: 'sts', name: 'GetCallerIdentity', identity: who.user('finance-export') }),
        ct({
          source: 'sts',
          name: 'GetCallerIdentity',
          identity: who.user('finance-export'),
          time: '2026-03-02T11:15:42Z',
        }),
      ],
    },
    {
      name: 'from the office network',
      fires: false,
      records: [
        ct({ source: 'sts', name: 'GetCallerIdentity', identity: who.user('finance-export'), ip: OFFICE_IP }),
      ],
    },
    {
      name: 'a CI user on a cloud runner',
      fires: false,
      records: [ct({ source: 'sts', name: 'GetCallerIdentity', identity: who.user('github-deployer') })],
    },
    {
      name: 'a role session (temporary credentials)',
      fires: false,
      records: [ct({ source: 'sts', name: 'GetCallerIdentity', identity: who.role('Analyst', 'priya') })],
    },
  ],
};

export const AWS_INITIAL_ACCESS: readonly Detection[] = [
  rootActivity,
  rootLoginFailed,
  consoleNoMfa,
  consoleFailureBurst,
  consoleLoginFailed,
  consoleLoginOutside,
  accessKeyOutside,
  instanceCredsOutside,
  assumeRoleForeign,
  sessionTokenOutside,
  whoamiOutside,
];
