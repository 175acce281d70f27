/**
 * revoke_role_sessions: what the IAM console's "Revoke active sessions" does. An inline role policy
 * denies everything to sessions whose credentials were issued before a cut-off; sessions assumed
 * later (the workload's own, refreshed) keep working. The cut-off is the plan's time, so every
 * re-run of one plan writes the same document. Not destructive: new sessions are unaffected.
 */
import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  type GetRoleCommandOutput,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ValidationError } from '../../errors.ts';
import type { ActionContext, ResponseAction } from '../action.ts';
import type { ActionTarget, ApiCall } from '../types.ts';
import {
  accountOfArn,
  decodePolicyDocument,
  iamCall,
  missing,
  parsePolicy,
  readIam,
  roleNameOf,
} from './iam-names.ts';

export { roleNameOf };

const SOURCE = 'respond.revoke_role_sessions';

export const REVOKE_POLICY_NAME = 'vigil-revoke-older-sessions';

/** A type alias (not an interface) so it is assignable to the runner's `Record<string, unknown>`. */
export type RevokeState = {
  role_name: string;
  /** The decoded document of the role's inline policy named `vigil-revoke-older-sessions`, or null. */
  policy_document: string | null;
};

/** The cut-off as ISO 8601 UTC (`ctx.planned_at` is epoch ms), or undefined if it is not a time. */
export function cutoffIso(ctx: ActionContext): string | undefined {
  const d = new Date(ctx.planned_at);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The policy document that denies everything to sessions issued before `cutoff`, compact JSON. */
export const revokeDocument = (cutoff: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'VigilRevokeOlderSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
      },
    ],
  });

/** A date-time without a zone is UTC in IAM; `Date.parse` would read it as local time. */
const parseUtc = (v: string): number => Date.parse(/T[\d:.]+$/.test(v) ? `${v}Z` : v);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const coversAll = (v: unknown): boolean => v === '*' || (Array.isArray(v) && v.includes('*'));

/**
 * The latest cut-off a document enforces: the largest `aws:TokenIssueTime` of a statement that
 * denies every action on every resource under that one condition and nothing narrower. Undefined
 * when the document is not JSON or has no such statement (it is then rewritten with ours).
 */
export function cutoffOf(document: string): number | undefined {
  const parsed = parsePolicy(document);
  if (!isRecord(parsed)) return undefined;
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  let latest: number | undefined;
  for (const s of statements) {
    if (!isRecord(s) || s.Effect !== 'Deny' || !coversAll(s.Action) || !coversAll(s.Resource)) continue;
    if ('NotAction' in s || 'NotResource' in s || 'Principal' in s || 'NotPrincipal' in s) continue;
    const condition = s.Condition;
    if (!isRecord(condition) || Object.keys(condition).length !== 1 || !isRecord(condition.DateLessThan))
      continue;
    const keys = Object.entries(condition.DateLessThan);
    if (keys.length !== 1 || keys[0]![0].toLowerCase() !== 'aws:tokenissuetime') continue;
    const value = keys[0]![1];
    // Several values under one key are ORed: the latest one is the one that counts.
    for (const v of Array.isArray(value) ? value : [value]) {
      const t = typeof v === 'string' ? parseUtc(v) : Number.NaN;
      if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
    }
  }
  return latest;
}

/** Whether the role's existing policy already revokes every session issued before the plan. */
function covered(state: RevokeState, ctx: ActionContext): boolean {
  if (state.policy_document === null || cutoffIso(ctx) === undefined) return false;
  const existing = cutoffOf(state.policy_document);
  return existing !== undefined && existing >= ctx.planned_at;
}

const roleOf = (target: ActionTarget): string | undefined =>
  target.type === 'principal' ? roleNameOf(target.id) : undefined;

const putPolicy = (roleName: string, document: string): ApiCall =>
  iamCall(
    'PutRolePolicy',
    { RoleName: roleName, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: document },
    true,
  );

export const revokeRoleSessions: ResponseAction<RevokeState> = {
  id: 'revoke_role_sessions',
  destructive: false,
  commands: {
    'iam:PutRolePolicy': PutRolePolicyCommand,
    'iam:DeleteRolePolicy': DeleteRolePolicyCommand,
  },

  async inspect(target, clients, ctx) {
    const roleName = roleOf(target);
    if (!roleName)
      throw new ValidationError(
        'target is not an assumed-role or role ARN, or names a service-linked role (AWS manages those)',
        SOURCE,
        { type: target.type },
      );
    if (cutoffIso(ctx) === undefined)
      throw new ValidationError('the plan time is not a valid time', SOURCE, { planned_at: ctx.planned_at });
    const arnAccount = accountOfArn(target.id);
    if (target.account && target.account !== arnAccount)
      throw new ValidationError("the target's account differs from its ARN's", SOURCE, {
        account: target.account,
      });
    const context = { roleName };

    const got: GetRoleCommandOutput = await readIam(
      () => clients.iam.send(new GetRoleCommand({ RoleName: roleName })),
      missing(`IAM role ${roleName} does not exist`, SOURCE, context),
      SOURCE,
      context,
    );
    const role = got.Role;
    if (role?.Path?.startsWith('/aws-service-role/'))
      throw new ValidationError(
        `IAM role ${roleName} is service-linked; Vigil never edits those`,
        SOURCE,
        context,
      );
    // Same name is not enough: another account (or path) may have a role called that. An assumed-role
    // ARN has no path, so for it the name and the account must match.
    const sameRole = /^arn:[^:]+:sts:/.test(target.id)
      ? role?.RoleName === roleName && role.Arn !== undefined && accountOfArn(role.Arn) === arnAccount
      : role?.Arn === target.id;
    if (!sameRole)
      throw new ValidationError(`IAM role ${roleName} here is not the role the plan names`, SOURCE, {
        ...context,
        found: role?.Arn ?? 'no ARN',
      });

    const policy = await readIam(
      () =>
        clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKE_POLICY_NAME })),
      () => undefined,
      SOURCE,
      context,
    );
    return {
      role_name: roleName,
      policy_document:
        policy?.PolicyDocument === undefined ? null : decodePolicyDocument(policy.PolicyDocument),
    };
  },

  converge(_target, state, ctx) {
    const cutoff = cutoffIso(ctx);
    // No valid cut-off: inspect has already refused, so nothing is sent.
    if (cutoff === undefined || covered(state, ctx)) return [];
    return [putPolicy(state.role_name, revokeDocument(cutoff))];
  },

  undo(_target, state) {
    return {
      before: { role_name: state.role_name, policy_document: state.policy_document },
      rollback: [
        state.policy_document === null
          ? iamCall('DeleteRolePolicy', { RoleName: state.role_name, PolicyName: REVOKE_POLICY_NAME }, true)
          : putPolicy(state.role_name, state.policy_document),
      ],
      manual: [],
    };
  },

  contained(_target, state, ctx) {
    return covered(state, ctx);
  },

  blind(target, ctx) {
    const roleName = roleOf(target);
    const cutoff = cutoffIso(ctx);
    // A target inspect would refuse gets no calls: a run would make none.
    if (!roleName || cutoff === undefined) return [];
    return [putPolicy(roleName, revokeDocument(cutoff))];
  },
};
