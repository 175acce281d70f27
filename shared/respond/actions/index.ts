/** The action catalogue: one converging action per playbook. */
import type { PlaybookId } from '../../narrate/playbooks.ts';
import type { ResponseAction } from '../action.ts';
import { blockIp } from './block-ip.ts';
import { closePublicBucket } from './close-public-bucket.ts';
import { deactivateAccessKey } from './deactivate-access-key.ts';
import { isolateEc2Instance } from './isolate-ec2-instance.ts';
import { quarantineIamUser } from './quarantine-iam-user.ts';
import { revokeRoleSessions } from './revoke-role-sessions.ts';

export const ACTIONS: Readonly<Record<PlaybookId, ResponseAction>> = {
  deactivate_access_key: deactivateAccessKey as unknown as ResponseAction,
  quarantine_iam_user: quarantineIamUser as unknown as ResponseAction,
  revoke_role_sessions: revokeRoleSessions as unknown as ResponseAction,
  isolate_ec2_instance: isolateEc2Instance as unknown as ResponseAction,
  block_ip: blockIp as unknown as ResponseAction,
  close_public_bucket: closePublicBucket as unknown as ResponseAction,
};
