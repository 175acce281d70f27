/**
 * Issue #5, acceptance 3: `vigil replay --json` fills each incident's `response` — playbook, mode,
 * actions with action and target, blocked actions with reasons — and an incident whose principal
 * is a protected role gets its actions blocked with the reason, never planned.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ATTACKER_IP, attackStory, LEAKED_KEY, STORY_ACCOUNT } from '../../local/story/attack-story.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const SSO_ROLE = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';
const SSO_SESSION = `arn:aws:sts::${STORY_ACCOUNT}:assumed-role/${SSO_ROLE}/alice@example.org`;

interface Replayed {
  incidents: {
    id: string;
    entities: { type: string; id: string }[];
    response: {
      playbook: string | null;
      mode: string;
      actions: { action: string; target: string }[];
      blocked: { action: string; target: string; reasons: string[] }[];
    };
  }[];
}

async function replay(lines: unknown[]): Promise<Replayed> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-response-'));
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const { stdout } = await run('npx', ['vigil', 'replay', file, '--json'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Replayed;
}

describe('vigil replay --json: the response of each incident', () => {
  it('plans the story incident: the key and the user under approval, block_ip blocked for want of a place to block', async () => {
    const out = await replay(attackStory());
    expect(out.incidents).toHaveLength(1);
    const { response } = out.incidents[0]!;
    expect(response.playbook).toBe('deactivate_access_key');
    expect(response.mode).toBe('approve');
    expect(response.actions.map((a) => [a.action, a.target])).toEqual([
      ['deactivate_access_key', LEAKED_KEY],
      ['quarantine_iam_user', `arn:aws:iam::${STORY_ACCOUNT}:user/ci-deployer`],
    ]);
    expect(response.blocked).toEqual([
      {
        action: 'block_ip',
        target: ATTACKER_IP,
        reasons: ['no WAF IP set or network ACL is configured for block_ip'],
      },
    ]);
  }, 120_000);

  it('blocks, with the reason, every action on an incident whose principal is an IAM Identity Center role', async () => {
    // The same intrusion, done by an SSO administrator session instead of the leaked IAM user.
    const identity = {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLESSOADMIN01:alice@example.org',
      arn: SSO_SESSION,
      accountId: STORY_ACCOUNT,
      accessKeyId: 'ASIAEXAMPLESSOSESS01',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLESSOADMIN01',
          arn: `arn:aws:iam::${STORY_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${SSO_ROLE}`,
          accountId: STORY_ACCOUNT,
          userName: SSO_ROLE,
        },
        attributes: { creationDate: '2026-03-02T09:00:00Z', mfaAuthenticated: 'false' },
      },
    };
    const events = attackStory().map((e) => {
      const detail = (e as { detail?: { userIdentity?: { accessKeyId?: string } } }).detail;
      return detail?.userIdentity?.accessKeyId === LEAKED_KEY
        ? { ...e, detail: { ...detail, userIdentity: identity } }
        : e;
    });
    const out = await replay(events);
    const incident = out.incidents.find((i) => i.entities.some((e) => e.id === SSO_SESSION));
    expect(incident).toBeDefined();
    const { response } = incident!;
    expect(response.actions.some((a) => a.target === SSO_SESSION)).toBe(false);
    const blocked = response.blocked.find((b) => b.target === SSO_SESSION);
    expect(blocked?.action).toBe('revoke_role_sessions');
    expect(blocked?.reasons).toContain(`${SSO_ROLE} is an IAM Identity Center (AWSReservedSSO_*) role`);
  }, 120_000);
});
