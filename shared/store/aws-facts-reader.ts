/**
 * Reads a target's tags and owning identity from the account, read-only. A failure leaves the
 * target uninspected (with the error's name), never throws: the guard then refuses to change it.
 */
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetAccessKeyLastUsedCommand, GetRoleCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { GetBucketTaggingCommand } from '@aws-sdk/client-s3';
import type { ResponseClients } from '../respond/action.ts';
import type { FactsReader } from '../respond/facts.ts';
import { identityOf, type TargetFacts } from '../respond/protected.ts';
import type { ActionTarget } from '../respond/types.ts';

const tagMap = (tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) =>
  Object.fromEntries((tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));

const errorName = (e: unknown) => (e instanceof Error ? e.name : 'unknown error');

async function factsOf(target: ActionTarget, clients: ResponseClients): Promise<TargetFacts> {
  if (target.type === 'ip') return { inspected: true, tags: {} };
  if (target.type === 'access_key') {
    const used = await clients.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: target.id }));
    if (!used.UserName)
      return { inspected: false, tags: {}, error: 'the key has no IAM user (root or unknown)' };
    const user = await clients.iam.send(new GetUserCommand({ UserName: used.UserName }));
    return {
      inspected: true,
      tags: tagMap(user.User?.Tags),
      ...(user.User?.Arn ? { owner_arn: user.User.Arn } : {}),
    };
  }
  if (target.type === 'principal') {
    const id = identityOf(target.id);
    if (!id || id.kind === 'root') return { inspected: false, tags: {}, error: 'not a user or role' };
    if (id.kind === 'user') {
      const user = await clients.iam.send(new GetUserCommand({ UserName: id.name }));
      return {
        inspected: true,
        tags: tagMap(user.User?.Tags),
        ...(user.User?.Arn ? { owner_arn: user.User.Arn } : {}),
      };
    }
    const role = await clients.iam.send(new GetRoleCommand({ RoleName: id.name }));
    return {
      inspected: true,
      tags: tagMap(role.Role?.Tags),
      ...(role.Role?.Arn ? { owner_arn: role.Role.Arn } : {}),
    };
  }
  const bucket = /^arn:aws[a-z-]*:s3:::(.+)$/.exec(target.id)?.[1];
  if (bucket) {
    try {
      const tagging = await clients.s3.send(
        new GetBucketTaggingCommand({
          Bucket: bucket,
          ...(target.account ? { ExpectedBucketOwner: target.account } : {}),
        }),
      );
      return { inspected: true, tags: tagMap(tagging.TagSet) };
    } catch (e) {
      // A bucket without tags answers NoSuchTagSet: that is a fact, not a failure.
      if (errorName(e) === 'NoSuchTagSet') return { inspected: true, tags: {} };
      throw e;
    }
  }
  const instance = /(i-[0-9a-f]{8,17})$/.exec(target.id)?.[1];
  if (instance) {
    const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance] }));
    const found = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instance);
    if (!found) return { inspected: false, tags: {}, error: 'instance not found' };
    return { inspected: true, tags: tagMap(found.Tags) };
  }
  return { inspected: false, tags: {}, error: 'unrecognised target' };
}

export function awsFactsReader(clients: ResponseClients): FactsReader {
  return {
    async read(actions) {
      const out: Record<string, TargetFacts> = {};
      for (const a of actions) {
        try {
          out[a.key] = await factsOf(a.target, clients);
        } catch (e) {
          out[a.key] = { inspected: false, tags: {}, error: errorName(e) };
        }
      }
      return out;
    },
  };
}
