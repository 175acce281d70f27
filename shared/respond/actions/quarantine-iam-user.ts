/**
 * quarantine_iam_user: an inline deny-all policy on the user (an explicit deny beats every allow,
 * so the user's keys and sessions can do nothing), and the console password removed. Destructive:
 * it locks a person out, and the password cannot be given back by an API call.
 */
import {
  DeleteLoginProfileCommand,
  DeleteUserPolicyCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  type GetUserCommandOutput,
  GetUserPolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ValidationError } from '../../errors.ts';
import type { ResponseAction } from '../action.ts';
import type { ActionTarget, ApiCall } from '../types.ts';
import {
  accountOfArn,
  decodePolicyDocument,
  iamCall,
  missing,
  parsePolicy,
  readIam,
  sameJson,
  userNameOf,
} from './iam-names.ts';

const SOURCE = 'respond.quarantine_iam_user';

export const QUARANTINE_POLICY_NAME = 'vigil-quarantine-deny-all';

export const QUARANTINE_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'VigilQuarantineDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
} as const;

/** Sent as compact JSON. */
const QUARANTINE_DOCUMENT = JSON.stringify(QUARANTINE_POLICY);

/** A type alias (not an interface) so it is assignable to the runner's `Record<string, unknown>`. */
export type QuarantineState = {
  user_name: string;
  /** The decoded document of the user's inline policy named `vigil-quarantine-deny-all`, or null. */
  policy_document: string | null;
  /** Whether the user has a console password. */
  login_profile: boolean;
};

/** The user name, when the target is an IAM user ARN. */
const userOf = (target: ActionTarget): string | undefined =>
  target.type === 'principal' ? userNameOf(target.id) : undefined;

const policyInPlace = (state: QuarantineState): boolean =>
  state.policy_document !== null && sameJson(parsePolicy(state.policy_document), QUARANTINE_POLICY);

const putPolicy = (userName: string, document: string): ApiCall =>
  iamCall(
    'PutUserPolicy',
    { UserName: userName, PolicyName: QUARANTINE_POLICY_NAME, PolicyDocument: document },
    true,
  );

const deleteLoginProfile = (userName: string): ApiCall =>
  iamCall('DeleteLoginProfile', { UserName: userName }, true);

export const quarantineIamUser: ResponseAction<QuarantineState> = {
  id: 'quarantine_iam_user',
  destructive: true,
  commands: {
    'iam:PutUserPolicy': PutUserPolicyCommand,
    'iam:DeleteUserPolicy': DeleteUserPolicyCommand,
    'iam:DeleteLoginProfile': DeleteLoginProfileCommand,
  },

  async inspect(target, clients) {
    const userName = userOf(target);
    if (!userName) throw new ValidationError('target is not an IAM user ARN', SOURCE, { type: target.type });
    const arnAccount = accountOfArn(target.id);
    if (target.account && target.account !== arnAccount)
      throw new ValidationError("the target's account differs from its ARN's", SOURCE, {
        account: target.account,
      });
    const context = { userName };

    const got: GetUserCommandOutput = await readIam(
      () => clients.iam.send(new GetUserCommand({ UserName: userName })),
      missing(`IAM user ${userName} does not exist`, SOURCE, context),
      SOURCE,
      context,
    );
    // Same name is not enough: another account (or path) may have a user called that.
    if (got.User?.Arn !== target.id)
      throw new ValidationError(`IAM user ${userName} here is not the user the plan names`, SOURCE, {
        ...context,
        found: got.User?.Arn ?? 'no ARN',
      });

    const policy = await readIam(
      () =>
        clients.iam.send(
          new GetUserPolicyCommand({ UserName: userName, PolicyName: QUARANTINE_POLICY_NAME }),
        ),
      () => undefined,
      SOURCE,
      context,
    );
    const login = await readIam(
      () => clients.iam.send(new GetLoginProfileCommand({ UserName: userName })),
      () => undefined,
      SOURCE,
      context,
    );
    return {
      user_name: userName,
      policy_document:
        policy?.PolicyDocument === undefined ? null : decodePolicyDocument(policy.PolicyDocument),
      login_profile: login?.LoginProfile !== undefined,
    };
  },

  converge(_target, state) {
    // Policy first: it takes effect even if removing the password then fails.
    const calls: ApiCall[] = [];
    if (!policyInPlace(state)) calls.push(putPolicy(state.user_name, QUARANTINE_DOCUMENT));
    if (state.login_profile) calls.push(deleteLoginProfile(state.user_name));
    return calls;
  },

  undo(_target, state) {
    const rollback: ApiCall[] = [];
    if (state.policy_document === null)
      rollback.push(
        iamCall('DeleteUserPolicy', { UserName: state.user_name, PolicyName: QUARANTINE_POLICY_NAME }, true),
      );
    else if (!policyInPlace(state)) rollback.push(putPolicy(state.user_name, state.policy_document));
    const manual = state.login_profile
      ? [
          `The console password of IAM user ${state.user_name} was deleted and no API call can restore it. ` +
            'To give console access back, create a new one (CreateLoginProfile with a new password and ' +
            'PasswordResetRequired set) and hand it to the user through a trusted channel.',
        ]
      : [];
    return {
      before: {
        user_name: state.user_name,
        policy_document: state.policy_document,
        login_profile: state.login_profile,
      },
      rollback,
      manual,
    };
  },

  contained(_target, state) {
    return policyInPlace(state) && !state.login_profile;
  },

  blind(target) {
    const userName = userOf(target);
    // A target inspect would refuse gets no calls: a run would make none.
    if (!userName) return [];
    return [putPolicy(userName, QUARANTINE_DOCUMENT), deleteLoginProfile(userName)];
  },
};
