/**
 * AWS persistence: new ways back in — credentials, identities, trusts, and code that runs later.
 * CloudTrail only.
 */
import type { Detection, DetectionContext, Hit } from '../types.ts';
import {
  type Actor,
  accountOfPrincipal,
  actorClass,
  actorOf,
  actsOnSelf,
  ct,
  eventName,
  FOREIGN,
  guarded,
  HOUR,
  hasIdentityCondition,
  isInteractiveOrStolen,
  isOwnAccount,
  lambdaNames,
  looksLikeAutomation,
  managedPolicyGrant,
  ORG,
  PRIVILEGED_NAME,
  policyBreadth,
  policyText,
  RISK,
  rb,
  recipientAccount,
  rjson,
  rl,
  rs,
  rsx,
  rv,
  statementsOf,
  strings,
  who,
} from './aws-helpers-a.ts';

const IAM = 'iam.amazonaws.com';
const LAMBDA = 'lambda.amazonaws.com';

// ---------------------------------------------------------------------------------------------
// Credentials for someone else
// ---------------------------------------------------------------------------------------------

/**
 * A deployment service (CloudFormation, Service Catalog…) called with the credentials of a person: an IAM
 * user not named like CI, an IAM Identity Center session, an e-mail-named federated session, a federated
 * user or root. A stack run under a service role or by a pipeline identity is not.
 */
function personBehindStack(actor: Actor): boolean {
  switch (actor.type) {
    case 'Root':
    case 'FederatedUser':
    case 'IdentityCenterUser':
      return true;
    case 'IAMUser':
      return !looksLikeAutomation(actor.userName);
    case 'AssumedRole':
      if (looksLikeAutomation(actor.roleName) || looksLikeAutomation(actor.sessionName)) return false;
      return (
        actor.roleName?.startsWith('AWSReservedSSO_') === true ||
        actor.issuerArn?.includes('/aws-reserved/sso.amazonaws.com/') === true ||
        actor.sessionName?.includes('@') === true
      );
    default:
      return false;
  }
}

const keyForOtherUser: Detection = {
  id: 'aws.iam.access_key_created_for_other_user',
  title: 'Access key created for another IAM user',
  description:
    'A principal created an access key for an IAM user other than itself. Users normally create their own keys; ' +
    'minting one for someone else gives the creator a second, quieter identity to come back with (often a ' +
    'service user whose activity nobody watches). A CloudFormation stack run with a person’s own credentials (an ' +
    'IAM user or an SSO/federated session) is the same act by the same person, so it is reported alike; only ' +
    'stacks run by a pipeline or a CloudFormation service role rate low.',
  attack: ['T1098.001'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['CreateAccessKey'],
  detect: guarded({ source: IAM }, (raw) => {
    const target = rsx(raw, 'requestParameters.userName');
    if (actsOnSelf(raw, target)) return undefined;
    const actor = actorOf(raw);
    const evidence: Hit['evidence'] = { target_user: target ?? '', caller: actor.arn ?? actor.type };
    const newKey = rsx(raw, 'responseElements.accessKey.accessKeyId');
    if (newKey) evidence.new_access_key = newKey;
    if (actorClass(raw, actor) === 'automation' && actor.invokedBy) {
      evidence.via = actor.invokedBy;
      return personBehindStack(actor) ? { evidence } : { evidence, severity: 'low', risk: RISK.low };
    }
    return { evidence };
  }),
  cases: [
    {
      name: 'an operator creates a key for a service user',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.user('jack'),
          params: { userName: 'jackson' },
          response: {
            accessKey: { accessKeyId: 'AKIAQX4EXAMPLENEW002', status: 'Active', userName: 'jackson' },
          },
        }),
      ],
    },
    {
      name: 'an SSO admin creates a key for a user',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.sso('Admin', 'kim@example.com'),
          params: { userName: 'backup-bot' },
        }),
      ],
    },
    {
      name: 'an IAM user runs a stack with their own credentials that mints a key for another user',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: { ...who.user('marta'), invokedBy: 'cloudformation.amazonaws.com' },
          ip: 'cloudformation.amazonaws.com',
          ua: 'cloudformation.amazonaws.com',
          params: { userName: 'reporting-svc' },
        }),
      ],
    },
    {
      name: 'a user rotates their own key (no userName)',
      fires: false,
      records: [ct({ source: 'iam', name: 'CreateAccessKey', identity: who.user('jackson'), params: null })],
    },
    {
      name: 'a user names themself explicitly',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.user('jackson'),
          params: { userName: 'jackson' },
        }),
      ],
    },
    {
      name: 'a stack run under a CloudFormation service role mints a key (low)',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.cfn('StackDeployRole'),
          ip: 'cloudformation.amazonaws.com',
          params: { userName: 'reporting-svc' },
        }),
      ],
    },
    {
      name: 'a user runs a stack that creates their own key',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: { ...who.user('marta'), invokedBy: 'cloudformation.amazonaws.com' },
          ip: 'cloudformation.amazonaws.com',
          params: { userName: 'marta' },
        }),
      ],
    },
    {
      name: 'quota exceeded',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.user('jack'),
          params: { userName: 'ops' },
          error: 'LimitExceededException',
        }),
      ],
    },
  ],
};

const loginProfileForOther: Detection = {
  id: 'aws.iam.login_profile_for_other_user',
  title: 'Console password set for another IAM user',
  description:
    'A principal created or changed the console password of another IAM user. It lets the caller sign in as that ' +
    'user, and a user who had no password gains a console door nobody expects. A reset that forces the user to ' +
    'choose a new password at next sign-in is the help-desk pattern and is not reported for updates.',
  attack: ['T1098.001'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['CreateLoginProfile', 'UpdateLoginProfile'],
  detect: guarded({ source: IAM }, (raw) => {
    const target = rsx(raw, 'requestParameters.userName');
    if (actsOnSelf(raw, target)) return undefined;
    const reset = rb(raw, 'requestParameters.passwordResetRequired') === true;
    const evidence = { event: eventName(raw), target_user: target ?? '', reset_required: reset };
    if (!reset) return { evidence };
    return eventName(raw) === 'CreateLoginProfile'
      ? { evidence, severity: 'low', risk: RISK.low }
      : undefined;
  }),
  cases: [
    {
      name: 'password changed for another user without forced reset',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateLoginProfile',
          identity: who.role('IAMAdmin', 'alice'),
          params: { userName: 'bob', passwordResetRequired: false },
          ip: 'AWS Internal',
          extra: { sessionCredentialFromConsole: true },
        }),
      ],
    },
    {
      name: 'console access added for a service user',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateLoginProfile',
          identity: who.user('ops-temp'),
          params: { userName: 'etl-loader', passwordResetRequired: false },
        }),
      ],
    },
    {
      name: 'a person changes their own password through their role session',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateLoginProfile',
          identity: who.role('IAMAdmin', 'alice'),
          params: { userName: 'alice', passwordResetRequired: false },
        }),
      ],
    },
    {
      name: 'help-desk reset forcing a new password',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateLoginProfile',
          identity: who.role('IAMAdmin', 'alice'),
          params: { userName: 'bob', passwordResetRequired: true },
        }),
      ],
    },
  ],
};

const rootKeyCreated: Detection = {
  id: 'aws.iam.root_access_key_created',
  title: 'Access key created for the root user',
  description:
    'The root user created an access key for itself. A root key is an unrestricted, non-expiring credential that no ' +
    'policy can limit; AWS advises never to have one. Creating one is a textbook way to keep total control of an ' +
    'account after a root password compromise.',
  attack: ['T1098.001'],
  tactic: 'TA0003',
  severity: 'critical',
  risk: RISK.critical,
  sources: ['cloudtrail'],
  triggers: ['CreateAccessKey'],
  detect: guarded({ source: IAM }, (raw) => {
    if (rs(raw, 'userIdentity.type') !== 'Root' || rsx(raw, 'requestParameters.userName')) return undefined;
    return { evidence: { new_access_key: rsx(raw, 'responseElements.accessKey.accessKeyId') ?? '' } };
  }),
  cases: [
    {
      name: 'root key created from the console',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.root(ORG, { invokedBy: 'signin.amazonaws.com' }),
          ua: 'signin.amazonaws.com',
          response: { accessKey: { accessKeyId: 'AKIAQX4EXAMPLEROOT02', status: 'Active' } },
        }),
      ],
    },
    {
      name: 'root creates a key for an IAM user',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateAccessKey',
          identity: who.root(),
          params: { userName: 'example-user' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// New identities
// ---------------------------------------------------------------------------------------------

/**
 * How to rate a new IAM identity by who created it: a person (or instance credentials, i.e. possibly a
 * thief) is a notable change; another workload or a CI-named identity is worth a line; a deployment
 * service acting for a stack is declared infrastructure and says nothing.
 */
function creatorWeight(raw: unknown): 'person' | 'other' | undefined {
  const actor = actorOf(raw);
  if (actor.invokedBy && actorClass(raw, actor) === 'automation') return undefined; // declared in a stack
  return isInteractiveOrStolen(raw) || actorClass(raw, actor) === 'unknown' ? 'person' : 'other';
}

const userCreated: Detection = {
  id: 'aws.iam.user_created',
  title: 'IAM user created outside infrastructure-as-code',
  description:
    'A new IAM user was created by hand rather than by a CloudFormation stack. Organisations that use SSO rarely ' +
    'need new IAM users; an attacker creates one to keep access after the original foothold is cleaned up ' +
    '(T1136.003). Created by a person, root or instance credentials it is a notable change (medium severity, low ' +
    'risk: it only weighs with what follows, such as keys, a password or admin rights); created by another ' +
    'workload or a CI-named identity it is low; created through a stack it is not reported.',
  attack: ['T1136.003'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['CreateUser'],
  detect: guarded({ source: IAM }, (raw) => {
    const weight = creatorWeight(raw);
    if (!weight) return undefined;
    const evidence = { new_user: rsx(raw, 'requestParameters.userName') ?? '' };
    return weight === 'person' ? { evidence } : { evidence, severity: 'low', risk: RISK.low };
  }),
  cases: [
    {
      name: 'user created by an SSO admin from the CLI',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.sso('Admin', 'kim@example.com'),
          params: { userName: 'support-tmp' },
        }),
      ],
    },
    {
      name: 'user created in the console through an assumed role',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.role('OpsAdmin', 'ops-admin'),
          ua: 'console.amazonaws.com',
          params: { userName: 'vendor-access' },
        }),
      ],
    },
    {
      name: 'user created by an application role (low)',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.role('account-bootstrap', 'provisioner'),
          params: { userName: 'smtp-sender' },
        }),
      ],
    },
    {
      name: 'user created by a CloudFormation stack',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.cfn(),
          params: { userName: 'app-user', path: '/' },
          ip: 'cloudformation.amazonaws.com',
        }),
      ],
    },
    {
      name: 'Identity Center directory user (not IAM)',
      fires: false,
      records: [
        ct({
          source: 'identitystore',
          name: 'CreateUser',
          identity: who.sso('Admin', 'kim@example.com'),
          params: { userName: 'lee' },
        }),
      ],
    },
    {
      name: 'name already taken',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.sso('Admin', 'kim@example.com'),
          params: { userName: 'x' },
          error: 'EntityAlreadyExists',
        }),
      ],
    },
  ],
};

/** Whether this IAM call hands a user (near) full control, and why. */
function adminGrantToUser(raw: unknown): string | undefined {
  switch (eventName(raw)) {
    case 'AttachUserPolicy':
      return managedPolicyGrant(rsx(raw, 'requestParameters.policyArn'));
    case 'PutUserPolicy': {
      const breadth = policyBreadth(rv(raw, 'requestParameters.policyDocument'));
      return breadth === 'admin' || breadth === 'iam_admin' ? `inline_${breadth}` : undefined;
    }
    case 'AddUserToGroup': {
      const group = rsx(raw, 'requestParameters.groupName');
      return group && PRIVILEGED_NAME.test(group) ? `group:${group}` : undefined;
    }
    default:
      return undefined;
  }
}

const newUserKey = (raw: unknown, user: string) =>
  `iam-new-user:${recipientAccount(raw) ?? ''}:${user.toLowerCase()}`;

const newUserAdmin: Detection = {
  id: 'aws.iam.new_user_granted_admin',
  title: 'Newly created IAM user given administrator rights',
  description:
    'An IAM user created within the last hour was given administrator-level rights (AdministratorAccess, ' +
    'IAMFullAccess or PowerUserAccess, an inline "*" policy, or an admin-named group). Create-then-elevate is the ' +
    'classic backdoor account: a fresh identity with full control that survives the original credential being revoked.',
  attack: ['T1136.003', 'T1098.003'],
  tactic: 'TA0003',
  severity: 'high',
  risk: 60,
  sources: ['cloudtrail'],
  triggers: ['CreateUser', 'AttachUserPolicy', 'PutUserPolicy', 'AddUserToGroup'],
  detect: guarded({ source: IAM }, (raw, ctx: DetectionContext, ev) => {
    const user = rsx(raw, 'requestParameters.userName');
    if (!user) return undefined;
    const key = newUserKey(raw, user);
    if (eventName(raw) === 'CreateUser') {
      ctx.window.distinct(key, 'created', ev.ocsf.time, HOUR);
      return undefined;
    }
    const grant = adminGrantToUser(raw);
    if (!grant) return undefined;
    // Two members ("created" and "granted") only when the user was created within the hour.
    if (ctx.window.distinct(key, 'granted', ev.ocsf.time, HOUR) < 2) return undefined;
    return { evidence: { new_user: user, grant } };
  }),
  cases: [
    {
      name: 'user created then AdministratorAccess attached ten minutes later',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.user('ci-temp'),
          params: { userName: 'svc-backup2' },
          time: '2026-03-02T10:00:00Z',
        }),
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ci-temp'),
          params: { userName: 'svc-backup2', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
          time: '2026-03-02T10:10:00Z',
        }),
      ],
    },
    {
      name: 'user created then an inline *:* policy',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.user('ops'),
          params: { userName: 'helper' },
          time: '2026-03-02T10:00:00Z',
        }),
        ct({
          source: 'iam',
          name: 'PutUserPolicy',
          identity: who.user('ops'),
          params: {
            userName: 'helper',
            policyName: 'p',
            policyDocument: policyText({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: '*:*', Resource: '*' }],
            }),
          },
          time: '2026-03-02T10:03:00Z',
        }),
      ],
    },
    {
      name: 'admin attached to a long-standing user (no recent CreateUser)',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'old-admin', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        }),
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'old-admin', policyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' },
        }),
      ],
    },
    {
      name: 'new user given read-only access',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.user('ops'),
          params: { userName: 'auditor' },
          time: '2026-03-02T10:00:00Z',
        }),
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'auditor', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
          time: '2026-03-02T10:01:00Z',
        }),
      ],
    },
    {
      name: 'admin granted two hours after creation',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateUser',
          identity: who.user('ops'),
          params: { userName: 'late' },
          time: '2026-03-02T08:00:00Z',
        }),
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.user('ops'),
          params: { userName: 'late', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
          time: '2026-03-02T10:00:00Z',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Trust
// ---------------------------------------------------------------------------------------------

interface TrustFindings {
  public: boolean;
  foreign: string[];
  foreignWithoutExternalId: string[];
  openGithubOidc: boolean;
}

/** What a role trust policy lets in from outside the organisation. */
export function trustFindings(doc: unknown, raw: unknown, ctx: DetectionContext): TrustFindings {
  const out: TrustFindings = {
    public: false,
    foreign: [],
    foreignWithoutExternalId: [],
    openGithubOidc: false,
  };
  for (const s of statementsOf(doc)) {
    if (s.effect.toLowerCase() !== 'allow') continue;
    if (s.anyone && !hasIdentityCondition(s)) out.public = true;
    for (const p of s.aws) {
      const account = accountOfPrincipal(p);
      if (!account || isOwnAccount(account, raw, ctx)) continue;
      out.foreign.push(account);
      if (!s.conditionKeys.includes('sts:externalid') && !hasIdentityCondition(s))
        out.foreignWithoutExternalId.push(account);
    }
    // A GitHub OIDC trust without a `sub` condition lets any repository on GitHub assume the role.
    if (
      s.federated.some((f) => f.endsWith('token.actions.githubusercontent.com')) &&
      !s.conditionKeys.some((k) => k.endsWith(':sub'))
    ) {
      out.openGithubOidc = true;
    }
  }
  return out;
}

const trustDoc = (raw: unknown): unknown =>
  eventName(raw) === 'CreateRole'
    ? rv(raw, 'requestParameters.assumeRolePolicyDocument')
    : rv(raw, 'requestParameters.policyDocument');

const trust = (statement: Record<string, unknown>) =>
  policyText({ Version: '2012-10-17', Statement: [statement] });

const roleTrustOpened: Detection = {
  id: 'aws.iam.role_trust_opened',
  title: 'Role trust policy lets in an outside account or anyone',
  description:
    'A role was created, or its trust policy replaced, so that it can be assumed by an AWS account outside the ' +
    'organisation, by any principal ("*" without an org/account condition), or by any GitHub repository (OIDC ' +
    'trust without a `sub` condition). Such a trust is a standing door into the account that survives password ' +
    'and key rotation. Outside accounts guarded by an external id (the vendor pattern) rate lower.',
  attack: ['T1098.003', 'T1199'],
  tactic: 'TA0003',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['CreateRole', 'UpdateAssumeRolePolicy'],
  detect: guarded({ source: IAM }, (raw, ctx) => {
    const f = trustFindings(trustDoc(raw), raw, ctx);
    const role = rsx(raw, 'requestParameters.roleName') ?? '';
    const evidence: Hit['evidence'] = { event: eventName(raw), role };
    if (f.foreign.length > 0) evidence.outside_accounts = [...new Set(f.foreign)].join(',');
    if (f.public)
      return { evidence: { ...evidence, principal: '*' }, severity: 'critical', risk: RISK.critical };
    if (f.openGithubOidc) return { evidence: { ...evidence, github_oidc_unrestricted: true } };
    if (f.foreignWithoutExternalId.length > 0) return { evidence };
    if (f.foreign.length > 0)
      return { evidence: { ...evidence, external_id: true }, severity: 'medium', risk: RISK.medium };
    return undefined;
  }),
  cases: [
    {
      name: 'new role trusting an unknown account',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.user('ops'),
          params: {
            roleName: 'maint',
            assumeRolePolicyDocument: trust({
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
              Action: 'sts:AssumeRole',
            }),
          },
        }),
      ],
    },
    {
      name: 'trust policy replaced with Principal *',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateAssumeRolePolicy',
          identity: who.sso('Admin', 'kim@example.com'),
          params: {
            roleName: 'DataAccess',
            policyDocument: trust({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
          },
        }),
      ],
    },
    {
      name: 'GitHub OIDC trust with only an audience condition',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.user('ops'),
          params: {
            roleName: 'gha-deploy',
            assumeRolePolicyDocument: trust({
              Effect: 'Allow',
              Principal: {
                Federated: `arn:aws:iam::${ORG}:oidc-provider/token.actions.githubusercontent.com`,
              },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
            }),
          },
        }),
      ],
    },
    {
      name: 'role for Lambda (service principal)',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.user('ops'),
          params: {
            roleName: 'fn-exec',
            assumeRolePolicyDocument: trust({
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            }),
          },
        }),
      ],
    },
    {
      name: 'trust to a sibling org account',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateAssumeRolePolicy',
          identity: who.user('ops'),
          params: {
            roleName: 'x-acct',
            policyDocument: trust({
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::123456789012:role/deployer' },
              Action: 'sts:AssumeRole',
            }),
          },
        }),
      ],
    },
    {
      name: '"*" restricted to the organisation',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'UpdateAssumeRolePolicy',
          identity: who.user('ops'),
          params: {
            roleName: 'org-read',
            policyDocument: trust({
              Effect: 'Allow',
              Principal: { AWS: '*' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
            }),
          },
        }),
      ],
    },
  ],
};

/** Who may assume a role, in broad classes, from its trust policy (as CreateRole carries it). */
function trustClasses(doc: unknown): { services: boolean; principals: boolean } {
  let services = false;
  let principals = false;
  for (const st of statementsOf(doc)) {
    if (st.effect.toLowerCase() !== 'allow') continue;
    if (st.service.length > 0) services = true;
    if (st.anyone || st.aws.length > 0 || st.federated.length > 0) principals = true;
  }
  return { services, principals };
}

const roleCreated: Detection = {
  id: 'aws.iam.role_created_by_person',
  title: 'IAM role created by hand that people or accounts can assume',
  description:
    'A person, root or instance credentials created an IAM role outside infrastructure-as-code, and its trust ' +
    'policy lets IAM principals or a federated identity provider assume it (or the record does not carry the ' +
    'trust policy). A fresh role that the creator can assume is a second identity that survives the loss of the ' +
    'first (T1136.003, T1098.003). Roles trusted only by AWS services (execution roles, made by console wizards all ' +
    'day) are low; roles created by stacks, pipelines or other workloads are not reported. Trusts that let in an ' +
    'outside account or anyone are `aws.iam.role_trust_opened`, at higher severity, and are left to it.',
  attack: ['T1136.003', 'T1098.003'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['CreateRole'],
  detect: guarded({ source: IAM }, (raw, ctx) => {
    if (creatorWeight(raw) !== 'person') return undefined;
    const document = rv(raw, 'requestParameters.assumeRolePolicyDocument');
    const outside = trustFindings(document, raw, ctx);
    if (outside.public || outside.foreign.length > 0 || outside.openGithubOidc) return undefined;
    const { services, principals } = trustClasses(document);
    const evidence = { new_role: rsx(raw, 'requestParameters.roleName') ?? '' };
    if (services && !principals) return { evidence, severity: 'low', risk: RISK.low };
    return { evidence: { ...evidence, assumable_by_principals: principals } };
  }),
  cases: [
    {
      name: 'role trusting the account root created in the console',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.sso('Admin', 'kim@example.com'),
          ua: 'console.amazonaws.com',
          params: {
            roleName: 'maintenance',
            assumeRolePolicyDocument: trust({
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ORG}:root` },
              Action: 'sts:AssumeRole',
            }),
          },
        }),
      ],
    },
    {
      name: 'role created with instance credentials, trust not recorded',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.role('web-app-instance', 'i-0a1b2c3d4e5f67890'),
          params: { roleName: 'helper' },
        }),
      ],
    },
    {
      name: 'Lambda execution role made by the console (low)',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.user('dana'),
          params: {
            roleName: 'fn-exec',
            path: '/service-role/',
            assumeRolePolicyDocument: trust({
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            }),
          },
        }),
      ],
    },
    {
      name: 'role created by a CloudFormation stack',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: {
            roleName: 'app',
            assumeRolePolicyDocument: trust({
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ORG}:root` },
              Action: 'sts:AssumeRole',
            }),
          },
        }),
      ],
    },
    {
      name: 'role created by a Terraform pipeline role',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.role('terraform-apply', 'run-8812'),
          params: { roleName: 'app' },
        }),
      ],
    },
    {
      name: 'trust to an outside account is left to role_trust_opened',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.user('dana'),
          params: {
            roleName: 'vendor',
            assumeRolePolicyDocument: trust({
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
              Action: 'sts:AssumeRole',
            }),
          },
        }),
      ],
    },
    {
      name: 'role name already taken',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateRole',
          identity: who.user('dana'),
          params: { roleName: 'fn-exec' },
          error: 'EntityAlreadyExists',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Lambda
// ---------------------------------------------------------------------------------------------

const functionName = (raw: unknown): string => rsx(raw, 'requestParameters.functionName') ?? '';
const layerAccount = (arn: string): string | undefined =>
  /^arn:aws[a-z-]*:lambda:[^:]*:(\d{12}):layer:/.exec(arn)?.[1];

const lambdaCodeUpdated: Detection = {
  id: 'aws.lambda.code_updated_by_unusual_principal',
  title: 'Lambda function code replaced by a person or instance credentials',
  description:
    'The code of a Lambda function was replaced by an IAM user, a federated/SSO person, root, or EC2 instance ' +
    "credentials rather than by a deployment pipeline. A function runs with its role's permissions on every " +
    'trigger, so swapped code is persistence and a way to act as that role; deployments normally come from CI.',
  attack: ['T1525', 'T1648'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: lambdaNames('UpdateFunctionCode', ['20150331', '20150331v2']),
  detect: guarded({ source: LAMBDA }, (raw) => {
    if (!isInteractiveOrStolen(raw)) return undefined;
    return { evidence: { function: functionName(raw), principal_type: rs(raw, 'userIdentity.type') ?? '' } };
  }),
  cases: [
    {
      name: 'IAM user pushes new code from a laptop',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionCode20150331v2',
          identity: who.user('john.dev'),
          params: { functionName: 'payments-api' },
        }),
      ],
    },
    {
      name: 'SSO session pushes new code',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionCode20150331v2',
          identity: who.sso('DevAdmin', 'bob.ross'),
          params: { functionName: 'payments-api' },
        }),
      ],
    },
    {
      name: 'GitHub Actions deploy role',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionCode20150331v2',
          identity: who.role('github-actions-deploy', 'GitHubActions'),
          params: { functionName: 'payments-api' },
        }),
      ],
    },
    {
      name: 'application role (not a person, not an instance)',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionCode20150331v2',
          identity: who.role('release-manager-fn', 'rm'),
          params: { functionName: 'x' },
        }),
      ],
    },
  ],
};

/** Layer ARNs set by the call (request), or, when a record lacks them, those the response reports. */
function layersOf(raw: unknown): string[] {
  const requested = strings(rl(raw, 'requestParameters.layers'));
  if (requested.length > 0) return requested;
  return rl(raw, 'responseElements.layers').flatMap((l) => {
    const arn = rs(l, 'arn');
    return arn ? [arn] : [];
  });
}

const lambdaLayerAttached: Detection = {
  id: 'aws.lambda.layer_attached',
  title: 'Lambda layer attached by a person, or from an outside account',
  description:
    "A function's configuration was set with layers by a person or instance credentials, or a function was given " +
    'a layer published in an account outside the organisation. A layer is code that runs inside the function, ' +
    'so it is a quiet way to implant a backdoor without touching the function code that reviewers watch.',
  attack: ['T1525', 'T1648'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: [
    ...lambdaNames('UpdateFunctionConfiguration', ['20150331', '20150331v2']),
    ...lambdaNames('CreateFunction', ['20150331']),
  ],
  detect: guarded({ source: LAMBDA }, (raw, ctx) => {
    const layers = layersOf(raw);
    if (layers.length === 0) return undefined;
    const outside = layers.filter((l) => {
      const a = layerAccount(l);
      return a !== undefined && !isOwnAccount(a, raw, ctx);
    });
    const person = isInteractiveOrStolen(raw);
    const evidence = {
      function: functionName(raw),
      layers: layers.join(','),
      outside_layers: outside.length,
    };
    if (person && outside.length > 0) return { evidence, severity: 'high', risk: RISK.high };
    if (person && !eventName(raw).startsWith('CreateFunction')) return { evidence };
    if (outside.length > 0) return { evidence, severity: 'low', risk: RISK.low };
    return undefined;
  }),
  cases: [
    {
      name: 'IAM user adds a layer',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionConfiguration20150331v2',
          identity: who.user('john.dev'),
          params: { functionName: 'payments-api', layers: [`arn:aws:lambda:eu-west-1:${ORG}:layer:utils:7`] },
        }),
      ],
    },
    {
      name: 'pipeline adds a layer from an outside account',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionConfiguration20150331v2',
          identity: who.role('cdk-hnb659fds-cfn-exec-role', 'AWSCloudFormation'),
          params: {
            functionName: 'payments-api',
            layers: [`arn:aws:lambda:eu-west-1:${FOREIGN}:layer:ext:3`],
          },
        }),
      ],
    },
    {
      name: 'pipeline sets an in-org layer',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionConfiguration20150331v2',
          identity: who.role('cdk-hnb659fds-cfn-exec-role', 'AWSCloudFormation'),
          params: { functionName: 'payments-api', layers: [`arn:aws:lambda:eu-west-1:${ORG}:layer:utils:8`] },
        }),
      ],
    },
    {
      name: 'person changes the timeout only',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'UpdateFunctionConfiguration20150331v2',
          identity: who.user('john.dev'),
          params: { functionName: 'payments-api', timeout: 30 },
        }),
      ],
    },
  ],
};

/** Conditions AddPermission accepts that tie a `*` grant to a source. */
const lambdaGrantScoped = (raw: unknown): boolean =>
  ['sourceAccount', 'sourceArn', 'principalOrgID'].some(
    (k) => rsx(raw, `requestParameters.${k}`) !== undefined,
  );

/** What an AddPermission grant opens beyond the organisation: everyone, an outside account, or neither. */
function lambdaGrantExposure(raw: unknown, ctx: DetectionContext): 'public' | 'foreign' | undefined {
  const principal = rsx(raw, 'requestParameters.principal');
  if (!principal) return undefined;
  if (principal === '*') return lambdaGrantScoped(raw) ? undefined : 'public';
  const account = accountOfPrincipal(principal);
  return account && !isOwnAccount(account, raw, ctx) ? 'foreign' : undefined;
}

const lambdaMadePublic: Detection = {
  id: 'aws.lambda.function_made_public',
  title: 'Lambda function made invocable by anyone or an outside account',
  description:
    'A Lambda function\'s resource policy was opened to everyone ("*" with no source condition), to an account ' +
    'outside the organisation, or a function URL was created without authentication. The function can then be ' +
    'triggered from outside, which turns it into a remotely callable backdoor running with its role.',
  attack: ['T1648', 'T1098'],
  tactic: 'TA0003',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: [
    ...lambdaNames('AddPermission', ['20150331', '20150331v2']),
    ...lambdaNames('CreateFunctionUrlConfig', ['20211031']),
    ...lambdaNames('UpdateFunctionUrlConfig', ['20211031']),
  ],
  detect: guarded({ source: LAMBDA }, (raw, ctx): Hit | undefined => {
    const fn = functionName(raw);
    if (eventName(raw).includes('FunctionUrlConfig')) {
      return rs(raw, 'requestParameters.authType') === 'NONE'
        ? { evidence: { function: fn, url_auth: 'NONE' }, severity: 'medium', risk: RISK.medium }
        : undefined;
    }
    const exposure = lambdaGrantExposure(raw, ctx);
    const principal = rsx(raw, 'requestParameters.principal') ?? '';
    if (exposure === 'public') {
      return {
        evidence: {
          function: fn,
          principal,
          url_auth: rs(raw, 'requestParameters.functionUrlAuthType') ?? '',
        },
      };
    }
    if (exposure === 'foreign') {
      return { evidence: { function: fn, principal }, severity: 'medium', risk: RISK.medium };
    }
    return undefined;
  }),
  cases: [
    {
      name: 'invoke granted to *',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.user('john.dev'),
          params: {
            functionName: 'payments-api',
            statementId: 's1',
            action: 'lambda:InvokeFunction',
            principal: '*',
          },
        }),
      ],
    },
    {
      name: 'invoke granted to an outside account',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.user('john.dev'),
          params: {
            functionName: 'payments-api',
            statementId: 's2',
            action: 'lambda:InvokeFunction',
            principal: FOREIGN,
          },
        }),
      ],
    },
    {
      name: 'unauthenticated function URL',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'CreateFunctionUrlConfig',
          identity: who.user('john.dev'),
          params: { functionName: 'payments-api', authType: 'NONE' },
        }),
      ],
    },
    {
      name: 'S3 bucket notification permission (service principal with source account)',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.cfn(),
          params: {
            functionName: 'thumbs',
            statementId: 's3',
            action: 'lambda:InvokeFunction',
            principal: 's3.amazonaws.com',
            sourceAccount: ORG,
            sourceArn: 'arn:aws:s3:::uploads-bucket',
          },
        }),
      ],
    },
    {
      name: 'IAM-authenticated function URL',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'CreateFunctionUrlConfig',
          identity: who.user('john.dev'),
          params: { functionName: 'payments-api', authType: 'AWS_IAM' },
        }),
      ],
    },
  ],
};

/** An AWS service principal (`s3.amazonaws.com`) tied by the call to one of our accounts or resources. */
function scopedServiceGrant(raw: unknown, ctx: DetectionContext): boolean {
  const principal = rsx(raw, 'requestParameters.principal') ?? '';
  if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(principal)) return false;
  const account = rsx(raw, 'requestParameters.sourceAccount');
  const sourceArn = rsx(raw, 'requestParameters.sourceArn');
  if (account) return isOwnAccount(account, raw, ctx);
  if (!sourceArn) return false;
  // A bucket ARN names no account (any account's bucket could match): only a source account scopes it.
  const arnAccount = sourceArn.split(':')[4] ?? '';
  return arnAccount !== '' && isOwnAccount(arnAccount, raw, ctx);
}

const lambdaGrantByPerson: Detection = {
  id: 'aws.lambda.invoke_permission_granted_by_person',
  title: 'Lambda resource policy grant added by hand',
  description:
    "A person, root or instance credentials added a statement to a Lambda function's resource policy outside a " +
    'deployment pipeline, letting an IAM principal, another role, or an unscoped service call the function. A ' +
    'grant is how a backdoor function is wired to its trigger or made callable by a second identity the attacker ' +
    'holds (T1546, T1098); made by hand it is a notable change (medium severity, low risk). Excluded: grants to ' +
    'an AWS service scoped to one of our accounts or resources (trigger wiring, reported low by ' +
    '`aws.lambda.function_changed_by_person`), and grants to everyone or an outside account, which ' +
    '`aws.lambda.function_made_public` reports at higher severity.',
  attack: ['T1546', 'T1098'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: lambdaNames('AddPermission', ['20150331', '20150331v2']),
  detect: guarded({ source: LAMBDA }, (raw, ctx) => {
    if (!isInteractiveOrStolen(raw)) return undefined;
    if (lambdaGrantExposure(raw, ctx) !== undefined || scopedServiceGrant(raw, ctx)) return undefined;
    return {
      evidence: {
        function: functionName(raw),
        principal: rsx(raw, 'requestParameters.principal') ?? '',
        action: rsx(raw, 'requestParameters.action') ?? '',
      },
    };
  }),
  cases: [
    {
      name: 'an IAM user lets a role in the account invoke a function',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.user('john.dev'),
          params: {
            functionName: 'payments-api',
            statementId: 'ops',
            action: 'lambda:InvokeFunction',
            principal: `arn:aws:iam::${ORG}:role/ops-runner`,
          },
        }),
      ],
    },
    {
      name: 'an SSO session adds an unscoped service grant',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331',
          identity: who.sso('Dev', 'kim@example.com'),
          params: {
            functionName: 'sync',
            action: 'lambda:InvokeFunction',
            principal: 'events.amazonaws.com',
          },
        }),
      ],
    },
    {
      name: 'console wires an S3 trigger (service scoped to our bucket)',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.sso('Dev', 'kim@example.com'),
          ua: 'console.amazonaws.com',
          params: {
            functionName: 'thumbs',
            action: 'lambda:InvokeFunction',
            principal: 's3.amazonaws.com',
            sourceArn: 'arn:aws:s3:::uploads-bucket',
            sourceAccount: ORG,
          },
        }),
      ],
    },
    {
      name: 'deployment pipeline adds a permission',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.role('github-actions-deploy', 'GitHubActions'),
          params: {
            functionName: 'payments-api',
            action: 'lambda:InvokeFunction',
            principal: `arn:aws:iam::${ORG}:role/ops-runner`,
          },
        }),
      ],
    },
    {
      name: 'grant to everyone is left to function_made_public',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.user('john.dev'),
          params: { functionName: 'payments-api', action: 'lambda:InvokeFunction', principal: '*' },
        }),
      ],
    },
    {
      name: 'statement id already exists',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.user('john.dev'),
          params: {
            functionName: 'payments-api',
            action: 'lambda:InvokeFunction',
            principal: `arn:aws:iam::${ORG}:role/ops-runner`,
          },
          error: 'ResourceConflictException',
        }),
      ],
    },
  ],
};

const layerShared: Detection = {
  id: 'aws.lambda.layer_version_shared',
  title: 'Lambda layer version shared publicly or with an outside account',
  description:
    'A layer version was made usable by every AWS account, or by an account outside the organisation. Shared ' +
    'layers leak internal code and can be used to plant the same implant across accounts; sharing within an ' +
    'organisation id is not reported.',
  attack: ['T1525'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: lambdaNames('AddLayerVersionPermission', ['20181031']),
  detect: guarded({ source: LAMBDA }, (raw, ctx) => {
    const principal = rsx(raw, 'requestParameters.principal');
    const layer = rsx(raw, 'requestParameters.layerName') ?? '';
    if (principal === '*') {
      return rsx(raw, 'requestParameters.organizationId') ? undefined : { evidence: { layer, principal } };
    }
    const account = principal ? accountOfPrincipal(principal) : undefined;
    return account && !isOwnAccount(account, raw, ctx)
      ? { evidence: { layer, principal: account }, severity: 'low', risk: RISK.low }
      : undefined;
  }),
  cases: [
    {
      name: 'layer made public',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'AddLayerVersionPermission20181031',
          identity: who.user('john.dev'),
          params: {
            layerName: 'utils',
            versionNumber: 7,
            statementId: 'pub',
            action: 'lambda:GetLayerVersion',
            principal: '*',
          },
        }),
      ],
    },
    {
      name: 'layer shared within the organisation id',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'AddLayerVersionPermission20181031',
          identity: who.user('john.dev'),
          params: {
            layerName: 'utils',
            versionNumber: 7,
            statementId: 'org',
            action: 'lambda:GetLayerVersion',
            principal: '*',
            organizationId: 'o-a1b2c3d4e5',
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Other ways back in
// ---------------------------------------------------------------------------------------------

const rolesAnywhere: Detection = {
  id: 'aws.rolesanywhere.trust_anchor_created',
  title: 'IAM Roles Anywhere trust anchor or profile created or changed',
  description:
    'A Roles Anywhere trust anchor (a certificate authority AWS will trust) or profile (the roles it hands out) ' +
    'was created or changed. Anyone holding a certificate from that CA can then obtain role credentials from ' +
    'anywhere, with no IAM user or key to revoke: a durable backdoor if the CA is the attacker’s.',
  attack: ['T1098.001', 'T1484.002'],
  tactic: 'TA0003',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['CreateTrustAnchor', 'UpdateTrustAnchor', 'EnableTrustAnchor', 'CreateProfile', 'UpdateProfile'],
  detect: guarded({ source: 'rolesanywhere.amazonaws.com' }, (raw) => {
    const name = eventName(raw);
    const evidence: Hit['evidence'] = { event: name, name: rsx(raw, 'requestParameters.name') ?? '' };
    const sourceType = rsx(raw, 'requestParameters.source.sourceType');
    if (sourceType) evidence.ca_type = sourceType;
    return name.endsWith('Profile') ? { evidence, severity: 'medium', risk: RISK.medium } : { evidence };
  }),
  cases: [
    {
      name: 'trust anchor for an external CA bundle',
      fires: true,
      records: [
        ct({
          source: 'rolesanywhere',
          name: 'CreateTrustAnchor',
          identity: who.sso('Admin', 'kim@example.com'),
          params: {
            name: 'partner-ca',
            enabled: true,
            source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: 'MIIB…' } },
          },
        }),
      ],
    },
    {
      name: 'listing trust anchors',
      fires: false,
      records: [
        ct({
          source: 'rolesanywhere',
          name: 'ListTrustAnchors',
          identity: who.sso('Admin', 'kim@example.com'),
        }),
      ],
    },
    {
      name: 'CreateProfile on another service is unrelated',
      fires: false,
      records: [
        ct({
          source: 'codeguru-profiler',
          name: 'CreateProfile',
          identity: who.user('john.dev'),
          params: { name: 'p' },
        }),
      ],
    },
  ],
};

const userDataModified: Detection = {
  id: 'aws.ec2.user_data_modified',
  title: 'EC2 instance user data changed',
  description:
    'The user data of an existing instance was replaced. User data runs as root at boot, so rewriting it (the ' +
    'instance must be stopped first) runs the caller’s script with the instance role the next time it starts: ' +
    'code execution, persistence and a path to the instance role’s permissions.',
  attack: ['T1037', 'T1059'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['ModifyInstanceAttribute'],
  detect: guarded({ source: 'ec2.amazonaws.com' }, (raw) => {
    const changed =
      rv(raw, 'requestParameters.userData') !== undefined ||
      rs(raw, 'requestParameters.attribute') === 'userData';
    if (!changed) return undefined;
    return { evidence: { instance: rsx(raw, 'requestParameters.instanceId') ?? '' } };
  }),
  cases: [
    {
      name: 'user data replaced',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'ModifyInstanceAttribute',
          identity: who.user('john.dev'),
          params: { instanceId: 'i-0123456789abcdef0', userData: '<sensitiveDataRemoved>' },
          response: { _return: true },
        }),
      ],
    },
    {
      name: 'instance type changed',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'ModifyInstanceAttribute',
          identity: who.user('john.dev'),
          params: { instanceId: 'i-0123456789abcdef0', instanceType: { value: 't3.large' } },
        }),
      ],
    },
    {
      name: 'lower-case export of an instance type change',
      fires: false,
      records: [
        {
          eventversion: '1.08',
          eventtime: '2026-03-02T10:15:42Z',
          eventsource: 'ec2.amazonaws.com',
          eventname: 'ModifyInstanceAttribute',
          awsregion: 'eu-west-1',
          eventid: 'f1e2d3c4-0000-4000-8000-000000000001',
          eventtype: 'AwsApiCall',
          recipientaccountid: ORG,
          requestparameters: { instanceId: 'i-0123456789abcdef0', instanceType: { value: 't3.nano' } },
        },
      ],
    },
  ],
};

const keyPairImported: Detection = {
  id: 'aws.ec2.key_pair_imported',
  title: 'SSH key pair imported into EC2',
  description:
    'A public SSH key was imported into EC2. Instances launched with it accept logins from whoever holds the ' +
    'private key, which an attacker keeps; a quiet way to secure SSH access to future instances.',
  attack: ['T1098.004'],
  tactic: 'TA0003',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['ImportKeyPair'],
  detect: guarded({ source: 'ec2.amazonaws.com' }, (raw) => ({
    evidence: { key_name: rsx(raw, 'requestParameters.keyName') ?? '' },
  })),
  cases: [
    {
      name: 'key imported from the CLI',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'ImportKeyPair',
          identity: who.user('john.dev'),
          params: { keyName: 'ops-laptop' },
        }),
      ],
    },
    {
      name: 'duplicate key name refused',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'ImportKeyPair',
          identity: who.user('john.dev'),
          params: { keyName: 'x' },
          error: 'InvalidKeyPair.Duplicate',
        }),
      ],
    },
  ],
};

const IDP_EVENTS = [
  'CreateSAMLProvider',
  'DeleteSAMLProvider',
  'UpdateSAMLProvider',
  'CreateOpenIDConnectProvider',
  'UpdateOpenIDConnectProviderThumbprint',
  'AddClientIDToOpenIDConnectProvider',
  'DeleteOpenIDConnectProvider',
  'RemoveClientIDFromOpenIDConnectProvider',
];
/** Removing a provider, or an audience from one: cuts federated sign-in rather than opening it. */
const IDP_REMOVALS = new Set([
  'DeleteSAMLProvider',
  'DeleteOpenIDConnectProvider',
  'RemoveClientIDFromOpenIDConnectProvider',
]);

const identityProviderChanged: Detection = {
  id: 'aws.iam.identity_provider_changed',
  title: 'IAM SAML or OIDC identity provider created, changed or removed',
  description:
    'An IAM SAML provider or OpenID Connect provider was created or its trust material changed. Whoever controls ' +
    'that identity provider can mint sign-ins to every role that trusts it, without any IAM credential: the cloud ' +
    'version of a forged federation trust ("golden SAML"). Deleting a provider or removing an audience from one ' +
    'is a notable change (medium severity, low risk): it locks people out of federated access or clears up after ' +
    'a rogue provider was used, and it is how a hybrid identity set-up is swapped for another. Changes made by IAM ' +
    'Identity Center itself are excluded.',
  attack: ['T1484.002', 'T1556.007'],
  tactic: 'TA0004',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: IDP_EVENTS,
  detect: guarded({ source: IAM }, (raw) => {
    const name = eventName(raw);
    const provider =
      rsx(raw, 'requestParameters.name') ??
      rsx(raw, 'requestParameters.sAMLProviderArn') ??
      rsx(raw, 'requestParameters.url') ??
      rsx(raw, 'requestParameters.openIDConnectProviderArn') ??
      '';
    const evidence = { event: name, provider };
    // Removing a provider cuts federated access (or clears up after a rogue one was used): on the timeline, little risk.
    if (IDP_REMOVALS.has(name)) return { evidence, severity: 'medium', risk: RISK.low };
    return name.includes('SAML') ? { evidence } : { evidence, severity: 'medium', risk: RISK.medium };
  }),
  cases: [
    {
      name: 'new SAML provider',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateSAMLProvider',
          identity: who.user('ops'),
          params: { name: 'corp-idp', sAMLMetadataDocument: '<EntityDescriptor/>' },
          response: { sAMLProviderArn: `arn:aws:iam::${ORG}:saml-provider/corp-idp` },
        }),
      ],
    },
    {
      name: 'new OIDC provider',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'CreateOpenIDConnectProvider',
          identity: who.user('ops'),
          params: { url: 'https://idp.example.net', clientIDList: ['sts.amazonaws.com'] },
        }),
      ],
    },
    {
      name: 'SAML provider deleted',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'DeleteSAMLProvider',
          identity: who.user('ops'),
          params: { sAMLProviderArn: `arn:aws:iam::${ORG}:saml-provider/corp-idp` },
        }),
      ],
    },
    {
      name: 'OIDC provider deleted by a person',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'DeleteOpenIDConnectProvider',
          identity: who.sso('Admin', 'kim@example.com'),
          params: {
            openIDConnectProviderArn: `arn:aws:iam::${ORG}:oidc-provider/token.actions.githubusercontent.com`,
          },
        }),
      ],
    },
    {
      name: 'deleting a provider that does not exist',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'DeleteSAMLProvider',
          identity: who.user('ops'),
          params: { sAMLProviderArn: `arn:aws:iam::${ORG}:saml-provider/old-idp` },
          error: 'NoSuchEntity',
        }),
      ],
    },
    {
      name: 'IAM Identity Center maintains its own SAML provider',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'CreateSAMLProvider',
          identity: {
            ...who.role('AWSServiceRoleForSSO', 'AWS-SSO', {
              issuerPath: 'aws-service-role/sso.amazonaws.com/',
            }),
            invokedBy: 'sso.amazonaws.com',
          },
          ip: 'sso.amazonaws.com',
          params: { name: 'AWSSSO_0123abcd_DO_NOT_DELETE', sAMLMetadataDocument: '<EntityDescriptor/>' },
        }),
      ],
    },
  ],
};

const ssoIdentitySource: Detection = {
  id: 'aws.sso.identity_source_changed',
  title: 'IAM Identity Center identity source changed',
  description:
    'The directory or external identity provider behind IAM Identity Center was connected, disconnected or ' +
    're-pointed. Every person’s access to every account flows through it, so switching it to a provider the ' +
    'attacker controls hands them sign-in as anyone.',
  attack: ['T1484.002'],
  tactic: 'TA0004',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: [
    'AssociateDirectory',
    'DisassociateDirectory',
    'EnableExternalIdPConfigurationForDirectory',
    'DisableExternalIdPConfigurationForDirectory',
    'UpdateExternalIdPConfigurationForDirectory',
    'CreateTrustedTokenIssuer',
  ],
  detect: guarded({ source: ['sso-directory.amazonaws.com', 'sso.amazonaws.com'] }, (raw) => ({
    evidence: { event: eventName(raw) },
  })),
  cases: [
    {
      name: 'external IdP enabled',
      fires: true,
      records: [
        ct({
          source: 'sso-directory',
          name: 'EnableExternalIdPConfigurationForDirectory',
          identity: who.sso('Admin', 'kim@example.com'),
          params: {},
        }),
      ],
    },
    {
      name: 'refused',
      fires: false,
      records: [
        ct({
          source: 'sso-directory',
          name: 'EnableExternalIdPConfigurationForDirectory',
          identity: who.sso('Admin', 'kim@example.com'),
          error: 'AccessDeniedException',
        }),
      ],
    },
  ],
};

/** An EventBridge pattern that watches IAM identity creation (or every IAM call). */
function watchesIamCreation(pattern: unknown): boolean {
  if (pattern === undefined) return false;
  const text = JSON.stringify(pattern);
  if (!/"aws\.iam"|iam\.amazonaws\.com/.test(text)) return false;
  return /Create(User|Role|AccessKey|LoginProfile)/.test(text) || !/"eventName"/.test(text);
}

const iamTriggerRule: Detection = {
  id: 'aws.events.iam_trigger_rule_created',
  title: 'EventBridge rule created on IAM identity creation by a person',
  description:
    'A person (or instance credentials) created an EventBridge rule that fires whenever IAM users, roles or keys ' +
    'are created. Paired with a Lambda target, this is a self-renewing backdoor: every new identity gets an ' +
    'attacker key or trust added automatically, so cleaning up one identity does not remove the access.',
  attack: ['T1546'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['PutRule'],
  detect: guarded({ source: 'events.amazonaws.com' }, (raw) => {
    if (!watchesIamCreation(rjson(raw, 'requestParameters.eventPattern')) || !isInteractiveOrStolen(raw))
      return undefined;
    return {
      evidence: {
        rule: rsx(raw, 'requestParameters.name') ?? '',
        bus: rsx(raw, 'requestParameters.eventBusName') ?? 'default',
      },
    };
  }),
  cases: [
    {
      name: 'rule on CreateRole calls made from a laptop',
      fires: true,
      records: [
        ct({
          source: 'events',
          name: 'PutRule',
          identity: who.user('dev1'),
          params: {
            name: 'sync-roles',
            eventPattern: JSON.stringify({
              source: ['aws.iam'],
              'detail-type': ['AWS API Call via CloudTrail'],
              detail: { eventSource: ['iam.amazonaws.com'], eventName: ['CreateRole'] },
            }),
            state: 'ENABLED',
          },
        }),
      ],
    },
    {
      name: 'schedule rule',
      fires: false,
      records: [
        ct({
          source: 'events',
          name: 'PutRule',
          identity: who.user('dev1'),
          params: { name: 'nightly', scheduleExpression: 'cron(0 3 * * ? *)' },
        }),
      ],
    },
    {
      name: 'rule on EC2 state changes',
      fires: false,
      records: [
        ct({
          source: 'events',
          name: 'PutRule',
          identity: who.user('dev1'),
          params: {
            name: 'ec2-state',
            eventPattern: JSON.stringify({
              source: ['aws.ec2'],
              'detail-type': ['EC2 Instance State-change Notification'],
            }),
          },
        }),
      ],
    },
  ],
};

export const AWS_PERSISTENCE: readonly Detection[] = [
  keyForOtherUser,
  loginProfileForOther,
  rootKeyCreated,
  userCreated,
  roleCreated,
  newUserAdmin,
  roleTrustOpened,
  lambdaCodeUpdated,
  lambdaLayerAttached,
  lambdaMadePublic,
  lambdaGrantByPerson,
  layerShared,
  rolesAnywhere,
  userDataModified,
  keyPairImported,
  identityProviderChanged,
  ssoIdentitySource,
  iamTriggerRule,
];
