/**
 * close_public_bucket: turns on all four Block Public Access settings of a bucket and removes the
 * statements of its bucket policy that grant access to everyone. Destructive: a website, a
 * download link or a partner reading the bucket anonymously stops working.
 *
 * The four settings close public ACLs (BlockPublicAcls, IgnorePublicAcls) and public policies
 * (BlockPublicPolicy, RestrictPublicBuckets: the latter at once limits a public policy to the
 * owner's account and AWS services). Removing the public statements makes the policy itself
 * truthful, so the bucket stays closed if someone later lifts the block.
 *
 * Every S3 call carries ExpectedBucketOwner when the target names the account: bucket names are
 * global and a deleted bucket's name can be taken by another account; S3 then refuses the call
 * instead of Vigil acting on (or reading) a stranger's bucket.
 */
import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  type GetBucketPolicyCommandOutput,
  GetPublicAccessBlockCommand,
  type GetPublicAccessBlockCommandOutput,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { ValidationError } from '../../errors.ts';
import { PLAYBOOKS } from '../../narrate/playbooks.ts';
import { rethrowAwsError } from '../../store/aws-errors.ts';
import type { ResponseAction } from '../action.ts';
import type { ActionTarget, ApiCall } from '../types.ts';

const SOURCE = 'respond.close_public_bucket';
const ACCOUNT = /^\d{12}$/;

export type PublicAccessBlock = {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
};

const ALL_BLOCKED: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

const BLOCK_FLAGS = Object.keys(ALL_BLOCKED) as (keyof PublicAccessBlock)[];

/** A type alias (not an interface) so it is assignable to the runner's `Record<string, unknown>`. */
export type BucketState = {
  bucket: string;
  /** The bucket's Block Public Access configuration, or null when it has none. */
  public_access_block: PublicAccessBlock | null;
  /** The bucket policy exactly as S3 returned it (restored verbatim by undo), or null. */
  policy: string | null;
};

// ---------------------------------------------------------------------------------------------
// Which statements are public. Total over any JSON value: a hostile policy must not crash the
// action (it would then leave the bucket open while reporting an error about parsing).
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Own properties only: a policy key named like something on Object.prototype is just data. */
const own = (o: Json, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/**
 * Condition keys that pin the caller to the owner's network, organisation or account. IAM
 * condition keys are case-insensitive. `aws:SourceIp` is deliberately absent: an address range is
 * not an identity, and one in a bucket policy rarely means what its author thinks (NAT, proxies).
 */
const NARROWING_KEYS = new Set([
  'aws:sourcevpce',
  'aws:sourcevpc',
  'aws:principalorgid',
  'aws:principalaccount',
  'aws:sourceaccount',
  'aws:sourcearn',
]);

/**
 * Operators that require the key to equal (or match) the given values. Negated operators
 * (`StringNotEquals`…) allow everyone else; `…IfExists`, `ForAllValues:` and `Null` pass when the
 * key is absent — anonymous callers have no org id — so none of those narrow.
 */
const NARROWING_OPERATORS = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
]);
const FOR_ANY_VALUE = 'foranyvalue:';

/** A value that names something: not empty, not only wildcards, no policy variable. */
const isFixed = (v: unknown): boolean => typeof v === 'string' && /[^*?]/.test(v) && !v.includes('${');

const isFixedValues = (v: unknown): boolean =>
  Array.isArray(v) ? v.length > 0 && v.every(isFixed) : isFixed(v);

function narrowingOperator(operator: string): boolean {
  const lower = operator.toLowerCase();
  return NARROWING_OPERATORS.has(lower.startsWith(FOR_ANY_VALUE) ? lower.slice(FOR_ANY_VALUE.length) : lower);
}

/** Whether the statement's conditions pin the caller to the owner (see NARROWING_KEYS). */
function isNarrowed(statement: Json): boolean {
  const condition = own(statement, 'Condition');
  if (!isRecord(condition)) return false;
  return Object.entries(condition).some(
    ([operator, block]) =>
      narrowingOperator(operator) &&
      isRecord(block) &&
      Object.entries(block).some(
        ([key, values]) => NARROWING_KEYS.has(key.toLowerCase()) && isFixedValues(values),
      ),
  );
}

/** `"*"`, `{"AWS": "*"}`, `{"AWS": [..., "*"]}`; and NotPrincipal, which on Allow means "all but…". */
function grantsEveryone(statement: Json): boolean {
  if (own(statement, 'NotPrincipal') !== undefined) return true;
  const principal = own(statement, 'Principal');
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  const aws = own(principal, 'AWS');
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

/** The policy's statements as a list (a single statement object counts as a list of one). */
function statementsOf(policy: unknown): unknown[] {
  if (!isRecord(policy)) return [];
  const statement = own(policy, 'Statement');
  if (Array.isArray(statement)) return statement;
  return statement === undefined ? [] : [statement];
}

/**
 * The statements of a bucket policy (parsed JSON) that grant access to everyone: Effect Allow,
 * Principal `*` / `{AWS: "*"}` / an AWS list containing `*` (or a NotPrincipal), unless a
 * condition narrows it. The rule, kept simple on purpose: a statement is narrowed when one of its
 * conditions tests aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID, aws:PrincipalAccount,
 * aws:SourceAccount or aws:SourceArn with a positive string/ARN operator (StringEquals,
 * StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike, optionally ForAnyValue:) against fixed
 * values. Anything else — aws:SourceIp, Referer, negated or IfExists operators — is public.
 * Returns the statement objects themselves (for `withoutStatements`). Never throws.
 */
export function publicStatements(policy: unknown): unknown[] {
  return statementsOf(policy).filter(
    (s) => isRecord(s) && own(s, 'Effect') === 'Allow' && grantsEveryone(s) && !isNarrowed(s),
  );
}

/** The policy without the given statement objects (by identity); other top-level fields kept. */
export function withoutStatements(policy: unknown, statements: readonly unknown[]): unknown {
  if (!isRecord(policy) || statements.length === 0) return policy;
  const drop = new Set(statements);
  const current = own(policy, 'Statement');
  const remaining = Array.isArray(current)
    ? current.filter((s) => !drop.has(s))
    : drop.has(current)
      ? []
      : current;
  return { ...policy, Statement: remaining };
}

// ---------------------------------------------------------------------------------------------

/** The bucket name of an `arn:aws:s3:::name` target, or undefined. */
function bucketOf(target: ActionTarget): string | undefined {
  if (!PLAYBOOKS.close_public_bucket.appliesTo({ type: target.type, id: target.id })) return undefined;
  return target.id.slice(target.id.indexOf(':::') + 3);
}

/** The owner to assert on every call, or undefined; a malformed account is refused, not dropped. */
function ownerOf(target: ActionTarget): string | undefined {
  if (target.account === undefined) return undefined;
  if (!ACCOUNT.test(target.account))
    throw new ValidationError('target account is not a 12-digit AWS account id', SOURCE);
  return target.account;
}

const s3 = (
  operation: string,
  bucket: string,
  owner: string | undefined,
  rest: Record<string, unknown>,
  mutating = true,
): ApiCall => ({
  service: 's3',
  operation,
  input: { Bucket: bucket, ...(owner ? { ExpectedBucketOwner: owner } : {}), ...rest },
  mutating,
});

const putBlock = (bucket: string, owner: string | undefined, config: PublicAccessBlock): ApiCall =>
  s3('PutPublicAccessBlock', bucket, owner, { PublicAccessBlockConfiguration: { ...config } });

const allBlocked = (config: PublicAccessBlock | null): boolean =>
  config !== null && BLOCK_FLAGS.every((flag) => config[flag] === true);

function parsePolicy(text: string, bucket: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('the bucket policy is not valid JSON', SOURCE, { bucket });
  }
  if (!isRecord(parsed))
    throw new ValidationError('the bucket policy is not a JSON object', SOURCE, { bucket });
  return parsed;
}

/** The public statements of the state's policy (none when there is no policy). */
const publicOf = (state: BucketState): unknown[] =>
  state.policy === null ? [] : publicStatements(parsePolicy(state.policy, state.bucket));

const awsName = (e: unknown): unknown =>
  typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;

/** One inspect read: `absent` error names mean "not configured" (null); NoSuchBucket is a ValidationError. */
async function read<T>(
  send: () => Promise<T>,
  absent: string,
  context: Record<string, string>,
): Promise<T | null> {
  try {
    return await send();
  } catch (e) {
    const name = awsName(e);
    if (name === absent) return null;
    if (name === 'NoSuchBucket') throw new ValidationError('the bucket does not exist', SOURCE, context);
    rethrowAwsError(e, SOURCE, context);
  }
}

export const closePublicBucket: ResponseAction<BucketState> = {
  id: 'close_public_bucket',
  destructive: true,
  commands: {
    's3:GetPublicAccessBlock': GetPublicAccessBlockCommand,
    's3:GetBucketPolicy': GetBucketPolicyCommand,
    's3:PutPublicAccessBlock': PutPublicAccessBlockCommand,
    's3:DeletePublicAccessBlock': DeletePublicAccessBlockCommand,
    's3:PutBucketPolicy': PutBucketPolicyCommand,
    's3:DeleteBucketPolicy': DeleteBucketPolicyCommand,
  },

  async inspect(target, clients) {
    const bucket = bucketOf(target);
    if (!bucket)
      throw new ValidationError('target is not an S3 bucket ARN (arn:aws:s3:::name)', SOURCE, {
        type: target.type,
      });
    const owner = ownerOf(target);
    const key = { Bucket: bucket, ...(owner ? { ExpectedBucketOwner: owner } : {}) };
    const context = { bucket };

    const block: GetPublicAccessBlockCommandOutput | null = await read(
      () => clients.s3.send(new GetPublicAccessBlockCommand(key)),
      'NoSuchPublicAccessBlockConfiguration',
      context,
    );
    const config = block?.PublicAccessBlockConfiguration;
    const policy: GetBucketPolicyCommandOutput | null = await read(
      () => clients.s3.send(new GetBucketPolicyCommand(key)),
      'NoSuchBucketPolicy',
      context,
    );
    const text = policy?.Policy ?? null;
    if (text !== null) parsePolicy(text, bucket);

    return {
      bucket,
      public_access_block: config
        ? {
            BlockPublicAcls: config.BlockPublicAcls === true,
            IgnorePublicAcls: config.IgnorePublicAcls === true,
            BlockPublicPolicy: config.BlockPublicPolicy === true,
            RestrictPublicBuckets: config.RestrictPublicBuckets === true,
          }
        : null,
      policy: text,
    };
  },

  converge(target, state) {
    const owner = ownerOf(target);
    const calls: ApiCall[] = [];
    // The block first: it shuts public access at once, whatever the policy says, and it is the
    // step that cannot fail on the policy's content. The rewrite then runs under BlockPublicPolicy,
    // so S3 refuses it if S3 still deems the kept statements public; S3's published list of
    // narrowing keys may not include aws:PrincipalOrgID / aws:PrincipalAccount, which this rule
    // accepts. Such a refusal leaves the bucket closed (RestrictPublicBuckets) but the run failed.
    if (!allBlocked(state.public_access_block)) calls.push(putBlock(state.bucket, owner, ALL_BLOCKED));
    if (state.policy !== null) {
      // One parse: statements are removed by identity, so they must come from this very object.
      const policy = parsePolicy(state.policy, state.bucket);
      const open = publicStatements(policy);
      if (open.length > 0) {
        const rest = withoutStatements(policy, open);
        calls.push(
          statementsOf(rest).length > 0
            ? s3('PutBucketPolicy', state.bucket, owner, { Policy: JSON.stringify(rest) })
            : s3('DeleteBucketPolicy', state.bucket, owner, {}),
        );
      }
    }
    return calls;
  },

  undo(target, state) {
    const owner = ownerOf(target);
    const before = state.public_access_block;
    const restoreBlock = (): ApiCall =>
      before ? putBlock(state.bucket, owner, before) : s3('DeletePublicAccessBlock', state.bucket, owner, {});
    const rollback: ApiCall[] = [];
    const manual: string[] = [];
    if (state.policy !== null && publicOf(state).length > 0) {
      // The old policy is public, and S3 rejects a public policy while BlockPublicPolicy is on.
      // So: lift the block to what it was — but with BlockPublicPolicy off even if it was on (a
      // public policy can predate the block) — then restore the policy text verbatim, then, only
      // when BlockPublicPolicy was on before, put the exact old block back.
      rollback.push(
        before?.BlockPublicPolicy
          ? putBlock(state.bucket, owner, { ...before, BlockPublicPolicy: false })
          : restoreBlock(),
        s3('PutBucketPolicy', state.bucket, owner, { Policy: state.policy }),
      );
      if (before?.BlockPublicPolicy) rollback.push(restoreBlock());
      manual.push(
        'Restoring the previous bucket policy fails while the account-level Block Public Access blocks public policies.',
      );
    } else if (!allBlocked(before)) {
      rollback.push(restoreBlock());
    }
    return { before: { ...state }, rollback, manual };
  },

  contained(_target, state) {
    return allBlocked(state.public_access_block) && publicOf(state).length === 0;
  },

  blind(target) {
    const bucket = bucketOf(target);
    // A target inspect would refuse gets no calls: a run would make none.
    if (!bucket || (target.account !== undefined && !ACCOUNT.test(target.account))) return [];
    const owner = target.account;
    // Only the block is certain. Whether the policy is rewritten (PutBucketPolicy) or deleted
    // (DeleteBucketPolicy), and into what, depends on its statements: that needs inspection.
    return [putBlock(bucket, owner, ALL_BLOCKED), s3('GetBucketPolicy', bucket, owner, {}, false)];
  },
};
