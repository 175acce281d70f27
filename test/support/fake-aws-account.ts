/**
 * A small stateful AWS account behind aws-sdk-client-mock: the port boundary of the response
 * actions. IAM users with keys, inline policies and console passwords, and WAF IP sets — enough
 * for the demo story's playbooks. Every mutating call is counted, so tests can show that a re-run
 * repeats no effect. `failOnce` makes the next call of an operation fail as AWS would.
 */
import {
  DeleteLoginProfileCommand,
  DeleteUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetIPSetCommand, UpdateIPSetCommand } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { testResponseClients } from './response-clients.ts';

export interface FakeUser {
  arn: string;
  tags: Record<string, string>;
  keys: Record<string, 'Active' | 'Inactive'>;
  policies: Record<string, string>;
  loginProfile: boolean;
}

export interface FakeIpSet {
  name: string;
  id: string;
  addresses: string[];
  token: number;
}

const awsError = (name: string, status = 400) =>
  Object.assign(new Error(`${name} (fake account)`), { name, $metadata: { httpStatusCode: status } });

export function fakeAwsAccount(state: { users: Record<string, FakeUser>; ipSets: FakeIpSet[] }) {
  const effects: string[] = [];
  const failures = new Map<string, Error>();
  const clients = testResponseClients();
  const user = (name: string | undefined) => {
    const u = name ? state.users[name] : undefined;
    if (!u) throw awsError('NoSuchEntityException', 404);
    return u;
  };
  /** Runs `effect` unless a failure is armed for `operation`. */
  const mutate = (operation: string, effect: () => void) => {
    const failure = failures.get(operation);
    if (failure) {
      failures.delete(operation);
      throw failure;
    }
    effect();
    effects.push(operation);
    return {};
  };

  const iam = mockClient(clients.iam);
  iam.on(GetAccessKeyLastUsedCommand).callsFake((input) => {
    const owner = Object.entries(state.users).find(([, u]) => input.AccessKeyId in u.keys)?.[0];
    return owner ? { UserName: owner, AccessKeyLastUsed: { Region: 'us-east-1', ServiceName: 'iam' } } : {};
  });
  iam.on(ListAccessKeysCommand).callsFake((input) => ({
    AccessKeyMetadata: Object.entries(user(input.UserName).keys).map(([AccessKeyId, Status]) => ({
      AccessKeyId,
      Status,
      UserName: input.UserName,
    })),
    IsTruncated: false,
  }));
  iam.on(UpdateAccessKeyCommand).callsFake((input) =>
    mutate('UpdateAccessKey', () => {
      const u = user(input.UserName);
      if (!input.AccessKeyId || !(input.AccessKeyId in u.keys)) throw awsError('NoSuchEntityException', 404);
      u.keys[input.AccessKeyId] = input.Status as 'Active' | 'Inactive';
    }),
  );
  iam.on(GetUserCommand).callsFake((input) => {
    const u = user(input.UserName);
    return {
      User: {
        UserName: input.UserName,
        Arn: u.arn,
        Path: '/',
        UserId: 'AIDAFAKE',
        CreateDate: new Date(0),
        Tags: Object.entries(u.tags).map(([Key, Value]) => ({ Key, Value })),
      },
    };
  });
  iam.on(GetRoleCommand).rejects(awsError('NoSuchEntityException', 404));
  iam.on(GetUserPolicyCommand).callsFake((input) => {
    const doc = input.PolicyName ? user(input.UserName).policies[input.PolicyName] : undefined;
    if (!doc) throw awsError('NoSuchEntityException', 404);
    return {
      UserName: input.UserName,
      PolicyName: input.PolicyName,
      PolicyDocument: encodeURIComponent(doc),
    };
  });
  iam.on(PutUserPolicyCommand).callsFake((input) =>
    mutate('PutUserPolicy', () => {
      user(input.UserName).policies[input.PolicyName as string] = input.PolicyDocument as string;
    }),
  );
  iam.on(DeleteUserPolicyCommand).callsFake((input) =>
    mutate('DeleteUserPolicy', () => {
      delete user(input.UserName).policies[input.PolicyName as string];
    }),
  );
  iam.on(GetLoginProfileCommand).callsFake((input) => {
    if (!user(input.UserName).loginProfile) throw awsError('NoSuchEntityException', 404);
    return { LoginProfile: { UserName: input.UserName, CreateDate: new Date(0) } };
  });
  iam.on(DeleteLoginProfileCommand).callsFake((input) =>
    mutate('DeleteLoginProfile', () => {
      const u = user(input.UserName);
      if (!u.loginProfile) throw awsError('NoSuchEntityException', 404);
      u.loginProfile = false;
    }),
  );

  const waf = mockClient(clients.wafv2);
  const ipSet = (id: string | undefined) => {
    const s = state.ipSets.find((x) => x.id === id);
    if (!s) throw awsError('WAFNonexistentItemException');
    return s;
  };
  waf.on(GetIPSetCommand).callsFake((input) => {
    const s = ipSet(input.Id);
    return {
      IPSet: {
        Name: s.name,
        Id: s.id,
        ARN: `arn:aws:wafv2:us-east-1:111122223333:regional/ipset/${s.name}/${s.id}`,
        IPAddressVersion: 'IPV4',
        Addresses: [...s.addresses],
      },
      LockToken: `token-${s.token}`,
    };
  });
  waf.on(UpdateIPSetCommand).callsFake((input) =>
    mutate('UpdateIPSet', () => {
      const s = ipSet(input.Id);
      if (input.LockToken !== `token-${s.token}`) throw awsError('WAFOptimisticLockException');
      s.addresses = [...(input.Addresses ?? [])];
      s.token++;
    }),
  );

  return {
    clients,
    state,
    /** Mutating operations that took effect, in order. */
    effects,
    failOnce(operation: string, error: Error = awsError('ServiceUnavailable', 503)) {
      failures.set(operation, error);
    },
    restore() {
      iam.restore();
      waf.restore();
    },
  };
}
