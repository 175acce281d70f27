/**
 * deactivate_access_key: sets a long-term access key to Inactive. Reversible (the key is not
 * deleted), so it needs no extra approvers.
 *
 * SAFETY: UpdateAccessKey without UserName acts on the CALLER's own keys (here: Vigil's responder
 * role would fail, but a user-credentialed run would deactivate its own key and report success).
 * Every UpdateAccessKey this action builds names the owning user.
 */
import {
  GetAccessKeyLastUsedCommand,
  type GetAccessKeyLastUsedCommandOutput,
  ListAccessKeysCommand,
  type ListAccessKeysCommandOutput,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ValidationError } from '../../errors.ts';
import type { ResponseAction } from '../action.ts';
import type { ActionTarget, ApiCall } from '../types.ts';
import { iamCall, isLongTermKeyId, missing, readIam } from './iam-names.ts';

const SOURCE = 'respond.deactivate_access_key';
/** IAM allows two keys per user; this only bounds a misbehaving paginator. */
const MAX_PAGES = 50;

/** A type alias (not an interface) so it is assignable to the runner's `Record<string, unknown>`. */
export type AccessKeyState = {
  /** The IAM user that owns the key. */
  user_name: string;
  /** `Active`, `Inactive` or `Expired`, as ListAccessKeys reports it. */
  status: string;
};

/** The key id, when the target is an access key of the long-term kind. */
const keyIdOf = (target: ActionTarget): string | undefined =>
  target.type === 'access_key' && isLongTermKeyId(target.id) ? target.id : undefined;

const updateKey = (userName: unknown, accessKeyId: string, status: 'Active' | 'Inactive'): ApiCall =>
  iamCall('UpdateAccessKey', { UserName: userName, AccessKeyId: accessKeyId, Status: status }, true);

export const deactivateAccessKey: ResponseAction<AccessKeyState> = {
  id: 'deactivate_access_key',
  destructive: false,
  commands: {
    'iam:GetAccessKeyLastUsed': GetAccessKeyLastUsedCommand,
    'iam:UpdateAccessKey': UpdateAccessKeyCommand,
  },

  async inspect(target, clients) {
    const keyId = keyIdOf(target);
    if (!keyId)
      throw new ValidationError('target is not a long-term access key id (AKIA…)', SOURCE, {
        type: target.type,
      });
    const context = { accessKeyId: keyId };
    const notFound = missing(
      'the access key does not exist or belongs to the root user, which IAM cannot act on',
      SOURCE,
      context,
    );

    const lastUsed: GetAccessKeyLastUsedCommandOutput = await readIam(
      () => clients.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId })),
      notFound,
      SOURCE,
      context,
    );
    const userName = lastUsed.UserName;
    if (!userName) return notFound();

    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed: ListAccessKeysCommandOutput = await readIam(
        () =>
          clients.iam.send(
            new ListAccessKeysCommand(
              marker ? { UserName: userName, Marker: marker } : { UserName: userName },
            ),
          ),
        missing(`the key's owner ${userName} no longer exists`, SOURCE, context),
        SOURCE,
        context,
      );
      const key = listed.AccessKeyMetadata?.find((k) => k.AccessKeyId === keyId);
      if (key) {
        if (!key.Status)
          throw new ValidationError('IAM listed the key without a status', SOURCE, {
            ...context,
            userName,
          });
        return { user_name: userName, status: key.Status };
      }
      if (!listed.IsTruncated || !listed.Marker || listed.Marker === marker) break;
      marker = listed.Marker;
    }
    throw new ValidationError(`the access key is not among ${userName}'s keys`, SOURCE, {
      ...context,
      userName,
    });
  },

  converge(target, state) {
    // Anything but Inactive (Active, or Expired) ends Inactive: the state verify checks.
    return state.status === 'Inactive' ? [] : [updateKey(state.user_name, target.id, 'Inactive')];
  },

  undo(target, state) {
    return {
      before: { user_name: state.user_name, status: state.status },
      // Only an Active key is turned back on; an Expired one stays unusable either way.
      rollback: state.status === 'Active' ? [updateKey(state.user_name, target.id, 'Active')] : [],
      manual: [],
    };
  },

  contained(_target, state) {
    return state.status === 'Inactive';
  },

  blind(target) {
    const keyId = keyIdOf(target);
    // A target inspect would refuse gets no calls: a run would make none.
    if (!keyId) return [];
    return [
      iamCall('GetAccessKeyLastUsed', { AccessKeyId: keyId }, false),
      updateKey({ $from: 'GetAccessKeyLastUsed', $path: 'UserName' }, keyId, 'Inactive'),
    ];
  },
};
