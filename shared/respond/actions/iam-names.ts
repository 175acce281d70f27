/**
 * Small helpers shared by the IAM response actions: reading user and role names out of ARNs
 * (without guessing), recognising IAM's "no such entity", and reading the inline policy documents
 * IAM returns URL-encoded.
 */
import { ValidationError } from '../../errors.ts';
import { rethrowAwsError } from '../../store/aws-errors.ts';
import type { ApiCall } from '../types.ts';

interface ParsedArn {
  partition: string;
  service: 'iam' | 'sts';
  account: string;
  /** Everything after `<account>:`, e.g. `user/path/name`. */
  resource: string;
}

const ARN = /^arn:(aws(?:-[a-z]+)*):(iam|sts)::(\d{12}):(.+)$/;
/** IAM user and role names: 1 to 64 of letters, digits and `+=,.@_-`. */
const PRINCIPAL_NAME = /^[\w+=,.@-]{1,64}$/;
/** Role session names: 2 to 64 of the same characters. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** One path segment: printable ASCII other than `/`. */
const PATH_SEGMENT = /^[!-.0-~]+$/;
/** Long-term access key ids (temporary ASIA… keys die with their session). */
const LONG_TERM_KEY = /^AKIA[A-Z0-9]{12,124}$/;

function parseArn(id: string): ParsedArn | undefined {
  const m = ARN.exec(id);
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2] as 'iam' | 'sts', account: m[3]!, resource: m[4]! };
}

/** `user/a/b/name` → `['a', 'b']` and `name`, or undefined when a segment is empty or malformed. */
function pathAndName(resource: string, kind: string): { path: string[]; name: string } | undefined {
  const parts = resource.split('/');
  if (parts[0] !== kind || parts.length < 2) return undefined;
  const name = parts[parts.length - 1]!;
  const path = parts.slice(1, -1);
  if (!PRINCIPAL_NAME.test(name) || !path.every((p) => PATH_SEGMENT.test(p))) return undefined;
  return { path, name };
}

/** The 12-digit account an IAM or STS ARN names, or undefined. */
export const accountOfArn = (id: string): string | undefined => parseArn(id)?.account;

/** The IAM user name in `arn:aws:iam::<acct>:user/<path/>name` (the last segment), or undefined. */
export function userNameOf(id: string): string | undefined {
  const arn = parseArn(id);
  if (arn?.service !== 'iam') return undefined;
  return pathAndName(arn.resource, 'user')?.name;
}

/**
 * The role name in an assumed-role ARN (`arn:aws:sts::<acct>:assumed-role/<RoleName>/<session>`)
 * or a role ARN (`arn:aws:iam::<acct>:role/<path/>RoleName`). Undefined for anything else, and for
 * service-linked roles (path `/aws-service-role/`): AWS manages those, Vigil never edits them.
 */
export function roleNameOf(id: string): string | undefined {
  const arn = parseArn(id);
  if (!arn) return undefined;
  if (arn.service === 'sts') {
    const parts = arn.resource.split('/');
    if (parts.length !== 3 || parts[0] !== 'assumed-role') return undefined;
    const [, role, session] = parts as [string, string, string];
    return PRINCIPAL_NAME.test(role) && SESSION_NAME.test(session) ? role : undefined;
  }
  const found = pathAndName(arn.resource, 'role');
  if (!found || found.path[0] === 'aws-service-role') return undefined;
  return found.name;
}

/** Whether the id has the shape of a long-term access key id. */
export const isLongTermKeyId = (id: string): boolean => LONG_TERM_KEY.test(id);

/** IAM's "the user / role / policy / login profile is not there". */
export function isNoSuchEntity(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const name = (e as { name?: unknown }).name;
  return name === 'NoSuchEntityException' || name === 'NoSuchEntity';
}

/**
 * Sends a read during inspect. IAM's "not found" becomes `onMissing()` (a value, or a thrown
 * ValidationError); throttling and 5xx become TransientError; anything else propagates.
 */
export async function readIam<T, M>(
  send: () => Promise<T>,
  onMissing: () => M,
  source: string,
  context: Record<string, string>,
): Promise<T | M> {
  try {
    return await send();
  } catch (e) {
    if (isNoSuchEntity(e)) return onMissing();
    rethrowAwsError(e, source, context);
  }
}

/** A thrower for `readIam`'s `onMissing`: the target is not what the plan says. */
export const missing = (message: string, source: string, context: Record<string, string>) => (): never => {
  throw new ValidationError(message, source, context);
};

/**
 * The text of an inline policy document as IAM returns it (RFC 3986 URL-encoded). Falls back to
 * the text as given when it is not valid percent-encoding (some emulators return it raw).
 */
export function decodePolicyDocument(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The parsed JSON of a decoded policy document, or undefined when it is not JSON. */
export function parsePolicy(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Structural JSON equality; object key order does not matter, array order does. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** One IAM API call as the runner sends it. */
export const iamCall = (operation: string, input: Record<string, unknown>, mutating: boolean): ApiCall => ({
  service: 'iam',
  operation,
  input,
  mutating,
});
