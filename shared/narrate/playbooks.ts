import type { EntityRef, EntityType } from '../detect/types.ts';
import { classifyAddress } from '../enrich/ip-class.ts';

/**
 * The response catalogue (issue #5): the only playbooks a narrative may recommend. A model that
 * names anything else is rejected, whatever it says.
 */
export const PLAYBOOK_IDS = [
  'deactivate_access_key',
  'quarantine_iam_user',
  'revoke_role_sessions',
  'isolate_ec2_instance',
  'block_ip',
  'close_public_bucket',
] as const;
export type PlaybookId = (typeof PLAYBOOK_IDS)[number];

export interface Playbook {
  id: PlaybookId;
  title: string;
  /** The entity type its target must have. */
  target: EntityType;
  /** Whether this entity is something the playbook can act on (shape of the id, address class). */
  appliesTo(entity: EntityRef): boolean;
}

const ARN_PARTITION = 'arn:aws(?:-[a-z]+)*';
// Long-term keys only: temporary (ASIA…) keys die with their session, which revoke_role_sessions handles.
const LONG_TERM_KEY = /^AKIA[A-Z0-9]{12,124}$/;
const IAM_USER = new RegExp(`^${ARN_PARTITION}:iam::\\d{12}:user/.+`);
const ROLE_SESSION = new RegExp(`^${ARN_PARTITION}:sts::\\d{12}:assumed-role/[^/]+/.+`);
const INSTANCE = new RegExp(`^(?:${ARN_PARTITION}:ec2:[a-z0-9-]*:\\d{12}:instance/)?i-[0-9a-f]{8,17}$`);
const BUCKET = new RegExp(`^${ARN_PARTITION}:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`);

/**
 * An address the organisation does not own. Documentation and benchmarking ranges count as external:
 * they never belong to the organisation, and test stories use them for attackers.
 */
const isExternalAddress = (ip: string): boolean => {
  const c = classifyAddress(ip);
  return c.kind === 'public' || c.kind === 'reserved';
};

export const PLAYBOOKS: Readonly<Record<PlaybookId, Playbook>> = {
  deactivate_access_key: {
    id: 'deactivate_access_key',
    title: 'Deactivate the access key',
    target: 'access_key',
    appliesTo: (e) => e.type === 'access_key' && LONG_TERM_KEY.test(e.id),
  },
  quarantine_iam_user: {
    id: 'quarantine_iam_user',
    title: 'Quarantine the IAM user (deny-all policy, console login removed)',
    target: 'principal',
    appliesTo: (e) => e.type === 'principal' && IAM_USER.test(e.id),
  },
  revoke_role_sessions: {
    id: 'revoke_role_sessions',
    title: "Revoke the role's active sessions",
    target: 'principal',
    appliesTo: (e) => e.type === 'principal' && ROLE_SESSION.test(e.id),
  },
  isolate_ec2_instance: {
    id: 'isolate_ec2_instance',
    title: 'Isolate the EC2 instance (quarantine security group, snapshot for forensics)',
    target: 'resource',
    appliesTo: (e) => e.type === 'resource' && INSTANCE.test(e.id),
  },
  block_ip: {
    id: 'block_ip',
    title: 'Block the IP address (WAF IP set and network ACL)',
    target: 'ip',
    appliesTo: (e) => e.type === 'ip' && isExternalAddress(e.id),
  },
  close_public_bucket: {
    id: 'close_public_bucket',
    title: 'Close public and cross-account access to the bucket',
    target: 'resource',
    appliesTo: (e) => e.type === 'resource' && BUCKET.test(e.id),
  },
};

export const isPlaybookId = (v: unknown): v is PlaybookId =>
  typeof v === 'string' && (PLAYBOOK_IDS as readonly string[]).includes(v);
