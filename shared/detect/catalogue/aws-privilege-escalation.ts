/**
 * AWS privilege escalation: permissions granted, widened or borrowed. CloudTrail only.
 */
import type { Detection, Hit, Severity } from '../types.ts';
import {
  actorClass,
  actorOf,
  ct,
  eventName,
  eventSource,
  failed,
  guarded,
  HOUR,
  isInteractiveOrStolen,
  lambdaNames,
  lastSegment,
  managedPolicyGrant,
  ORG,
  PRIVILEGED_NAME,
  policyBreadth,
  policyText,
  RISK,
  rb,
  rsx,
  rv,
  statementsOf,
  who,
} from './aws-helpers-a.ts';

const IAM = 'iam.amazonaws.com';

const LOWER: Record<Severity, Severity> = {
  info: 'info',
  low: 'info',
  medium: 'low',
  high: 'medium',
  critical: 'high',
};
const at = (severity: Severity): Pick<Hit, 'severity' | 'risk'> => ({ severity, risk: RISK[severity] });

/** Declared infrastructure (CloudFormation on the caller's behalf) rates one step lower. */
const viaStack = (raw: unknown): boolean =>
  actorClass(raw) === 'automation' && actorOf(raw).invokedBy !== undefined;

const targetOf = (raw: unknown): string =>
  rsx(raw, 'requestParameters.userName') ??
  rsx(raw, 'requestParameters.roleName') ??
  rsx(raw, 'requestParameters.groupName') ??
  '';

const doc = (statements: Record<string, unknown>[]) =>
  policyText({ Version: '2012-10-17', Statement: statements });
const ADMIN_DOC = doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]);

/** An operator fencing a leaving user in with a deny-all inline policy: containment, not escalation. */
const denyAllGuard = () =>
  ct({
    source: 'iam',
    name: 'PutUserPolicy',
    identity: who.user('ops'),
    params: {
      userName: 'leaver',
      policyName: 'deny',
      policyDocument: doc([{ Effect: 'Deny', Action: '*', Resource: '*' }]),
    },
  });

// ---------------------------------------------------------------------------------------------
// Granting admin
// ---------------------------------------------------------------------------------------------

const MANAGED_SEVERITY = { admin: 'high', iam_admin: 'high', power_user: 'medium' } as const;

const managedAdminAttached: Detection = {
  id: 'aws.iam.managed_admin_policy_attached',
  title: 'Administrator-level AWS managed policy attached',
  description:
    'AdministratorAccess, IAMFullAccess or PowerUserAccess was attached to a user, role or group. The first two ' +
    'are full control of the account (IAMFullAccess lets the holder grant itself anything); PowerUserAccess is ' +
    'everything except IAM. Attachments made by CloudFormation stacks rate one step lower.',
  attack: ['T1098.003'],
  tactic: 'TA0004',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'],
  detect: guarded({ source: IAM }, (raw) => {
    const policy = rsx(raw, 'requestParameters.policyArn');
    const grant = managedPolicyGrant(policy);
    if (!grant) return undefined;
    const severity: Severity = MANAGED_SEVERITY[grant];
    const evidence = { event: eventName(raw), target: targetOf(raw), policy: lastSegment(policy ?? '') };
    return { evidence, ...at(viaStack(raw) ? LOWER[severity] : severity) };
  }),
  cases: [
    {
      name: 'AdministratorAccess attached to a user',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.role('tester', 'tester'),
          params: { userName: 'new-user', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        }),
      ],
    },
    {
      name: 'IAMFullAccess attached to a role',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AttachRolePolicy',
          identity: who.user('ops'),
          params: { roleName: 'app-role', policyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' },
        }),
      ],
    },
    {
      name: 'ReadOnlyAccess attached',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'auditor', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        }),
      ],
    },
    {
      name: 'customer policy that happens to be named AdministratorAccess',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'x', policyArn: `arn:aws:iam::${ORG}:policy/team/AdministratorAccessReview` },
        }),
      ],
    },
    {
      name: 'refused attachment',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachRolePolicy',
          identity: who.user('ops'),
          params: { roleName: 'x', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
          error: 'NoSuchEntity',
        }),
      ],
    },
  ],
};

const BREADTH_SEVERITY = { admin: 'high', iam_admin: 'high', not_action: 'medium' } as const;

const inlineAdmin: Detection = {
  id: 'aws.iam.inline_admin_policy',
  title: 'Inline policy granting full access',
  description:
    'An inline policy put on a user, role or group allows every action ("*") or all of IAM ("iam:*") on every ' +
    'resource, or allows everything except a list (NotAction on "*"). Inline policies live only on their ' +
    'principal and are easy to miss in reviews, which is why attackers favour them to grant themselves admin.',
  attack: ['T1098.003'],
  tactic: 'TA0004',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'],
  detect: guarded({ source: IAM }, (raw) => {
    const breadth = policyBreadth(rv(raw, 'requestParameters.policyDocument'));
    if (!breadth) return undefined;
    const severity: Severity = BREADTH_SEVERITY[breadth];
    const evidence = {
      event: eventName(raw),
      target: targetOf(raw),
      policy_name: rsx(raw, 'requestParameters.policyName') ?? '',
      breadth,
    };
    return { evidence, ...at(viaStack(raw) ? LOWER[severity] : severity) };
  }),
  cases: [
    {
      name: 'Action * on Resource * put on a role',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'PutRolePolicy',
          identity: who.user('ops'),
          params: { roleName: 'app-role', policyName: 'temp', policyDocument: ADMIN_DOC },
        }),
      ],
    },
    {
      name: 'iam:* as a list item, statement object not array',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'PutUserPolicy',
          identity: who.user('ops'),
          params: {
            userName: 'x',
            policyName: 'iam',
            policyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: { Effect: 'Allow', Action: ['s3:GetObject', 'iam:*'], Resource: '*' },
            }),
          },
        }),
      ],
    },
    {
      name: 'scoped S3 policy',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'PutRolePolicy',
          identity: who.user('ops'),
          params: {
            roleName: 'app-role',
            policyName: 's3',
            policyDocument: doc([{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::app-bucket/*' }]),
          },
        }),
      ],
    },
    {
      name: 'deny-everything guard policy',
      fires: false,
      records: [denyAllGuard()],
    },
  ],
};

const policyVersion: Detection = {
  id: 'aws.iam.policy_default_version_changed',
  title: 'Managed policy default version changed',
  description:
    'A customer managed policy got a new default version that grants full access, or its default was switched to ' +
    'another stored version (SetDefaultPolicyVersion). Every principal the policy is attached to changes at once; ' +
    'switching back to an old, broader version is a known escalation path that creates no new document to review. ' +
    'Routine new versions by people are low; by pipelines they are not reported unless they grant full access.',
  attack: ['T1098.003'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['CreatePolicyVersion', 'SetDefaultPolicyVersion'],
  detect: guarded({ source: IAM }, (raw): Hit | undefined => {
    const policy = rsx(raw, 'requestParameters.policyArn') ?? '';
    if (eventName(raw) === 'SetDefaultPolicyVersion') {
      return { evidence: { policy, version: rsx(raw, 'requestParameters.versionId') ?? '' } };
    }
    if (rb(raw, 'requestParameters.setAsDefault') !== true) return undefined;
    const breadth = policyBreadth(rv(raw, 'requestParameters.policyDocument'));
    if (breadth === 'admin' || breadth === 'iam_admin')
      return { evidence: { policy, breadth }, ...at('high') };
    return isInteractiveOrStolen(raw) ? { evidence: { policy }, ...at('low') } : undefined;
  }),
  cases: [
    {
      name: 'new default version grants *',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreatePolicyVersion',
          identity: who.role('app-role', 'i-0a1b2c3d4e5f67890'),
          params: {
            policyArn: `arn:aws:iam::${ORG}:policy/app`,
            policyDocument: ADMIN_DOC,
            setAsDefault: true,
          },
        }),
      ],
    },
    {
      name: 'default switched to an older version',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'SetDefaultPolicyVersion',
          identity: who.user('dev1'),
          params: { policyArn: `arn:aws:iam::${ORG}:policy/app`, versionId: 'v2' },
        }),
      ],
    },
    {
      name: 'pipeline publishes a scoped new version',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreatePolicyVersion',
          identity: who.role('terraform-apply', 'tf-run-1183'),
          params: {
            policyArn: `arn:aws:iam::${ORG}:policy/app`,
            policyDocument: doc([
              {
                Effect: 'Allow',
                Action: 'sqs:SendMessage',
                Resource: 'arn:aws:sqs:eu-west-1:111122223333:q',
              },
            ]),
            setAsDefault: true,
          },
        }),
      ],
    },
    {
      name: 'admin version stored but not made default',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreatePolicyVersion',
          identity: who.user('dev1'),
          params: {
            policyArn: `arn:aws:iam::${ORG}:policy/app`,
            policyDocument: ADMIN_DOC,
            setAsDefault: false,
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Borrowing a role's permissions (iam:PassRole)
// ---------------------------------------------------------------------------------------------

interface PassSpec {
  source: string;
  names: string[];
  paths: string[];
}
const INSTANCE_PROFILE_PATHS = (req: string) => [
  `requestParameters.${req}.IamInstanceProfile.Arn`,
  `requestParameters.${req}.IamInstanceProfile.Name`,
  'requestParameters.iamInstanceProfile.arn',
  'requestParameters.iamInstanceProfile.name',
];
const PASS_SPECS: PassSpec[] = [
  {
    source: 'lambda.amazonaws.com',
    names: [
      ...lambdaNames('CreateFunction', ['20150331']),
      ...lambdaNames('UpdateFunctionConfiguration', ['20150331', '20150331v2']),
    ],
    paths: ['requestParameters.role'],
  },
  {
    source: 'ec2.amazonaws.com',
    names: ['RunInstances'],
    paths: INSTANCE_PROFILE_PATHS('RunInstancesRequest'),
  },
  {
    source: 'ec2.amazonaws.com',
    names: ['AssociateIamInstanceProfile'],
    paths: INSTANCE_PROFILE_PATHS('AssociateIamInstanceProfileRequest'),
  },
  {
    source: 'ec2.amazonaws.com',
    names: ['ReplaceIamInstanceProfileAssociation'],
    paths: INSTANCE_PROFILE_PATHS('ReplaceIamInstanceProfileAssociationRequest'),
  },
  {
    source: 'cloudformation.amazonaws.com',
    names: ['CreateStack', 'UpdateStack'],
    paths: ['requestParameters.roleARN'],
  },
  { source: 'glue.amazonaws.com', names: ['CreateDevEndpoint'], paths: ['requestParameters.roleArn'] },
  {
    source: 'sagemaker.amazonaws.com',
    names: ['CreateNotebookInstance'],
    paths: ['requestParameters.roleArn'],
  },
  { source: 'codebuild.amazonaws.com', names: ['CreateProject'], paths: ['requestParameters.serviceRole'] },
];

function passedRole(raw: unknown): string | undefined {
  const source = eventSource(raw);
  const name = eventName(raw);
  const spec = PASS_SPECS.find((s) => s.source === source && s.names.includes(name));
  for (const path of spec?.paths ?? []) {
    const v = rsx(raw, path);
    if (v) return v;
  }
  return undefined;
}

const passRole: Detection = {
  id: 'aws.iam.pass_role_to_compute',
  title: 'Role passed to new compute by a person',
  description:
    'A person (or stolen instance credentials) handed an IAM role to compute they control: a new or reconfigured ' +
    'Lambda function, an EC2 instance or instance-profile swap, a CloudFormation stack, a Glue dev endpoint, a ' +
    'SageMaker notebook or a CodeBuild project. Code on that compute acts with the role, so iam:PassRole plus ' +
    'create rights is a way to borrow permissions the caller does not have. Pipelines are not reported; ' +
    'admin-looking roles rate higher.',
  attack: ['T1548.005'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: [...new Set(PASS_SPECS.flatMap((s) => s.names))],
  detect: guarded({}, (raw) => {
    const role = passedRole(raw);
    if (!role || !isInteractiveOrStolen(raw)) return undefined;
    const evidence = { event: eventName(raw), passed_role: role };
    return PRIVILEGED_NAME.test(lastSegment(role)) ? { evidence, ...at('high') } : { evidence };
  }),
  cases: [
    {
      name: 'IAM user creates a function with an admin role',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'CreateFunction20150331',
          identity: who.user('dev1'),
          params: {
            functionName: 'x',
            runtime: 'python3.12',
            role: `arn:aws:iam::${ORG}:role/OrgAdminRole`,
            handler: 'a.h',
          },
        }),
      ],
    },
    {
      name: 'SSO person launches an instance with a profile',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'RunInstances',
          identity: who.sso('Dev', 'sam@example.com'),
          params: {
            instancesSet: { items: [{ imageId: 'ami-0abc', minCount: 1, maxCount: 1 }] },
            iamInstanceProfile: { name: 'data-loader' },
          },
        }),
      ],
    },
    {
      name: 'instance profile swapped on a running instance',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'ReplaceIamInstanceProfileAssociation',
          identity: who.user('dev1'),
          params: {
            ReplaceIamInstanceProfileAssociationRequest: {
              AssociationId: 'iip-assoc-0123',
              IamInstanceProfile: { Arn: `arn:aws:iam::${ORG}:instance-profile/Admin` },
            },
          },
        }),
      ],
    },
    {
      name: 'auto scaling launches an instance with a profile',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'RunInstances',
          identity: {
            ...who.role('AWSServiceRoleForAutoScaling', 'AutoScaling', {
              issuerPath: 'aws-service-role/autoscaling.amazonaws.com/',
            }),
            invokedBy: 'autoscaling.amazonaws.com',
          },
          ip: 'autoscaling.amazonaws.com',
          params: { iamInstanceProfile: { arn: `arn:aws:iam::${ORG}:instance-profile/web` } },
        }),
      ],
    },
    {
      name: 'person launches an instance without a profile',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'RunInstances',
          identity: who.user('dev1'),
          params: { instancesSet: { items: [{ imageId: 'ami-0abc' }] } },
        }),
      ],
    },
    {
      name: 'deployment role creates a function',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'CreateFunction20150331',
          identity: who.role('github-actions-deploy', 'GitHubActions'),
          params: { functionName: 'x', role: `arn:aws:iam::${ORG}:role/fn-exec` },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Principals raising their own permissions
// ---------------------------------------------------------------------------------------------

const USER_SELF = ['AttachUserPolicy', 'PutUserPolicy', 'AddUserToGroup', 'DeleteUserPermissionsBoundary'];
const ROLE_SELF = ['AttachRolePolicy', 'PutRolePolicy', 'DeleteRolePermissionsBoundary'];

const grantsAdmin = (raw: unknown): boolean => {
  const managed = managedPolicyGrant(rsx(raw, 'requestParameters.policyArn'));
  const breadth = policyBreadth(rv(raw, 'requestParameters.policyDocument'));
  return managed === 'admin' || managed === 'iam_admin' || breadth === 'admin' || breadth === 'iam_admin';
};

const selfEscalation: Detection = {
  id: 'aws.iam.self_privilege_escalation',
  title: 'Principal changed its own permissions',
  description:
    'An IAM user attached or put a policy on itself, joined a group, or removed its own permissions boundary; ' +
    'or a role session did the same to its own role. Administrators grant rights to others; a principal raising ' +
    'its own is the signature of a compromised identity using a narrow IAM permission to make itself admin.',
  attack: ['T1098.003'],
  tactic: 'TA0004',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: [...USER_SELF, ...ROLE_SELF],
  detect: guarded({ source: IAM }, (raw) => {
    const actor = actorOf(raw);
    const name = eventName(raw);
    let self = false;
    if (USER_SELF.includes(name) && actor.type === 'IAMUser') {
      self = rsx(raw, 'requestParameters.userName')?.toLowerCase() === actor.userName?.toLowerCase();
    } else if (ROLE_SELF.includes(name) && actor.type === 'AssumedRole') {
      self = rsx(raw, 'requestParameters.roleName')?.toLowerCase() === actor.roleName?.toLowerCase();
    }
    if (!self) return undefined;
    const evidence = { event: name, self: targetOf(raw), grants_admin: grantsAdmin(raw) };
    if (actorClass(raw, actor) === 'automation') return { evidence, ...at('medium') };
    return grantsAdmin(raw) ? { evidence, ...at('critical') } : { evidence };
  }),
  cases: [
    {
      name: 'user attaches AdministratorAccess to itself',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('svc-reports'),
          params: { userName: 'svc-reports', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        }),
      ],
    },
    {
      name: 'user adds itself to a group',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AddUserToGroup',
          identity: who.user('svc-reports'),
          params: { userName: 'svc-reports', groupName: 'Ops' },
        }),
      ],
    },
    {
      name: 'instance role puts an inline policy on its own role',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'PutRolePolicy',
          identity: who.role('web-app-instance', 'i-0a1b2c3d4e5f67890'),
          params: { roleName: 'web-app-instance', policyName: 'x', policyDocument: ADMIN_DOC },
        }),
      ],
    },
    {
      name: 'admin attaches a policy to someone else',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'svc-reports', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        }),
      ],
    },
    {
      name: 'a role session attaches to a different role',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachRolePolicy',
          identity: who.sso('Admin', 'kim@example.com'),
          params: { roleName: 'app-role', policyArn: 'arn:aws:iam::aws:policy/AmazonSQSFullAccess' },
        }),
      ],
    },
  ],
};

const trustGrantsCaller: Detection = {
  id: 'aws.iam.role_trust_grants_caller',
  title: 'Role trust policy changed to let the caller assume it',
  description:
    "A principal rewrote a role's trust policy so that the principal itself (its user, role or session ARN) may " +
    'assume the role. With iam:UpdateAssumeRolePolicy alone, a low-privileged identity can take over any role, ' +
    'including administrative ones, by naming itself in the trust.',
  attack: ['T1098.003', 'T1548.005'],
  tactic: 'TA0004',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['UpdateAssumeRolePolicy'],
  detect: guarded({ source: IAM }, (raw) => {
    const actor = actorOf(raw);
    const own = [actor.arn, actor.issuerArn]
      .filter((a): a is string => a !== undefined)
      .map((a) => a.toLowerCase());
    if (own.length === 0) return undefined;
    const trusted = statementsOf(rv(raw, 'requestParameters.policyDocument'))
      .filter((s) => s.effect.toLowerCase() === 'allow')
      .flatMap((s) => s.aws.map((p) => p.toLowerCase()));
    const match = trusted.find((p) => own.includes(p));
    if (!match) return undefined;
    const role = rsx(raw, 'requestParameters.roleName') ?? '';
    const evidence = { role, trusted_caller: match };
    return PRIVILEGED_NAME.test(role) ? { evidence, ...at('critical') } : { evidence };
  }),
  cases: [
    {
      name: 'IAM user adds itself to an admin role trust',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateAssumeRolePolicy',
          identity: who.user('svc-reports'),
          params: {
            roleName: 'OrgAdmin',
            policyDocument: doc([
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${ORG}:user/svc-reports` },
                Action: 'sts:AssumeRole',
              },
            ]),
          },
        }),
      ],
    },
    {
      name: 'role session adds its own role',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateAssumeRolePolicy',
          identity: who.role('app-role', 'i-0a1b2c3d4e5f67890'),
          params: {
            roleName: 'data-admin',
            policyDocument: doc([
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
              {
                Effect: 'Allow',
                Principal: { AWS: [`arn:aws:iam::${ORG}:role/app-role`] },
                Action: 'sts:AssumeRole',
              },
            ]),
          },
        }),
      ],
    },
    {
      name: 'admin updates a trust for a pipeline role',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateAssumeRolePolicy',
          identity: who.sso('Admin', 'kim@example.com'),
          params: {
            roleName: 'deployer',
            policyDocument: doc([
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${ORG}:role/ci-runner` },
                Action: 'sts:AssumeRole',
              },
            ]),
          },
        }),
      ],
    },
  ],
};

const boundaryRemoved: Detection = {
  id: 'aws.iam.permissions_boundary_removed',
  title: 'Permissions boundary removed',
  description:
    'The permissions boundary was deleted from a user or role. Boundaries cap what a principal can do whatever ' +
    'policies it gets (they are how delegated admins are kept from creating admins); removing one lifts that ' +
    'ceiling in one call.',
  attack: ['T1548', 'T1098.003'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['DeleteUserPermissionsBoundary', 'DeleteRolePermissionsBoundary'],
  detect: guarded({ source: IAM }, (raw) => ({ evidence: { event: eventName(raw), target: targetOf(raw) } })),
  cases: [
    {
      name: 'boundary removed from a role',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'DeleteRolePermissionsBoundary',
          identity: who.user('dev1'),
          params: { roleName: 'team-app' },
        }),
      ],
    },
    {
      name: 'boundary removal refused',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'DeleteRolePermissionsBoundary',
          identity: who.user('dev1'),
          params: { roleName: 'team-app' },
          error: 'AccessDenied',
        }),
      ],
    },
  ],
};

const privilegedGroup: Detection = {
  id: 'aws.iam.user_added_to_privileged_group',
  title: 'User added to an administrator-named IAM group',
  description:
    'A user was added to a group whose name says it is privileged (admin, power user, break-glass, …). Group ' +
    'membership is an easy-to-overlook way to inherit admin policies without touching the user itself. The name ' +
    'is a heuristic: name your privileged groups accordingly.',
  attack: ['T1098.003'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['AddUserToGroup'],
  detect: guarded({ source: IAM }, (raw) => {
    const group = rsx(raw, 'requestParameters.groupName');
    if (!group || !PRIVILEGED_NAME.test(group)) return undefined;
    return { evidence: { group, user: rsx(raw, 'requestParameters.userName') ?? '' } };
  }),
  cases: [
    {
      name: 'user added to Admins',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AddUserToGroup',
          identity: who.user('ops'),
          params: { userName: 'contractor7', groupName: 'Admins' },
        }),
      ],
    },
    {
      name: 'user added to Developers',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AddUserToGroup',
          identity: who.user('ops'),
          params: { userName: 'contractor7', groupName: 'Developers' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Permission changes by hand
// ---------------------------------------------------------------------------------------------

const ATTACH = ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'];
const PUT = ['PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'];
const REMOVE = [
  'DetachUserPolicy',
  'DetachRolePolicy',
  'DetachGroupPolicy',
  'DeleteUserPolicy',
  'DeleteRolePolicy',
  'DeleteGroupPolicy',
  'RemoveUserFromGroup',
];

/** AWS managed policies that take rights away (quarantine, deny-all): `aws.iam.compromised_key_quarantine`. */
const RESTRICTING_MANAGED =
  /^arn:aws[a-z-]*:iam::aws:policy\/(?:AWSCompromisedKeyQuarantine(?:V\d+)?|AWSDenyAll)$/;
/** AWS managed policies that grant reads only (`…ReadOnlyAccess`, `ViewOnlyAccess`, `SecurityAudit`). */
const READ_ONLY_MANAGED =
  /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?(?:[A-Za-z0-9]*ReadOnlyAccess|ViewOnlyAccess|SecurityAudit)$/;
const READ_ACTION = /^[a-z0-9-]+:(?:get|list|describe|head|search|lookup|batchget|view)[a-z0-9*]*$/;

/** The principal acts on itself: `aws.iam.self_privilege_escalation` reports those grants. */
function onItself(raw: unknown): boolean {
  const actor = actorOf(raw);
  const user = rsx(raw, 'requestParameters.userName')?.toLowerCase();
  const role = rsx(raw, 'requestParameters.roleName')?.toLowerCase();
  if (actor.type === 'IAMUser') return user !== undefined && user === actor.userName?.toLowerCase();
  if (actor.type === 'AssumedRole') return role !== undefined && role === actor.roleName?.toLowerCase();
  return false;
}

/**
 * What a hand-made permission change amounts to: `grant` (adds rights, not covered by the admin
 * detections), `read` (adds read-only rights), `removal`, or undefined when another detection owns
 * the event or it only restricts.
 */
function changeKind(raw: unknown): 'grant' | 'read' | 'removal' | undefined {
  const name = eventName(raw);
  if (REMOVE.includes(name)) {
    return RESTRICTING_MANAGED.test(rsx(raw, 'requestParameters.policyArn') ?? '') ? undefined : 'removal';
  }
  if (onItself(raw)) return undefined;
  if (ATTACH.includes(name)) {
    const arn = rsx(raw, 'requestParameters.policyArn');
    if (!arn || managedPolicyGrant(arn) || RESTRICTING_MANAGED.test(arn)) return undefined;
    return READ_ONLY_MANAGED.test(arn) ? 'read' : 'grant';
  }
  if (PUT.includes(name)) {
    const document = rv(raw, 'requestParameters.policyDocument');
    if (policyBreadth(document)) return undefined; // aws.iam.inline_admin_policy
    const statements = statementsOf(document);
    const allows = statements.filter((st) => st.effect.toLowerCase() === 'allow');
    if (statements.length > 0 && allows.length === 0) return undefined; // deny-only: a restriction
    const readOnly =
      allows.length > 0 &&
      allows.every(
        (st) =>
          st.notActions.length === 0 && st.actions.length > 0 && st.actions.every((a) => READ_ACTION.test(a)),
      );
    return readOnly ? 'read' : 'grant';
  }
  if (name === 'AddUserToGroup') {
    const group = rsx(raw, 'requestParameters.groupName');
    return group && PRIVILEGED_NAME.test(group) ? undefined : 'grant'; // aws.iam.user_added_to_privileged_group
  }
  return undefined;
}

const permissionsChangedByHand: Detection = {
  id: 'aws.iam.permissions_changed_by_person',
  title: 'IAM permissions of a user, role or group changed by hand',
  description:
    'A person, root or instance credentials attached or put a policy on a user, role or group, or added a user ' +
    'to a group, outside infrastructure-as-code. Granting an identity more rights is how an attacker widens a ' +
    'foothold or equips a backdoor identity (T1098); for administrators it is routine, hence a notable change: ' +
    'medium severity, low risk. Grants of read-only rights (AWS `…ReadOnlyAccess`, `ViewOnlyAccess`, ' +
    '`SecurityAudit`, inline Get/List/Describe) and removals (detach, delete, leave a group) are low. Not reported ' +
    'here, because dedicated detections rate them higher: administrator-level managed or inline policies, ' +
    'admin-named groups, a principal changing its own rights, and quarantine or deny-all policies. Pipelines, ' +
    'stacks, other workloads and AWS services are excluded.',
  attack: ['T1098', 'T1098.003'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: [...ATTACH, ...PUT, ...REMOVE, 'AddUserToGroup'],
  detect: guarded({ source: IAM }, (raw) => {
    if (!isInteractiveOrStolen(raw)) return undefined;
    const kind = changeKind(raw);
    if (!kind) return undefined;
    const policy = rsx(raw, 'requestParameters.policyArn') ?? rsx(raw, 'requestParameters.policyName') ?? '';
    const evidence: Hit['evidence'] = { event: eventName(raw), target: targetOf(raw), change: kind };
    if (policy) evidence.policy = lastSegment(policy);
    return kind === 'grant' ? { evidence } : { evidence, ...at('low') };
  }),
  cases: [
    {
      name: 'an SSO admin attaches a customer policy to an application role',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AttachRolePolicy',
          identity: who.sso('Admin', 'kim@example.com'),
          params: { roleName: 'billing-app', policyArn: `arn:aws:iam::${ORG}:policy/billing-s3-write` },
        }),
      ],
    },
    {
      name: 'an IAM user puts a scoped write policy on another user',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'PutUserPolicy',
          identity: who.user('ops'),
          params: {
            userName: 'etl-loader',
            policyName: 'sqs',
            policyDocument: doc([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }]),
          },
        }),
      ],
    },
    {
      name: 'a user added to an ordinary group from the console',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AddUserToGroup',
          identity: who.role('IAMOperator', 'lee@example.com'),
          ua: 'console.amazonaws.com',
          params: { userName: 'contractor7', groupName: 'Developers' },
        }),
      ],
    },
    {
      name: 'a read-only managed policy attached (low)',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'auditor', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        }),
      ],
    },
    {
      name: 'AdministratorAccess is left to managed_admin_policy_attached',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachRolePolicy',
          identity: who.user('ops'),
          params: { roleName: 'app', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        }),
      ],
    },
    {
      name: 'a CloudFormation stack attaches a policy',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachRolePolicy',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: { roleName: 'fn-role', policyArn: `arn:aws:iam::${ORG}:policy/fn-access` },
        }),
      ],
    },
    {
      name: 'a Terraform pipeline puts a policy',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'PutRolePolicy',
          identity: who.role('terraform-apply', 'run-8812'),
          params: {
            roleName: 'app',
            policyName: 'x',
            policyDocument: doc([{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }]),
          },
        }),
      ],
    },
    {
      name: 'a deny-all inline policy (containment)',
      fires: false,
      records: [denyAllGuard()],
    },
    {
      name: 'attachment refused',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachRolePolicy',
          identity: who.user('ops'),
          params: { roleName: 'x', policyArn: `arn:aws:iam::${ORG}:policy/p` },
          error: 'NoSuchEntity',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Privileged roles borrowed with long-term keys
// ---------------------------------------------------------------------------------------------

const PRIVILEGED_ASSUME_ID = 'aws.sts.privileged_role_assumed_with_user_key';
const PRIVILEGED_ASSUME_WINDOW = 12 * HOUR;

const privilegedRoleByUserKey: Detection = {
  id: PRIVILEGED_ASSUME_ID,
  title: "Privileged role assumed with an IAM user's credentials",
  description:
    "An IAM user's long-term access key (or a session token minted from it) assumed a role whose name marks " +
    'it as privileged (admin, power user, break-glass, owner, full access). Whoever holds that key, which never ' +
    'expires and leaks through laptops, code and CI logs, can become admin in one call; an intruder with a ' +
    'leaked key lists roles and assumes exactly these. Medium on the timeline with low risk, once per user and ' +
    'role per 12 hours: the session that follows is where the risk is counted. CI/IaC users (which assume ' +
    'deploy roles by design), role sessions and SSO users, and failed calls are left out.',
  attack: ['T1078.004', 'T1548'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['AssumeRole'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSource(raw) !== 'sts.amazonaws.com' || failed(raw)) return undefined;
    const actor = actorOf(raw);
    // An IAM user calls STS with its long-term key (or a session token minted from it): either way
    // whoever holds the user's key reaches the role.
    if (actor.type !== 'IAMUser' || actor.invokedBy) return undefined;
    if (actorClass(raw, actor) !== 'human') return undefined;
    const roleArn = rsx(raw, 'requestParameters.roleArn') ?? '';
    const role = lastSegment(roleArn);
    if (!role || !PRIVILEGED_NAME.test(role)) return undefined;
    const key = `${PRIVILEGED_ASSUME_ID}|${actor.arn ?? actor.userName}|${roleArn}`;
    if (ctx.window.count(key, ev.ocsf.time, PRIVILEGED_ASSUME_WINDOW) > 1) return undefined;
    return {
      entities: [{ type: 'resource', id: roleArn }],
      evidence: { role: roleArn, user: actor.userName ?? '', access_key: actor.accessKeyId ?? '' },
    };
  },
  cases: [
    {
      name: 'a user key assumes FullAdminRole',
      fires: true,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.user('example-user'),
          params: {
            roleArn: `arn:aws:iam::${ORG}:role/FullAdminRole`,
            roleSessionName: 's1',
            durationSeconds: 900,
          },
        }),
      ],
    },
    {
      name: 'a user key assumes a break-glass role under a path',
      fires: true,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.user('olga'),
          params: { roleArn: `arn:aws:iam::${ORG}:role/emergency/BreakGlass`, roleSessionName: 'olga' },
        }),
      ],
    },
    {
      name: 'a user key assumes an ordinary role',
      fires: false,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.user('example-user'),
          params: { roleArn: `arn:aws:iam::${ORG}:role/example-role`, roleSessionName: 's1' },
        }),
      ],
    },
    {
      name: 'a CI user assumes its deploy admin role',
      fires: false,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.user('github-actions'),
          params: { roleArn: `arn:aws:iam::${ORG}:role/DeployAdmin`, roleSessionName: 'gha-4411' },
        }),
      ],
    },
    {
      name: 'an SSO session (temporary credentials) assumes an admin role',
      fires: false,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.sso('Ops', 'dana@example.com'),
          params: { roleArn: `arn:aws:iam::${ORG}:role/OrgAdmin`, roleSessionName: 'dana' },
        }),
      ],
    },
    {
      name: 'the call failed',
      fires: false,
      records: [
        ct({
          source: 'sts',
          name: 'AssumeRole',
          identity: who.user('example-user'),
          error: 'ExpiredToken',
          params: { roleArn: `arn:aws:iam::${ORG}:role/FullAdminRole`, roleSessionName: 's1' },
        }),
      ],
    },
  ],
};

export const AWS_PRIVILEGE_ESCALATION: readonly Detection[] = [
  privilegedRoleByUserKey,
  managedAdminAttached,
  inlineAdmin,
  policyVersion,
  passRole,
  selfEscalation,
  trustGrantsCaller,
  boundaryRemoved,
  privilegedGroup,
  permissionsChangedByHand,
];
