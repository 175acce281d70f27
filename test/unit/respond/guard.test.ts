import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GuardContext, guardPlan } from '../../../shared/respond/guard.ts';
import { planResponse } from '../../../shared/respond/plan.ts';
import type { TargetFacts } from '../../../shared/respond/protected.ts';
import { ResponseSettingsSchema } from '../../../shared/respond/settings.ts';
import type { ResponsePlan } from '../../../shared/respond/types.ts';

const ACCT = '111122223333';
const settings = ResponseSettingsSchema.parse({
  protectedPrincipals: [`arn:aws:iam::*:role/BreakGlass`, 'emergency-admin'],
});
const inspected = (tags: Record<string, string> = {}, owner_arn?: string): TargetFacts => ({
  inspected: true,
  tags,
  ...(owner_arn ? { owner_arn } : {}),
});

function planFor(recs: { id: string; type: string; target: string }[]): ResponsePlan {
  return planResponse(
    {
      id: 'inc-1',
      narrative: {
        playbooks: recs.map((r) => ({
          id: r.id as never,
          target: { type: r.type as never, id: r.target },
          reason: 'test',
          evidence: ['ev-1'],
        })),
      },
    },
    settings,
    Date.parse('2026-11-23T10:00:00Z'),
  );
}

function ctx(over: Partial<GuardContext> = {}, facts: Record<string, TargetFacts> = {}): GuardContext {
  return {
    settings,
    own: { namePrefixes: ['Vigil'], trustedCidrs: ['198.18.0.0/15'] },
    killSwitch: 'off',
    facts,
    blockIpConfigured: true,
    local: false,
    ...over,
  };
}

const user = `arn:aws:iam::${ACCT}:user/ci-deployer`;
const key = 'AKIAEXAMPLEKEY000001';

describe('planning', () => {
  it('orders actions for containment and keys them stably', () => {
    const plan = planFor([
      { id: 'block_ip', type: 'ip', target: '198.51.100.77' },
      { id: 'quarantine_iam_user', type: 'principal', target: user },
      { id: 'deactivate_access_key', type: 'access_key', target: key },
      { id: 'block_ip', type: 'ip', target: '198.51.100.77' },
    ]);
    expect(plan.actions.map((a) => a.key)).toEqual([
      `deactivate_access_key:${key}`,
      `quarantine_iam_user:${user}`,
      'block_ip:198.51.100.77',
    ]);
    expect(plan.actions[1]?.target.account).toBe(ACCT);
    expect(plan.actions[1]?.destructive).toBe(true);
    expect(planFor([{ id: 'block_ip', type: 'ip', target: '198.51.100.77' }]).id).toBe(
      planFor([{ id: 'block_ip', type: 'ip', target: '198.51.100.77' }]).id,
    );
  });

  it('drops a recommendation whose target the playbook cannot act on', () => {
    const plan = planFor([
      { id: 'deactivate_access_key', type: 'access_key', target: 'ASIATEMPORARYKEY0001' },
    ]);
    expect(plan.actions).toEqual([]);
  });
});

describe('the guard', () => {
  it('lets an inspected, unprotected target through under approval, with more approvers for destructive actions', () => {
    const plan = planFor([
      { id: 'deactivate_access_key', type: 'access_key', target: key },
      { id: 'quarantine_iam_user', type: 'principal', target: user },
    ]);
    const facts = {
      [`deactivate_access_key:${key}`]: inspected({}, user),
      [`quarantine_iam_user:${user}`]: inspected(),
    };
    const out = guardPlan(plan, ctx({}, facts));
    expect(out.blocked).toEqual([]);
    expect(out.mode).toBe('approve');
    expect(out.playbook).toBe('deactivate_access_key');
    expect(out.approvals_required).toBe(2);
  });

  it.each([
    [
      `arn:aws:sts::${ACCT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice`,
      'AWSReservedSSO',
    ],
    [`arn:aws:sts::${ACCT}:assumed-role/OrganizationAccountAccessRole/ops`, 'OrganizationAccountAccessRole'],
    [`arn:aws:sts::${ACCT}:assumed-role/BreakGlass/bob`, 'break-glass'],
    [`arn:aws:sts::${ACCT}:assumed-role/AWSServiceRoleForSupport/x`, 'service-linked'],
    [`arn:aws:sts::${ACCT}:assumed-role/VigilCompute-RespondRole12AB/x`, 'Vigil itself'],
  ])('blocks revoking sessions of %s (%s)', (session, why) => {
    const plan = planFor([{ id: 'revoke_role_sessions', type: 'principal', target: session }]);
    const out = guardPlan(plan, ctx({}, { [`revoke_role_sessions:${session}`]: inspected() }));
    expect(out.actions).toEqual([]);
    expect(out.blocked[0]?.reasons.join(' ')).toContain(why);
    expect(out.mode).toBe('off');
  });

  it('protects by the owner read from the account: a key of a break-glass user, a role path, tags', () => {
    const plan = planFor([
      { id: 'deactivate_access_key', type: 'access_key', target: key },
      { id: 'isolate_ec2_instance', type: 'resource', target: 'i-0123456789abcdef0' },
    ]);
    const out = guardPlan(
      plan,
      ctx(
        {},
        {
          [`deactivate_access_key:${key}`]: inspected({}, `arn:aws:iam::${ACCT}:user/emergency-admin`),
          'isolate_ec2_instance:i-0123456789abcdef0': inspected({ 'vigil:protected': 'true' }),
        },
      ),
    );
    expect(out.actions).toEqual([]);
    expect(out.blocked.map((b) => b.reasons[0])).toEqual([
      'emergency-admin is a configured protected (break-glass) principal',
      'the target is tagged vigil:protected',
    ]);
  });

  it('fails closed on what it cannot know: uninspected targets, an unreadable kill switch, nowhere to block', () => {
    const plan = planFor([
      { id: 'quarantine_iam_user', type: 'principal', target: user },
      { id: 'block_ip', type: 'ip', target: '198.51.100.77' },
    ]);
    const uninspected = guardPlan(
      plan,
      ctx({}, { [`quarantine_iam_user:${user}`]: { inspected: false, tags: {}, error: 'AccessDenied' } }),
    );
    expect(uninspected.blocked.map((b) => b.reasons.join('; '))).toEqual([
      'the target could not be inspected, so its protection tags are unknown (AccessDenied)',
      'the target could not be inspected, so its protection tags are unknown',
    ]);
    const facts = { [`quarantine_iam_user:${user}`]: inspected(), 'block_ip:198.51.100.77': inspected() };
    const unknownSwitch = guardPlan(plan, ctx({ killSwitch: 'unknown', blockIpConfigured: false }, facts));
    expect(unknownSwitch.actions).toEqual([]);
    expect(unknownSwitch.blocked[1]?.reasons).toEqual([
      'the kill switch could not be read',
      'no WAF IP set or network ACL is configured for block_ip',
    ]);
  });

  it('lets dry-runs through the kill switch, and blocks switched-off playbooks', () => {
    const dry = {
      ...settings,
      modes: { ...settings.modes, quarantine_iam_user: 'dry_run' as const, block_ip: 'off' as const },
    };
    const plan = planFor([
      { id: 'quarantine_iam_user', type: 'principal', target: user },
      { id: 'block_ip', type: 'ip', target: '198.51.100.77' },
    ]);
    const out = guardPlan(plan, ctx({ settings: dry, killSwitch: 'engaged' }));
    expect(out.actions.map((a) => [a.action, a.mode])).toEqual([['quarantine_iam_user', 'dry_run']]);
    expect(out.mode).toBe('dry_run');
    expect(out.approvals_required).toBe(0);
    expect(out.blocked[0]?.reasons).toEqual(['the block_ip playbook is switched off']);
  });

  it('never blocks an organisation address less than a public one: private and trusted ranges are protected', () => {
    for (const ip of ['10.1.2.3', '198.18.5.5']) {
      const plan = planResponse(
        {
          id: 'i',
          narrative: {
            playbooks: [{ id: 'block_ip', target: { type: 'ip', id: ip }, reason: '', evidence: [] }],
          },
        },
        settings,
        0,
      );
      // Private addresses never reach a plan (the playbook does not apply); trusted ones are blocked.
      const out = guardPlan(
        {
          ...plan,
          actions: [
            {
              key: `block_ip:${ip}`,
              action: 'block_ip',
              target: { type: 'ip', id: ip },
              mode: 'approve',
              destructive: false,
            },
          ],
        },
        ctx({}, { [`block_ip:${ip}`]: inspected() }),
      );
      expect(out.actions).toEqual([]);
      expect(out.blocked[0]?.reasons[0]).toContain('trusted networks');
    }
  });

  it('an error inside the guard blocks everything', () => {
    const plan = planFor([{ id: 'quarantine_iam_user', type: 'principal', target: user }]);
    const broken = {
      ...settings,
      get protectedTagKeys(): string[] {
        throw new Error('boom');
      },
    };
    const out = guardPlan(plan, ctx({ settings: broken }, { [`quarantine_iam_user:${user}`]: inspected() }));
    expect(out.actions).toEqual([]);
    expect(out.blocked[0]?.reasons[0]).toMatch(/^the guard failed, so nothing runs: Error: boom/);
  });
});

describe('the guard never lets a protected target through (property)', () => {
  const protectedRole = fc.constantFrom(
    'AWSReservedSSO_ReadOnly_abc',
    'OrganizationAccountAccessRole',
    'AWSServiceRoleForECS',
    'BreakGlass',
    'VigilStateful-Anything',
  );
  const anyTags = fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 8 }), { maxKeys: 3 });
  it('whatever else is true, a protected role, owner or tag is blocked', () => {
    fc.assert(
      fc.property(
        protectedRole,
        fc.stringMatching(/^[\w+=,.@-]{2,32}$/),
        anyTags,
        fc.boolean(),
        fc.constantFrom('off', 'engaged', 'unknown'),
        fc.constantFrom('dry_run', 'approve', 'auto'),
        (role, session, tags, taggedProtected, killSwitch, mode) => {
          const s = { ...settings, modes: { ...settings.modes, revoke_role_sessions: mode } };
          const target = `arn:aws:sts::${ACCT}:assumed-role/${role}/${session}`;
          const plan = planFor([{ id: 'revoke_role_sessions', type: 'principal', target }]);
          const facts = {
            [`revoke_role_sessions:${target}`]: inspected(
              taggedProtected ? { ...tags, 'vigil:managed': 'x' } : tags,
            ),
          };
          const out = guardPlan(plan, ctx({ settings: s, killSwitch: killSwitch as never }, facts));
          expect(plan.actions).toHaveLength(1);
          expect(out.actions).toEqual([]);
          expect(out.blocked).toHaveLength(1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
