import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../../../shared/errors.ts';
import type { ActionContext } from '../../../../shared/respond/action.ts';
import {
  closePublicBucket,
  type PublicAccessBlock,
  publicStatements,
  withoutStatements,
} from '../../../../shared/respond/actions/close-public-bucket.ts';
import { apply, dryRun, rollback, verify } from '../../../../shared/respond/run-action.ts';
import type { ApiCall } from '../../../../shared/respond/types.ts';
import { memoryUndoStore } from '../../../support/memory-undo-store.ts';
import { testResponseClients } from '../../../support/response-clients.ts';

const BUCKET = 'acme-assets';
const ACCOUNT = '111122223333';
const _credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-a-secret' };
const ctx: ActionContext = {
  plan_id: 'inc-9#1',
  incident_id: 'inc-9',
  key: `close_public_bucket:arn:aws:s3:::${BUCKET}`,
  planned_at: 1_760_000_000_000,
  settings: {
    wafIpSets: [],
    networkAclIds: [],
    networkAclRuleRange: [10, 19],
    quarantineSecurityGroupName: 'vigil-quarantine',
  },
};
const target = { type: 'resource' as const, id: `arn:aws:s3:::${BUCKET}`, account: ACCOUNT };
const OWNER = { Bucket: BUCKET, ExpectedBucketOwner: ACCOUNT };

const PUBLIC_READ = {
  Sid: 'PublicRead',
  Effect: 'Allow',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${BUCKET}/*`,
};
const FROM_ENDPOINT = {
  Sid: 'FromEndpoint',
  Effect: 'Allow',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${BUCKET}/*`,
  Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0' } },
};
const TLS_ONLY = {
  Sid: 'TlsOnly',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
/** As S3 returns it: the exact text must come back on rollback. */
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [PUBLIC_READ, FROM_ENDPOINT, TLS_ONLY] });
const POLICY_CLOSED = JSON.stringify({ Version: '2012-10-17', Statement: [FROM_ENDPOINT, TLS_ONLY] });
const ALL_TRUE: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

const awsError = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const unavailable = () =>
  Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });

interface FakeBucket {
  owner: string;
  block: PublicAccessBlock | null;
  policy: string | null;
}
interface FakeAccount {
  buckets: Record<string, FakeBucket>;
  effects: string[];
  failOnce: Set<string>;
}

function setup() {
  const account: FakeAccount = {
    buckets: { [BUCKET]: { owner: ACCOUNT, block: null, policy: POLICY } },
    effects: [],
    failOnce: new Set(),
  };
  const clients = testResponseClients();
  const s3 = mockClient(clients.s3);
  const bucket = (input: { Bucket?: string; ExpectedBucketOwner?: string }) => {
    const b = input.Bucket ? account.buckets[input.Bucket] : undefined;
    if (!b) throw awsError('NoSuchBucket', 404);
    if (input.ExpectedBucketOwner !== undefined && input.ExpectedBucketOwner !== b.owner)
      throw awsError('AccessDenied', 403);
    return b;
  };
  const effect = (what: string) => {
    if (account.failOnce.delete(what)) throw unavailable();
    account.effects.push(what);
  };

  s3.on(GetPublicAccessBlockCommand).callsFake((input) => {
    const b = bucket(input);
    if (!b.block) throw awsError('NoSuchPublicAccessBlockConfiguration', 404);
    return { PublicAccessBlockConfiguration: { ...b.block } };
  });
  s3.on(GetBucketPolicyCommand).callsFake((input) => {
    const b = bucket(input);
    if (b.policy === null) throw awsError('NoSuchBucketPolicy', 404);
    return { Policy: b.policy };
  });
  s3.on(PutPublicAccessBlockCommand).callsFake((input) => {
    const b = bucket(input);
    effect('PutPublicAccessBlock');
    b.block = { ...(input.PublicAccessBlockConfiguration as PublicAccessBlock) };
    return {};
  });
  s3.on(DeletePublicAccessBlockCommand).callsFake((input) => {
    const b = bucket(input);
    effect('DeletePublicAccessBlock');
    b.block = null;
    return {};
  });
  s3.on(PutBucketPolicyCommand).callsFake((input) => {
    const b = bucket(input);
    // Block Public Access: a public policy is refused while BlockPublicPolicy is on.
    if (b.block?.BlockPublicPolicy && publicStatements(JSON.parse(input.Policy ?? '')).length > 0)
      throw awsError('AccessDenied', 403);
    effect('PutBucketPolicy');
    b.policy = input.Policy ?? null;
    return {};
  });
  s3.on(DeleteBucketPolicyCommand).callsFake((input) => {
    const b = bucket(input);
    effect('DeleteBucketPolicy');
    b.policy = null;
    return {};
  });

  const undo = memoryUndoStore();
  const deps = { clients, undo, now: () => 1_760_000_003_000 };
  return { account, clients, s3, undo, deps, restore: () => s3.restore() };
}

let env: ReturnType<typeof setup>;
beforeEach(() => {
  env = setup();
});
afterEach(() => env.restore());

const mutatingCallCount = () =>
  env.s3.calls().filter((c) => !(c.args[0] as object).constructor.name.startsWith('Get')).length;
const s3Call = (operation: string, input: Record<string, unknown>, mutating = true): ApiCall => ({
  service: 's3',
  operation,
  input: { ...OWNER, ...input },
  mutating,
});
const PUT_BLOCK = s3Call('PutPublicAccessBlock', { PublicAccessBlockConfiguration: ALL_TRUE });
const FIRST_RUN = [PUT_BLOCK, s3Call('PutBucketPolicy', { Policy: POLICY_CLOSED })];

describe('close_public_bucket', () => {
  it('turns on all four blocks, then rewrites the policy without its public statements', async () => {
    const outcome = await apply(closePublicBucket, target, ctx, env.deps);
    expect(outcome).toEqual({ status: 'applied', calls: FIRST_RUN });
    expect(env.account.effects).toEqual(['PutPublicAccessBlock', 'PutBucketPolicy']);
    expect(env.s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input).toEqual(PUT_BLOCK.input);
    expect(env.s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input).toEqual({
      ...OWNER,
      Policy: POLICY_CLOSED,
    });
    // Every call, reads included, asserted the owner.
    for (const call of env.s3.calls())
      expect((call.args[0].input as Record<string, unknown>).ExpectedBucketOwner).toBe(ACCOUNT);
    expect(env.account.buckets[BUCKET]).toEqual({ owner: ACCOUNT, block: ALL_TRUE, policy: POLICY_CLOSED });
    expect(await verify(closePublicBucket, target, ctx, env.deps)).toBe(true);
  });

  it('records the state before any change; rollback lifts the block before restoring the policy', async () => {
    await apply(closePublicBucket, target, ctx, env.deps);
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    expect(record).toMatchObject({ action: 'close_public_bucket', target, recorded_at: 1_760_000_003_000 });
    expect(record!.before).toEqual({ bucket: BUCKET, public_access_block: null, policy: POLICY });
    expect(record!.rollback).toEqual([
      s3Call('DeletePublicAccessBlock', {}),
      s3Call('PutBucketPolicy', { Policy: POLICY }),
    ]);
    expect(record!.manual).toEqual([expect.stringMatching(/account-level Block Public Access/)]);

    env.account.effects = [];
    const result = await rollback(closePublicBucket, ctx, env.deps);
    expect(result.calls).toEqual(record!.rollback);
    expect(env.account.effects).toEqual(['DeletePublicAccessBlock', 'PutBucketPolicy']);
    expect(env.s3.commandCalls(DeletePublicAccessBlockCommand)[0]!.args[0].input).toEqual(OWNER);
    expect(env.s3.commandCalls(PutBucketPolicyCommand).at(-1)!.args[0].input).toEqual({
      ...OWNER,
      Policy: POLICY,
    });
    // Exactly the previous text, byte for byte.
    expect(env.account.buckets[BUCKET]).toEqual({ owner: ACCOUNT, block: null, policy: POLICY });
  });

  it('restores a public policy that predates a BlockPublicPolicy block: off, policy, then the exact block', async () => {
    const before: PublicAccessBlock = { ...ALL_TRUE, RestrictPublicBuckets: false };
    env.account.buckets[BUCKET]!.block = before;
    await apply(closePublicBucket, target, ctx, env.deps);
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    expect(record!.rollback).toEqual([
      s3Call('PutPublicAccessBlock', {
        PublicAccessBlockConfiguration: { ...before, BlockPublicPolicy: false },
      }),
      s3Call('PutBucketPolicy', { Policy: POLICY }),
      s3Call('PutPublicAccessBlock', { PublicAccessBlockConfiguration: before }),
    ]);
    await rollback(closePublicBucket, ctx, env.deps);
    expect(env.account.buckets[BUCKET]).toEqual({ owner: ACCOUNT, block: before, policy: POLICY });
  });

  it('deletes a policy left with no statement, and rollback puts the old text back', async () => {
    const onlyPublic = JSON.stringify({ Version: '2012-10-17', Statement: PUBLIC_READ });
    const open: PublicAccessBlock = {
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    };
    Object.assign(env.account.buckets[BUCKET]!, { policy: onlyPublic, block: open });
    const outcome = await apply(closePublicBucket, target, ctx, env.deps);
    expect(outcome.calls).toEqual([PUT_BLOCK, s3Call('DeleteBucketPolicy', {})]);
    expect(env.s3.commandCalls(DeleteBucketPolicyCommand)[0]!.args[0].input).toEqual(OWNER);
    expect(env.account.buckets[BUCKET]!.policy).toBeNull();

    const record = await env.undo.get(ctx.plan_id, ctx.key);
    expect(record!.rollback).toEqual([
      s3Call('PutPublicAccessBlock', { PublicAccessBlockConfiguration: open }),
      s3Call('PutBucketPolicy', { Policy: onlyPublic }),
    ]);
    await rollback(closePublicBucket, ctx, env.deps);
    expect(env.account.buckets[BUCKET]).toEqual({ owner: ACCOUNT, block: open, policy: onlyPublic });
  });

  it('with no policy, only the block is set and undone', async () => {
    env.account.buckets[BUCKET]!.policy = null;
    const outcome = await apply(closePublicBucket, target, ctx, env.deps);
    expect(outcome.calls).toEqual([PUT_BLOCK]);
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    expect(record!.rollback).toEqual([s3Call('DeletePublicAccessBlock', {})]);
    expect(record!.manual).toEqual([]);
  });

  it('dry-run with clients changes nothing and returns the calls apply then makes', async () => {
    const preview = await dryRun(closePublicBucket, target, ctx, env.deps);
    expect(preview).toEqual({ status: 'dry_run', calls: FIRST_RUN, inspected: true });
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
    expect((await apply(closePublicBucket, target, ctx, env.deps)).calls).toEqual(preview.calls);
  });

  it('dry-run without clients returns the blind calls: the block, and the read the rewrite needs', async () => {
    const preview = await dryRun(closePublicBucket, target, ctx, { undo: env.undo, now: env.deps.now });
    expect(preview).toMatchObject({ status: 'dry_run', inspected: false });
    expect(preview.calls).toEqual([PUT_BLOCK, s3Call('GetBucketPolicy', {}, false)]);
    expect(mutatingCallCount()).toBe(0);
    expect(
      closePublicBucket.blind({ type: 'resource', id: `arn:aws:s3:::${BUCKET}` }, ctx)[0]!.input,
    ).toEqual({
      Bucket: BUCKET,
      PublicAccessBlockConfiguration: ALL_TRUE,
    });
  });

  it('a closed bucket converges to nothing and records no undo', async () => {
    Object.assign(env.account.buckets[BUCKET]!, { block: ALL_TRUE, policy: POLICY_CLOSED });
    expect(await apply(closePublicBucket, target, ctx, env.deps)).toEqual({
      status: 'already_converged',
      calls: [],
    });
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
    expect(await verify(closePublicBucket, target, ctx, env.deps)).toBe(true);
  });

  it('after a failure mid-way, a re-run sends only the policy rewrite and keeps the first undo record', async () => {
    env.account.failOnce.add('PutBucketPolicy');
    await expect(apply(closePublicBucket, target, ctx, env.deps)).rejects.toBeInstanceOf(TransientError);
    const first = structuredClone(await env.undo.get(ctx.plan_id, ctx.key));
    expect(first!.before).toEqual({ bucket: BUCKET, public_access_block: null, policy: POLICY });

    const second = await apply(closePublicBucket, target, ctx, env.deps);
    expect(second).toEqual({ status: 'applied', calls: [FIRST_RUN[1]] });
    expect(await env.undo.get(ctx.plan_id, ctx.key)).toEqual(first);
    expect(env.account.effects).toEqual(['PutPublicAccessBlock', 'PutBucketPolicy']);
    expect(env.s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
    expect(env.s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(2); // the failed attempt and its retry
    expect(await verify(closePublicBucket, target, ctx, env.deps)).toBe(true);

    // Rolling back from the first record restores the state before the FIRST run.
    await rollback(closePublicBucket, ctx, env.deps);
    expect(env.account.buckets[BUCKET]).toEqual({ owner: ACCOUNT, block: null, policy: POLICY });
  });

  it('without a known account, no call carries ExpectedBucketOwner', async () => {
    const anyOwner = { type: 'resource' as const, id: `arn:aws:s3:::${BUCKET}` };
    const outcome = await apply(closePublicBucket, anyOwner, ctx, env.deps);
    for (const call of outcome.calls) expect(call.input).not.toHaveProperty('ExpectedBucketOwner');
    for (const call of env.s3.calls())
      expect(call.args[0].input as Record<string, unknown>).not.toHaveProperty('ExpectedBucketOwner');
  });

  it('refuses a missing bucket, an unparseable policy and a malformed target; a foreign owner is refused by S3', async () => {
    const refused = async (t: typeof target, message: RegExp) => {
      const failure = apply(closePublicBucket, t, ctx, env.deps);
      await expect(failure).rejects.toBeInstanceOf(ValidationError);
      await expect(failure).rejects.toThrow(message);
    };
    await refused({ ...target, id: 'arn:aws:s3:::no-such-bucket' }, /bucket does not exist/);
    await refused({ ...target, id: `arn:aws:s3:::${BUCKET}/key` }, /not an S3 bucket ARN/);
    await refused({ ...target, account: 'me' }, /12-digit/);
    env.account.buckets[BUCKET]!.policy = '{"Statement": [';
    await refused(target, /not valid JSON/);
    env.account.buckets[BUCKET]!.policy = POLICY;
    await expect(
      apply(closePublicBucket, { ...target, account: '999988887777' }, ctx, env.deps),
    ).rejects.toThrow(/AccessDenied/);
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
    expect(closePublicBucket.blind({ ...target, id: 'arn:aws:s3:::x' }, ctx)).toEqual([]);
  });

  it('declares a command for every call it can build', async () => {
    const state = await closePublicBucket.inspect(target, env.clients, ctx);
    const all = [
      ...closePublicBucket.converge(target, state, ctx),
      ...closePublicBucket.undo(target, state, ctx).rollback,
      ...closePublicBucket.blind(target, ctx),
    ];
    for (const call of all)
      expect(closePublicBucket.commands[`${call.service}:${call.operation}`]).toBeDefined();
    expect(closePublicBucket.destructive).toBe(true);
  });
});

describe('publicStatements', () => {
  const allow = (extra: Record<string, unknown>) => ({ Effect: 'Allow', Action: 's3:GetObject', ...extra });
  const isPublic = (statement: unknown) => publicStatements({ Statement: [statement] }).length === 1;

  it('finds Allow statements for everyone', () => {
    expect(isPublic(allow({ Principal: '*' }))).toBe(true);
    expect(isPublic(allow({ Principal: { AWS: '*' } }))).toBe(true);
    expect(isPublic(allow({ Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, '*'] } }))).toBe(true);
    expect(isPublic(allow({ NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }))).toBe(true);
    expect(publicStatements({ Statement: allow({ Principal: '*' }) })).toHaveLength(1);
  });

  it('leaves named principals and Deny statements alone', () => {
    expect(isPublic(allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }))).toBe(false);
    expect(isPublic(allow({ Principal: { Service: 'cloudfront.amazonaws.com' } }))).toBe(false);
    expect(isPublic({ ...allow({ Principal: '*' }), Effect: 'Deny' })).toBe(false);
  });

  it('treats the six owner-pinning keys, with a positive operator and fixed values, as narrowing', () => {
    for (const key of [
      'aws:SourceVpce',
      'aws:SourceVpc',
      'aws:PrincipalOrgID',
      'aws:PrincipalAccount',
      'aws:SourceAccount',
      'aws:SourceArn',
      'AWS:SOURCEVPCE',
    ])
      expect(isPublic(allow({ Principal: '*', Condition: { StringEquals: { [key]: 'x-123' } } }))).toBe(
        false,
      );
    expect(
      isPublic(
        allow({
          Principal: '*',
          Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgID': ['o-a*'] } },
        }),
      ),
    ).toBe(false);
    expect(
      isPublic(
        allow({ Principal: '*', Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudfront::1:x' } } }),
      ),
    ).toBe(false);
  });

  it('keeps everything else public: SourceIp, negated, IfExists, ForAllValues, wildcard and variable values', () => {
    const publicWith = (Condition: unknown) =>
      expect(isPublic(allow({ Principal: '*', Condition }))).toBe(true);
    publicWith({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } });
    publicWith({ StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } });
    publicWith({ StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1' } });
    publicWith({ 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-1' } });
    publicWith({ Null: { 'aws:SourceVpc': 'false' } });
    publicWith({ StringLike: { 'aws:PrincipalOrgID': '*' } });
    // A policy variable, not a template literal.
    publicWith({ StringEquals: { 'aws:SourceAccount': ['$', '{aws:PrincipalAccount}'].join('') } });
    publicWith({ StringEquals: { 'aws:SourceVpce': [] } });
    publicWith({ StringEquals: { 'aws:Referer': 'https://example.com' } });
  });

  it('is total: anything that is not a policy has no public statement', () => {
    for (const v of [
      null,
      1,
      'x',
      [],
      {},
      { Statement: 'x' },
      { Statement: [null, 1, []] },
      { Statement: null },
    ])
      expect(publicStatements(v)).toEqual([]);
    expect(
      publicStatements(JSON.parse('{"Statement":[{"Effect":"Allow","__proto__":{"Principal":"*"}}]}')),
    ).toEqual([]);
  });

  const principal = fc.oneof(
    fc.constantFrom(
      '*',
      { AWS: '*' },
      { AWS: ['arn:aws:iam::111122223333:root', '*'] },
      { AWS: 'arn:aws:iam::1:root' },
    ),
    fc.jsonValue(),
  );
  const conditionKey = fc.constantFrom(
    'aws:SourceVpce',
    'AWS:SourceVpc',
    'aws:PrincipalOrgID',
    'aws:PrincipalAccount',
    'aws:SourceAccount',
    'aws:SourceArn',
    'aws:SourceIp',
    'aws:Referer',
    '__proto__',
    'toString',
  );
  const operator = fc.constantFrom(
    'StringEquals',
    'StringNotEquals',
    'StringLike',
    'ArnLike',
    'ForAnyValue:StringEquals',
    'ForAllValues:StringEquals',
    'StringEqualsIfExists',
    'Null',
    'IpAddress',
    'constructor',
  );
  const conditionValue = fc.oneof(fc.string(), fc.constant('*'), fc.array(fc.string()), fc.jsonValue());
  const condition = fc.oneof(
    fc.dictionary(operator, fc.dictionary(conditionKey, conditionValue)),
    fc.jsonValue(),
  );
  const statement = fc.oneof(
    fc.record(
      {
        Effect: fc.constantFrom('Allow', 'Deny', 'allow'),
        Principal: principal,
        NotPrincipal: fc.jsonValue(),
        Condition: condition,
      },
      { requiredKeys: ['Effect'] },
    ),
    fc.jsonValue(),
  );
  // Round-tripped through JSON, as S3 stores it.
  const policy = fc
    .record({ Version: fc.constant('2012-10-17'), Statement: fc.oneof(fc.array(statement), statement) })
    .map((p) => JSON.parse(JSON.stringify(p)) as unknown);

  it('never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), policy), (value) => {
        const found = publicStatements(value);
        expect(Array.isArray(found)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('removing its statements leaves a policy (also as stored text) with none, and nothing else removed', () => {
    fc.assert(
      fc.property(fc.oneof(policy, fc.jsonValue()), (value) => {
        const found = publicStatements(value);
        const rest = withoutStatements(value, found);
        expect(publicStatements(rest)).toEqual([]);
        expect(publicStatements(JSON.parse(JSON.stringify(rest ?? null)))).toEqual([]);
        const count = (p: unknown) => {
          const s = (p as { Statement?: unknown } | null)?.Statement;
          return Array.isArray(s) ? s.length : s === undefined ? 0 : 1;
        };
        if (found.length > 0) expect(count(rest)).toBe(count(value) - found.length);
        else expect(rest).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});
