/**
 * GitHub audit log detections: the source code, its CI secrets and the path code takes to
 * production. Modelled: controls switched off (branch protection, rulesets, secret scanning,
 * Dependabot, 2FA/SAML, audit streaming), new ways in (owners, apps, tokens, deploy keys, runners,
 * webhooks), code leaving (public repos, transfers, mass cloning) and destruction bursts.
 *
 * Action names follow GitHub's audit log documentation; where exports or older docs spell an
 * action differently (`org.saml_disabled` / `org.disable_saml`, `*.disable` / `*.disabled`) both
 * are triggers. Each detection's default severity is its floor; hits raise it.
 */
import type { Detection, Hit, Severity } from '../types.ts';
import {
  at,
  burst,
  eventId,
  facts,
  ghAction,
  ghActor,
  ghAutomation,
  ghOrg,
  ghRepo,
  ghRepoPublic,
  ghUser,
  github,
  HOUR,
  isFields,
  objects,
  principal,
  RISK,
  rb,
  resource,
  rn,
  rs,
  rv,
  stringList,
  tally,
  timeKnown,
} from './external-helpers.ts';

const SOURCES = ['github'] as const;

/** The facts every GitHub hit carries. */
const base = (raw: unknown, action: string | undefined) => ({
  action,
  actor: ghActor(raw),
  org: ghOrg(raw),
  repo: ghRepo(raw),
});

// ---------------------------------------------------------------------------------------------
// Branch protection and rulesets
// ---------------------------------------------------------------------------------------------

/** Enforcement levels: GitHub writes names (newer) or numbers (older exports). */
function level(v: unknown): 'off' | 'non_admins' | 'everyone' | undefined {
  if (v === 0 || v === 'off' || v === '0') return 'off';
  if (v === 1 || v === 'non_admins' || v === '1') return 'non_admins';
  if (v === 2 || v === 'everyone' || v === '2') return 'everyone';
  return undefined;
}

/** Settings that PERMIT something dangerous: a level above off relaxes protection. */
const PERMISSIVE = new Set(['allow_force_pushes', 'allow_deletions']);

const PB = 'protected_branch.';
const ENFORCEMENT_ACTIONS = [
  'pull_request_reviews',
  'required_status_checks',
  'signature_requirement',
  'linear_history_requirement',
  'allow_force_pushes',
  'allow_deletions',
].map((s) => `${PB}update_${s}_enforcement_level`);

/** How a ruleset update changed it: weaker, or not (as far as the entry says). */
function rulesetWeakened(raw: unknown): string | undefined {
  const enforcement = rs(raw, 'ruleset_enforcement')?.toLowerCase();
  const old = rs(raw, 'ruleset_old_enforcement')?.toLowerCase();
  if ((enforcement === 'disabled' || enforcement === 'evaluate') && old !== enforcement) {
    return `enforcement ${old ?? '?'} → ${enforcement}`;
  }
  if (objects(raw, 'ruleset_rules_deleted').length > 0) return 'rules deleted';
  if (objects(raw, 'ruleset_bypass_actors_added').length > 0) return 'bypass actors added';
  for (const rule of objects(raw, 'ruleset_rules_updated')) {
    const before = rule.old_parameters;
    const after = rule.parameters;
    if (!isFields(before) || !isFields(after)) continue;
    for (const [k, was] of Object.entries(before)) {
      const now = after[k];
      if (was === true && now === false) return `${rs(rule, 'type') ?? 'rule'}: ${k} turned off`;
      if (typeof was === 'number' && typeof now === 'number' && now < was) {
        return `${rs(rule, 'type') ?? 'rule'}: ${k} ${was} → ${now}`;
      }
    }
  }
  return undefined;
}

const branchProtectionWeakened: Detection = {
  id: 'github.branch_protection_weakened',
  title: 'GitHub branch protection or ruleset removed, bypassed or relaxed',
  description:
    'A branch protection rule or repository ruleset was deleted, an admin overrode it to push or merge, or a ' +
    'setting was relaxed (reviews or status checks switched off or admins exempted, force pushes or deletions ' +
    'allowed, required approvals set to zero, a ruleset disabled or given new bypass actors). Protection is what ' +
    'stops one stolen account from putting code on the release branch unreviewed: a supply-chain foothold.',
  attack: ['T1195.002', 'T1562.001'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [
    `${PB}destroy`,
    `${PB}policy_override`,
    `${PB}update_admin_enforced`,
    `${PB}update_required_approving_review_count`,
    `${PB}update_require_code_owner_review`,
    `${PB}dismiss_stale_reviews`,
    `${PB}authorized_users_teams`,
    ...ENFORCEMENT_ACTIONS,
    'repository_ruleset.destroy',
    'repository_ruleset.update',
  ],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev) ?? '';
    const branch = rs(raw, 'name') ?? rs(raw, 'branch') ?? rs(raw, 'ruleset_name');
    const evidence = (change: string) => facts({ ...base(raw, action), branch_or_ruleset: branch, change });
    const entities = resource(ghRepo(raw));
    if (action === `${PB}destroy`) return at('high', evidence('protection rule deleted'), entities);
    if (action === `${PB}policy_override`)
      return at('high', evidence('protection overridden by an admin'), entities);
    if (action === 'repository_ruleset.destroy') return at('high', evidence('ruleset deleted'), entities);
    if (action === 'repository_ruleset.update') {
      const how = rulesetWeakened(raw);
      return how ? at('high', evidence(how), entities) : undefined;
    }
    const m = /^protected_branch\.update_(.+)_enforcement_level$/.exec(action);
    if (m?.[1]) {
      const setting = m[1];
      const now = level(rv(raw, `${setting}_enforcement_level`));
      if (now === undefined) return { evidence: evidence(`${setting} changed`), entities };
      const relaxed = PERMISSIVE.has(setting) ? now !== 'off' : now !== 'everyone';
      if (!relaxed) return undefined;
      const full = PERMISSIVE.has(setting) ? now === 'everyone' : now === 'off';
      return at(full ? 'high' : 'medium', evidence(`${setting} → ${now}`), entities);
    }
    if (action === `${PB}update_admin_enforced`) {
      const enforced = rb(raw, 'admin_enforced');
      if (enforced === true) return undefined;
      return enforced === false
        ? at('medium', evidence('admins exempted'), entities)
        : { evidence: evidence('admin enforcement changed'), entities };
    }
    if (action === `${PB}update_required_approving_review_count`) {
      const count = rn(raw, 'required_approving_review_count');
      return count === 0 ? at('high', evidence('required approvals → 0'), entities) : undefined;
    }
    if (action === `${PB}update_require_code_owner_review` || action === `${PB}dismiss_stale_reviews`) {
      const setting =
        action === `${PB}dismiss_stale_reviews`
          ? 'dismiss_stale_reviews_on_push'
          : 'require_code_owner_review';
      return rb(raw, setting) === false ? at('medium', evidence(`${setting} → false`), entities) : undefined;
    }
    return { evidence: evidence('push/merge allowance list changed'), entities };
  },
  cases: [
    {
      name: 'branch protection deleted on main',
      fires: true,
      records: [
        github({
          action: 'protected_branch.destroy',
          repo: 'acme-corp/payments-api',
          extra: { name: 'main' },
        }),
      ],
    },
    {
      name: 'pull request reviews switched off',
      fires: true,
      records: [
        github({
          action: 'protected_branch.update_pull_request_reviews_enforcement_level',
          repo: 'acme-corp/payments-api',
          extra: { name: 'main', pull_request_reviews_enforcement_level: 'off' },
        }),
      ],
    },
    {
      name: 'a ruleset switched from active to evaluate-only',
      fires: true,
      records: [
        github({
          action: 'repository_ruleset.update',
          repo: 'acme-corp/payments-api',
          extra: {
            ruleset_name: 'protect-main',
            ruleset_enforcement: 'evaluate',
            ruleset_old_enforcement: 'enabled',
          },
        }),
      ],
    },
    {
      name: 'status checks now enforced for everyone (tightening)',
      fires: false,
      records: [
        github({
          action: 'protected_branch.update_required_status_checks_enforcement_level',
          repo: 'acme-corp/payments-api',
          extra: { name: 'main', required_status_checks_enforcement_level: 'everyone' },
        }),
      ],
    },
    {
      name: 'a protection rule renamed',
      fires: false,
      records: [
        github({
          action: 'protected_branch.update_name',
          repo: 'acme-corp/payments-api',
          extra: { name: 'main' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Code leaving the organisation
// ---------------------------------------------------------------------------------------------

const repoMadePublic: Detection = {
  id: 'github.repo_made_public',
  title: 'GitHub repository made public (or created public)',
  description:
    'A repository’s visibility changed to public, changed in a way the entry does not specify, or a public ' +
    'repository was created in the organisation. Private code, history and any secret ever committed become ' +
    'readable by anyone; worms such as Shai-Hulud dump stolen secrets into newly created public repositories. A ' +
    'repository turned public is high, an unspecified visibility change or a new public repository medium.',
  attack: ['T1567.001', 'T1213.003'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['repo.access', 'repo.create'],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev);
    const isPublic = ghRepoPublic(raw);
    const evidence = facts({
      ...base(raw, action),
      visibility: rs(raw, 'visibility') ?? (isPublic ? 'public' : undefined),
    });
    const entities = resource(ghRepo(raw));
    if (action === 'repo.create') return isPublic === true ? { evidence, entities } : undefined;
    if (isPublic === false) return undefined;
    return isPublic === true ? at('high', evidence, entities) : { evidence, entities };
  },
  cases: [
    {
      name: 'a private repository made public',
      fires: true,
      records: [
        github({ action: 'repo.access', repo: 'acme-corp/infra-terraform', extra: { visibility: 'public' } }),
      ],
    },
    {
      name: 'a public repository created in the org',
      fires: true,
      records: [
        github({
          action: 'repo.create',
          repo: 'acme-corp/s1ngularity-repository',
          operationType: 'create',
          extra: { visibility: 'public' },
        }),
      ],
    },
    {
      name: 'a repository made private',
      fires: false,
      records: [
        github({
          action: 'repo.access',
          repo: 'acme-corp/infra-terraform',
          extra: { visibility: 'private' },
        }),
      ],
    },
    {
      name: 'a private repository created',
      fires: false,
      records: [
        github({
          action: 'repo.create',
          repo: 'acme-corp/new-service',
          operationType: 'create',
          extra: { visibility: 'private' },
        }),
      ],
    },
  ],
};

const repoTransferredOut: Detection = {
  id: 'github.repo_transferred_out',
  title: 'GitHub repository or organisation transferred out',
  description:
    'A repository (or the organisation itself) was transferred, or a transfer started, to another owner. The code ' +
    'and its history leave the organisation’s control in one step, with stars and redirects that hide the move: ' +
    'exfiltration through the platform itself. Completed transfers are high, a started one medium.',
  attack: ['T1537', 'T1567.001'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [
    'repo.transfer_outgoing',
    'repo.transfer',
    'repo.transfer_start',
    'org.transfer_outgoing',
    'org.transfer',
  ],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev);
    const evidence = facts({ ...base(raw, action), visibility: rs(raw, 'visibility') });
    return action === 'repo.transfer_start' ? { evidence } : at('high', evidence, resource(ghRepo(raw)));
  },
  cases: [
    {
      name: 'a repository transferred to another account',
      fires: true,
      records: [
        github({
          action: 'repo.transfer_outgoing',
          repo: 'acme-corp/mobile-app',
          operationType: 'transfer',
          extra: { visibility: 'private' },
        }),
      ],
    },
    {
      name: 'a repository transferred in from a member’s account',
      fires: false,
      records: [
        github({ action: 'repo.transfer_incoming', repo: 'acme-corp/prototype', operationType: 'transfer' }),
      ],
    },
  ],
};

const CLONE_WINDOW = HOUR;
const CLONES = 10;

const massClone: Detection = {
  id: 'github.mass_clone',
  title: 'Many GitHub repositories cloned or downloaded by one actor',
  description:
    'One actor cloned, fetched or downloaded an archive of ten or more distinct repositories within an hour ' +
    '(thirty is high). Bulk collection of source code is what a stolen token or a departing insider does first; ' +
    'for bots and GitHub App tokens the thresholds are five times higher, because CI legitimately clones a lot.',
  attack: ['T1213.003', 'T1567.001'],
  tactic: 'TA0009',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['git.clone', 'git.fetch', 'repo.download_zip'],
  detect(ev, ctx) {
    const raw = ev.raw;
    const actor = ghActor(raw);
    const repo = ghRepo(raw);
    if (!actor || !repo || !timeKnown(ev)) return undefined;
    const n = tally(ctx, `github.mass_clone|${actor}`, repo.toLowerCase(), ev.ocsf.time, CLONE_WINDOW);
    const scale = ghAutomation(raw) ? 5 : 1;
    if (n < CLONES * scale) return undefined;
    const evidence = facts({
      actor,
      distinct_repositories: n,
      window_minutes: 60,
      access: rs(raw, 'programmatic_access_type'),
      src_ip: rs(raw, 'actor_ip'),
    });
    return n >= 3 * CLONES * scale ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'ten repositories cloned with one token in twenty minutes',
      fires: true,
      records: burst(10, (i) =>
        github({
          action: 'git.clone',
          actor: 'bob-stone',
          repo: `acme-corp/service-${i}`,
          at: i * 120,
          operationType: 'access',
          ip: '45.142.212.61',
          extra: {
            programmatic_access_type: 'Personal access token (classic)',
            transport_protocol_name: 'http',
            repository_public: false,
          },
        }),
      ),
    },
    {
      name: 'one repository cloned ten times (a developer’s usual loop)',
      fires: false,
      records: burst(10, (i) =>
        github({
          action: 'git.clone',
          actor: 'bob-stone',
          repo: 'acme-corp/service-0',
          at: i * 120,
          seq: i,
          operationType: 'access',
        }),
      ),
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Privilege and new ways in
// ---------------------------------------------------------------------------------------------

const ADMIN_TEAM = /admin|owner/i;
const ADMIN_PERMISSION = /^(admin|owner)$/i;

function teamName(raw: unknown): string | undefined {
  return rs(raw, 'team') ?? rs(raw, 'data.team') ?? rs(raw, 'team_name');
}

const adminGranted: Detection = {
  id: 'github.admin_granted',
  title: 'GitHub owner or admin role granted',
  description:
    'Someone was made an enterprise owner (or invited as one), promoted to organisation owner, given admin on a ' +
    'repository, added to an admin/owner team or made a team maintainer. Owners control every repository, member, ' +
    'secret and setting; a new one is how an intruder keeps control. Enterprise owners and organisation owners are ' +
    'high; a role change whose direction the entry does not say, team maintainers and repository admins medium; ' +
    'moderators low.',
  attack: ['T1098.003'],
  tactic: 'TA0004',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [
    'business.add_admin',
    'business.invite_admin',
    'org.update_member',
    'team.promote_maintainer',
    'team.add_member',
    'repo.update_member',
    'organization_moderators.add_user',
  ],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev) ?? '';
    const user = ghUser(raw);
    const permission = rs(raw, 'permission') ?? rs(raw, 'role');
    const evidence = facts({ ...base(raw, action), user, permission, team: teamName(raw) });
    const entities = principal(user);
    const hit = (s: Severity): Hit => at(s, evidence, entities);
    switch (action) {
      case 'business.add_admin':
      case 'business.invite_admin':
        return hit('high');
      case 'org.update_member':
        if (permission === undefined) return hit('medium');
        return ADMIN_PERMISSION.test(permission) ? hit('high') : undefined;
      case 'repo.update_member':
        return permission && ADMIN_PERMISSION.test(permission) ? hit('medium') : undefined;
      case 'team.promote_maintainer':
        return hit('medium');
      case 'team.add_member': {
        const team = teamName(raw);
        return team && ADMIN_TEAM.test(team) ? hit('medium') : undefined;
      }
      case 'organization_moderators.add_user':
        return { evidence, entities };
      default:
        return undefined;
    }
  },
  cases: [
    {
      name: 'a member promoted to organisation owner',
      fires: true,
      records: [github({ action: 'org.update_member', extra: { user: 'bob-stone', permission: 'admin' } })],
    },
    {
      name: 'an enterprise owner added',
      fires: true,
      records: [github({ action: 'business.add_admin', extra: { user: 'mallory-x' } })],
    },
    {
      name: 'an owner demoted to member',
      fires: false,
      records: [github({ action: 'org.update_member', extra: { user: 'bob-stone', permission: 'read' } })],
    },
    {
      name: 'a member added to an ordinary team',
      fires: false,
      records: [
        github({ action: 'team.add_member', extra: { user: 'bob-stone', team: 'acme-corp/frontend' } }),
      ],
    },
  ],
};

const outsideCollaboratorAdded: Detection = {
  id: 'github.outside_collaborator_added',
  title: 'Collaborator added directly to a GitHub repository',
  description:
    'A user was added to a repository as a direct collaborator rather than through a team. Outside collaborators ' +
    'sit outside SSO and team reviews and are easy to forget at offboarding; with admin permission they can change ' +
    'every protection of the repository (medium), otherwise low.',
  attack: ['T1098'],
  tactic: 'TA0003',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: ['repo.add_member', 'org.add_outside_collaborator'],
  detect(ev) {
    const raw = ev.raw;
    const permission = rs(raw, 'permission');
    if (permission && /^(read|pull|triage)$/i.test(permission)) return undefined;
    const evidence = facts({ ...base(raw, ghAction(ev)), user: ghUser(raw), permission });
    const entities = [...principal(ghUser(raw)), ...resource(ghRepo(raw))];
    return permission && /^(admin|maintain)$/i.test(permission)
      ? at('medium', evidence, entities)
      : { evidence, entities };
  },
  cases: [
    {
      name: 'an outside account given admin on a repository',
      fires: true,
      records: [
        github({
          action: 'repo.add_member',
          repo: 'acme-corp/payments-api',
          extra: { user: 'contractor-77', permission: 'admin' },
        }),
      ],
    },
    {
      name: 'a collaborator given read access',
      fires: false,
      records: [
        github({
          action: 'repo.add_member',
          repo: 'acme-corp/docs',
          extra: { user: 'contractor-77', permission: 'read' },
        }),
      ],
    },
  ],
};

const BROAD_SCOPE =
  /^(repo|admin:.*|delete_repo|workflow|write:packages|delete:packages|site_admin|admin:enterprise|user)$/;
const SEVERE_SCOPE = /^(admin:(org|enterprise|repo_hook|org_hook)|delete_repo|site_admin)$/;

function grantedScopes(raw: unknown): string[] {
  const scopes = [...stringList(raw, 'scopes'), ...stringList(raw, 'oauth_scopes')];
  const perms = rv(raw, 'permissions') ?? rv(raw, 'permissions_added');
  if (isFields(perms)) {
    for (const [k, v] of Object.entries(perms).slice(0, 100)) {
      if (v === 'write' || v === 'admin') scopes.push(`${k}:${v}`);
    }
  }
  return scopes;
}

const appOrTokenAccessGranted: Detection = {
  id: 'github.app_or_token_access_granted',
  title: 'GitHub App installed, or OAuth app / personal access token given access',
  description:
    'A GitHub App was installed on the organisation, an OAuth app was authorised, or a personal access token ' +
    'requested or was granted access to organisation resources. Each is a credential that works without the ' +
    'user’s password, SSO or 2FA and outlives a session reset (the supply-chain route of many 2022–2025 ' +
    'incidents). An installation or broad write/admin access is medium; admin:org, delete_repo and similar high.',
  attack: ['T1098.001', 'T1528'],
  tactic: 'TA0003',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [
    'integration_installation.create',
    'oauth_authorization.create',
    'oauth_application.create',
    'personal_access_token.request_created',
    'personal_access_token.access_granted',
    'org_credential_authorization.grant',
  ],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev) ?? '';
    const scopes = grantedScopes(raw);
    const broad = scopes.filter((s) => BROAD_SCOPE.test(s) || /:(write|admin)$/.test(s));
    const evidence = facts({
      ...base(raw, action),
      integration:
        rs(raw, 'name') ??
        rs(raw, 'integration') ??
        rs(raw, 'application_name') ??
        rs(raw, 'oauth_application_name'),
      scopes: scopes.slice(0, 20).join(' ') || undefined,
      repository_selection: rs(raw, 'repository_selection'),
      token_id: rs(raw, 'token_id') ?? rn(raw, 'token_id'),
    });
    if (
      scopes.some(
        (s) => SEVERE_SCOPE.test(s) || /^administration:write$|^organization_administration:write$/.test(s),
      )
    ) {
      return at('high', evidence);
    }
    if (action === 'integration_installation.create' || broad.length > 0) return at('medium', evidence);
    return { evidence };
  },
  cases: [
    {
      name: 'an app installed on the organisation',
      fires: true,
      records: [
        github({
          action: 'integration_installation.create',
          operationType: 'create',
          extra: { name: 'CI Helper', repository_selection: 'all' },
        }),
      ],
    },
    {
      name: 'an OAuth app authorised with admin:org',
      fires: true,
      records: [
        github({
          action: 'oauth_authorization.create',
          operationType: 'create',
          extra: { scopes: ['repo', 'admin:org'], application_name: 'deploy-tool' },
        }),
      ],
    },
    {
      name: 'an app installation removed',
      fires: false,
      records: [
        github({
          action: 'integration_installation.destroy',
          operationType: 'remove',
          extra: { name: 'CI Helper' },
        }),
      ],
    },
  ],
};

const deployKeyAdded: Detection = {
  id: 'github.deploy_key_added',
  title: 'SSH deploy key (or user SSH key) added',
  description:
    'An SSH key was added: to a repository as a deploy key (medium; high when it can write) or to a user account ' +
    '(low). A deploy key authenticates pushes and clones without any user, SSO or 2FA, and survives offboarding: a ' +
    'write key is a quiet way back into the code.',
  attack: ['T1098.001'],
  tactic: 'TA0003',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: ['public_key.create', 'deploy_key.create', 'repo.add_deploy_key'],
  detect(ev) {
    const raw = ev.raw;
    const repo = ghRepo(raw);
    const readOnly = rb(raw, 'read_only');
    const evidence = facts({
      ...base(raw, ghAction(ev)),
      key_title: rs(raw, 'title'),
      fingerprint: rs(raw, 'fingerprint'),
      read_only: readOnly,
    });
    if (!repo) return { evidence };
    return at(readOnly === false ? 'high' : 'medium', evidence, resource(repo));
  },
  cases: [
    {
      name: 'a write deploy key added to a repository',
      fires: true,
      records: [
        github({
          action: 'public_key.create',
          repo: 'acme-corp/payments-api',
          operationType: 'create',
          extra: {
            title: 'ci',
            read_only: false,
            fingerprint: 'SHA256:4mK2uDQ1lT0yBgkV3c8mJxQb0kq6rUeYx9mHcG0e1aw',
          },
        }),
      ],
    },
    {
      name: 'a deploy key removed',
      fires: false,
      records: [
        github({ action: 'public_key.delete', repo: 'acme-corp/payments-api', operationType: 'remove' }),
      ],
    },
  ],
};

const selfHostedRunnerAdded: Detection = {
  id: 'github.self_hosted_runner_added',
  title: 'Self-hosted Actions runner registered',
  description:
    'A self-hosted runner was registered to a repository, organisation or enterprise, or added to a runner group. ' +
    'A runner receives jobs with their secrets and tokens; a rogue one registered by an intruder harvests them, ' +
    'and a self-hosted runner on a public repository lets anyone’s pull request run code on your machine (high).',
  attack: ['T1552', 'T1195.002'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [
    'repo.register_self_hosted_runner',
    'org.register_self_hosted_runner',
    'enterprise.register_self_hosted_runner',
    'business.register_self_hosted_runner',
    'org.runner_group_runners_added',
  ],
  detect(ev) {
    const raw = ev.raw;
    const evidence = facts({
      ...base(raw, ghAction(ev)),
      runner: rs(raw, 'runner_name') ?? rs(raw, 'name'),
      runner_group: rs(raw, 'runner_group_name'),
      public_repo: ghRepoPublic(raw),
    });
    return ghRepoPublic(raw) === true ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'a runner registered to the organisation',
      fires: true,
      records: [
        github({
          action: 'org.register_self_hosted_runner',
          operationType: 'create',
          extra: { runner_name: 'build-07', runner_id: 77 },
        }),
      ],
    },
    {
      name: 'a runner removed',
      fires: false,
      records: [
        github({
          action: 'org.remove_self_hosted_runner',
          operationType: 'remove',
          extra: { runner_name: 'build-07' },
        }),
      ],
    },
  ],
};

const webhookCreated: Detection = {
  id: 'github.webhook_created',
  title: 'GitHub webhook created or repointed',
  description:
    'A webhook was created or its configuration (URL, secret) changed. Every matching event, including push ' +
    'payloads with commit contents metadata, is then sent to that URL: a low-effort, persistent exfiltration ' +
    'channel. Organisation or enterprise hooks (all repositories) are high, repository hooks medium; deleting a ' +
    'hook is low (it may have fed a security tool).',
  attack: ['T1020', 'T1567'],
  tactic: 'TA0010',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: ['hook.create', 'hook.config_changed', 'hook.destroy'],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev);
    const evidence = facts({
      ...base(raw, action),
      url: rs(raw, 'config.url') ?? rs(raw, 'url'),
      hook_id: rs(raw, 'hook_id') ?? rn(raw, 'hook_id') ?? rn(raw, 'data.hook_id'),
      insecure_ssl: rs(raw, 'config.insecure_ssl') === '1' ? true : undefined,
    });
    if (action === 'hook.destroy') return { evidence };
    return ghRepo(raw) ? at('medium', evidence, resource(ghRepo(raw))) : at('high', evidence);
  },
  cases: [
    {
      name: 'an organisation webhook created to an outside URL',
      fires: true,
      records: [
        github({
          action: 'hook.create',
          operationType: 'create',
          extra: {
            hook_id: 401119,
            name: 'webhook',
            config: { url: 'https://collector.example.net/gh', content_type: 'json', insecure_ssl: '0' },
          },
        }),
      ],
    },
    {
      name: 'a webhook’s subscribed events changed',
      fires: false,
      records: [
        github({ action: 'hook.events_changed', repo: 'acme-corp/payments-api', extra: { hook_id: 401119 } }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Security controls switched off
// ---------------------------------------------------------------------------------------------

const SECURITY_FAMILIES = [
  'secret_scanning',
  'secret_scanning_new_repos',
  'secret_scanning_push_protection',
  'secret_scanning_push_protection_new_repos',
  'repository_secret_scanning',
  'repository_secret_scanning_push_protection',
  'repository_secret_scanning_custom_pattern_push_protection',
  'business_secret_scanning',
  'business_secret_scanning_push_protection',
  'business_secret_scanning_custom_pattern_push_protection',
  'advanced_security',
  'repository_advanced_security',
  'business_advanced_security',
  'dependabot_alerts',
  'dependabot_alerts_new_repos',
  'dependabot_security_updates',
  'dependabot_security_updates_new_repos',
  'repository_vulnerability_alerts',
  'dependency_graph',
  'dependency_graph_new_repos',
  'repository_dependency_graph',
  'code_scanning',
  'repository_code_scanning',
];
const SECURITY_VERBS = ['disable', 'disabled', 'disabled_for_new_repos'];
const ORG_SECURITY_OFF = [
  'org.advanced_security_disabled_for_new_repos',
  'org.advanced_security_disabled_on_all_repos',
  'org.advanced_security_policy_selected_member_disabled',
  'repo.advanced_security_disabled',
  'org.secret_scanning_push_protection_disable',
  'org.secret_scanning_push_protection_new_repos_disable',
  'org.secret_scanning_custom_pattern_push_protection_disabled',
  'business_advanced_security.user_namespace_repos_disabled',
  'business_advanced_security.disabled_for_new_user_namespace_repos',
];

const securityFeatureDisabled: Detection = {
  id: 'github.security_feature_disabled',
  title: 'GitHub secret scanning, push protection, Advanced Security or Dependabot disabled',
  description:
    'A code-security control was switched off for a repository, the organisation or the enterprise: secret ' +
    'scanning or push protection (secrets can then be committed and leaked unnoticed), Advanced Security or code ' +
    'scanning, Dependabot alerts or updates, the dependency graph. Switching off detection before acting is a ' +
    'classic defence-evasion step. Secret scanning, push protection and Advanced Security are high; dependency ' +
    'alerting and settings for future repositories only are medium.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [
    ...SECURITY_FAMILIES.flatMap((f) => SECURITY_VERBS.map((v) => `${f}.${v}`)),
    ...ORG_SECURITY_OFF,
  ],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev) ?? '';
    const evidence = facts({
      ...base(raw, action),
      scope: ghRepo(raw) ? 'repository' : 'organisation or enterprise',
    });
    const futureOnly = /new_repos|new_user_namespace/.test(action);
    const critical = /secret_scanning|advanced_security|code_scanning/.test(action);
    return critical && !futureOnly
      ? at('high', evidence, resource(ghRepo(raw)))
      : { evidence, entities: resource(ghRepo(raw)) };
  },
  cases: [
    {
      name: 'push protection disabled on a repository',
      fires: true,
      records: [
        github({
          action: 'repository_secret_scanning_push_protection.disable',
          repo: 'acme-corp/payments-api',
        }),
      ],
    },
    {
      name: 'Dependabot alerts disabled for all repositories (older "disabled" spelling)',
      fires: true,
      records: [github({ action: 'dependabot_alerts.disabled' })],
    },
    {
      name: 'secret scanning enabled',
      fires: false,
      records: [github({ action: 'secret_scanning.enable', repo: 'acme-corp/payments-api' })],
    },
  ],
};

const AUTH_HIGH = new Set([
  'org.disable_two_factor_requirement',
  'business.disable_two_factor_requirement',
  'org.saml_disabled',
  'org.disable_saml',
  'business.disable_saml',
  'business.saml_disabled',
  'org.disable_oauth_app_restrictions',
  'ip_allow_list.disable',
  'ip_allow_list.disable_for_installed_apps',
  'business.disable_oidc',
]);
const AUTH_MEDIUM = new Set([
  'org.update_saml_provider_settings',
  'business.update_saml_provider_settings',
  'org.saml_enabled',
  'org.enable_saml',
  'business.enable_saml',
  'ip_allow_list_entry.create',
  'ssh_certificate_requirement.disable',
]);

const orgAuthWeakened: Detection = {
  id: 'github.org_auth_weakened',
  title: 'GitHub organisation authentication weakened or SSO trust changed',
  description:
    'The organisation or enterprise stopped requiring 2FA, turned SAML SSO off, lifted OAuth app access ' +
    'restrictions, disabled the IP allow list (all high); or changed the SAML identity provider, enabled SAML, ' +
    'added an allowed address or dropped the SSH certificate requirement (medium: a new or changed IdP can sign ' +
    'anyone in, so it must be the expected one). Turning these on again is hardening and not reported.',
  attack: ['T1556', 'T1484.002'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [...AUTH_HIGH, ...AUTH_MEDIUM],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev) ?? '';
    const evidence = facts({
      ...base(raw, action),
      issuer: rs(raw, 'issuer') ?? rs(raw, 'saml_issuer'),
      allowed_address: rs(raw, 'ip_allow_list_entry') ?? rs(raw, 'allow_list_value'),
    });
    return AUTH_HIGH.has(action) ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'the org-wide 2FA requirement disabled',
      fires: true,
      records: [github({ action: 'org.disable_two_factor_requirement' })],
    },
    {
      name: 'SAML provider settings changed',
      fires: true,
      records: [
        github({
          action: 'org.update_saml_provider_settings',
          extra: { issuer: 'https://idp.partner.example/saml' },
        }),
      ],
    },
    {
      name: 'the 2FA requirement enabled',
      fires: false,
      records: [github({ action: 'org.enable_two_factor_requirement' })],
    },
  ],
};

const auditLogStreamChanged: Detection = {
  id: 'github.audit_log_stream_changed',
  title: 'GitHub audit log streaming deleted, paused or changed',
  description:
    'An enterprise audit log stream was deleted (high), or its configuration changed (medium; high when the ' +
    'entry shows it paused or disabled). The stream is how the SOC sees GitHub at all; cutting it or repointing ' +
    'it blinds detection for everything that follows.',
  attack: ['T1562.008'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['audit_log_streaming.destroy', 'audit_log_streaming.update'],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev);
    const enabled = rb(raw, 'enabled');
    const paused =
      rb(raw, 'paused') === true || /pause|disable/i.test(rs(raw, 'status') ?? '') || enabled === false;
    const evidence = facts({
      ...base(raw, action),
      stream_type: rs(raw, 'stream_type'),
      paused_or_disabled: paused || undefined,
    });
    return action === 'audit_log_streaming.destroy' || paused ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'the audit log stream deleted',
      fires: true,
      records: [
        github({
          action: 'audit_log_streaming.destroy',
          operationType: 'remove',
          extra: { stream_type: 'Amazon S3' },
        }),
      ],
    },
    {
      name: 'an audit log stream health check',
      fires: false,
      records: [
        github({
          action: 'audit_log_streaming.check',
          operationType: 'access',
          extra: { stream_type: 'Amazon S3' },
        }),
      ],
    },
  ],
};

const WORKFLOW_POLICY_SCOPES = ['org', 'repo', 'business', 'enterprise'];
const WORKFLOW_POLICIES = [
  'set_default_workflow_permissions',
  'set_workflow_permission_can_approve_pr',
  'set_actions_fork_pr_approvals_policy',
  'set_fork_pr_workflows_policy',
];

const actionsPolicyWeakened: Detection = {
  id: 'github.actions_policy_weakened',
  title: 'GitHub Actions workflow permissions or fork policy changed',
  description:
    'The default GITHUB_TOKEN permissions, the right of workflows to approve pull requests, or the policy for ' +
    'running workflows from forks was changed on an existing organisation, repository or enterprise. Write-by-default ' +
    'tokens or self-approving workflows let one compromised action or pull request push code and tamper with ' +
    'releases. Changes that grant write or PR approval are high; other changes medium; first-time settings (create) ' +
    'are not reported.',
  attack: ['T1195.002'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: WORKFLOW_POLICY_SCOPES.flatMap((s) => WORKFLOW_POLICIES.map((p) => `${s}.${p}`)),
  detect(ev) {
    const raw = ev.raw;
    if (rs(raw, 'operation_type') === 'create') return undefined;
    const permission =
      rs(raw, 'default_workflow_permissions') ?? rs(raw, 'workflow_permissions') ?? rs(raw, 'permission');
    const canApprove = rb(raw, 'can_approve_pull_request_reviews') ?? rb(raw, 'can_approve_pr');
    const evidence = facts({
      ...base(raw, ghAction(ev)),
      default_permissions: permission,
      can_approve_pull_requests: canApprove,
    });
    return /write/i.test(permission ?? '') || canApprove === true ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'default workflow token switched to write',
      fires: true,
      records: [
        github({
          action: 'org.set_default_workflow_permissions',
          extra: { default_workflow_permissions: 'write' },
        }),
      ],
    },
    {
      name: 'default workflow permissions set when the organisation was created',
      fires: false,
      records: [
        github({
          action: 'org.set_default_workflow_permissions',
          operationType: 'create',
          extra: { default_workflow_permissions: 'read' },
        }),
      ],
    },
  ],
};

const secretExposed: Detection = {
  id: 'github.secret_exposed',
  title: 'Secret committed to a GitHub repository or pushed past push protection',
  description:
    'Secret scanning found a credential in a repository (medium; high in a public repository), or a user chose ' +
    'to bypass push protection and pushed a detected secret anyway (high). A committed key is compromised from ' +
    'the moment it lands, for everyone with read access and, if public, for the bots that scrape GitHub within ' +
    'minutes: rotate it, do not just delete the commit.',
  attack: ['T1552.001'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['secret_scanning_alert.create', 'secret_scanning_push_protection.bypass'],
  detect(ev) {
    const raw = ev.raw;
    const action = ghAction(ev);
    const isPublic = ghRepoPublic(raw);
    const evidence = facts({
      ...base(raw, action),
      secret_type: rs(raw, 'secret_type') ?? rs(raw, 'secret_type_display_name'),
      alert_number: rn(raw, 'number') ?? rn(raw, 'alert_number'),
      public_repo: isPublic,
    });
    const entities = resource(ghRepo(raw));
    return action === 'secret_scanning_push_protection.bypass' || isPublic === true
      ? at('high', evidence, entities)
      : { evidence, entities };
  },
  cases: [
    {
      name: 'a developer bypasses push protection',
      fires: true,
      records: [
        github({
          action: 'secret_scanning_push_protection.bypass',
          actor: 'bob-stone',
          repo: 'acme-corp/payments-api',
          extra: { secret_type: 'aws_access_key_id', reason: 'will_fix_later' },
        }),
      ],
    },
    {
      name: 'a secret scanning alert resolved',
      fires: false,
      records: [
        github({
          action: 'secret_scanning_alert.resolve',
          repo: 'acme-corp/payments-api',
          extra: { number: 12 },
        }),
      ],
    },
  ],
};

const DISMISS_WINDOW = HOUR;
const DISMISSALS = 5;

const vulnerabilityAlertsDismissed: Detection = {
  id: 'github.vulnerability_alerts_dismissed',
  title: 'Dependabot vulnerability alerts dismissed (in bulk)',
  description:
    'A Dependabot vulnerability alert was dismissed (low: routine triage), or one actor dismissed five or more ' +
    'within an hour (medium): clearing the board hides known-exploitable dependencies from the people who would ' +
    'fix them, whether to cover a planted vulnerable version or to game a compliance report.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: ['repository_vulnerability_alert.dismiss'],
  detect(ev, ctx) {
    const raw = ev.raw;
    const actor = ghActor(raw);
    const evidence = facts({
      ...base(raw, ghAction(ev)),
      advisory: rs(raw, 'ghsa_id'),
      alert_number: rn(raw, 'alert_number'),
    });
    if (!actor || !timeKnown(ev)) return { evidence };
    const n = tally(
      ctx,
      `github.vulnerability_alerts_dismissed|${actor}`,
      eventId(ev),
      ev.ocsf.time,
      DISMISS_WINDOW,
    );
    return n >= DISMISSALS ? at('medium', { ...evidence, dismissals_in_hour: n }) : { evidence };
  },
  cases: [
    {
      name: 'five alerts dismissed in ten minutes',
      fires: true,
      records: burst(5, (i) =>
        github({
          action: 'repository_vulnerability_alert.dismiss',
          repo: `acme-corp/service-${i}`,
          at: i * 120,
          extra: { ghsa_id: `GHSA-4xqm-7c2v-${i}9rq`, alert_number: 8 + i },
        }),
      ),
    },
    {
      name: 'an alert fixed automatically',
      fires: false,
      records: [
        github({
          action: 'repository_vulnerability_alert.resolve',
          repo: 'acme-corp/service-0',
          actor: 'dependabot[bot]',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Destruction
// ---------------------------------------------------------------------------------------------

const DESTROY_WINDOW = HOUR;

const repoDeletionBurst: Detection = {
  id: 'github.repo_deletion_burst',
  title: 'GitHub repositories deleted (several by one actor)',
  description:
    'A repository was deleted (low), or one actor deleted three or more within an hour (high; ten critical). ' +
    'Bulk deletion is sabotage or an extortion step (copy, delete, demand); deleted repositories are only ' +
    'restorable for a short time.',
  attack: ['T1485'],
  tactic: 'TA0040',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: ['repo.destroy'],
  detect(ev, ctx) {
    const raw = ev.raw;
    const actor = ghActor(raw);
    const repo = ghRepo(raw);
    const evidence = facts(base(raw, ghAction(ev)));
    if (!actor || !repo || !timeKnown(ev)) return { evidence, entities: resource(repo) };
    const n = tally(
      ctx,
      `github.repo_deletion_burst|${actor}`,
      repo.toLowerCase(),
      ev.ocsf.time,
      DESTROY_WINDOW,
    );
    if (n >= 10) return at('critical', { ...evidence, repositories_deleted_in_hour: n });
    if (n >= 3) return at('high', { ...evidence, repositories_deleted_in_hour: n });
    return { evidence, entities: resource(repo) };
  },
  cases: [
    {
      name: 'three repositories deleted in five minutes',
      fires: true,
      records: ['billing', 'auth', 'ledger'].map((r, i) =>
        github({
          action: 'repo.destroy',
          actor: 'mallory-x',
          repo: `acme-corp/${r}`,
          at: i * 100,
          operationType: 'remove',
        }),
      ),
    },
    {
      name: 'a repository archived (not deleted)',
      fires: false,
      records: [github({ action: 'repo.archived', repo: 'acme-corp/legacy-site' })],
    },
  ],
};

const REMOVAL_WINDOW = HOUR;
const REMOVALS = 5;

const memberRemovalBurst: Detection = {
  id: 'github.member_removal_burst',
  title: 'Many GitHub members or collaborators removed by one actor',
  description:
    'One actor removed five or more distinct members or collaborators from the organisation or its repositories ' +
    'within an hour. Locking the owners and responders out is how an intruder who took an owner account keeps ' +
    'it, and how a saboteur stops the clean-up.',
  attack: ['T1531'],
  tactic: 'TA0040',
  severity: 'high',
  risk: RISK.high,
  sources: [...SOURCES],
  triggers: [
    'org.remove_member',
    'org.remove_outside_collaborator',
    'repo.remove_member',
    'business.remove_member',
    'team.remove_member',
  ],
  detect(ev, ctx) {
    const raw = ev.raw;
    const actor = ghActor(raw);
    const user = ghUser(raw);
    if (!actor || !user || !timeKnown(ev)) return undefined;
    const n = tally(
      ctx,
      `github.member_removal_burst|${actor}`,
      user.toLowerCase(),
      ev.ocsf.time,
      REMOVAL_WINDOW,
    );
    if (n < REMOVALS) return undefined;
    return { evidence: facts({ ...base(raw, ghAction(ev)), distinct_users_removed: n, latest_user: user }) };
  },
  cases: [
    {
      name: 'five owners removed in ten minutes',
      fires: true,
      records: ['ann', 'ben', 'cy', 'dee', 'eve'].map((u, i) =>
        github({
          action: 'org.remove_member',
          actor: 'mallory-x',
          at: i * 120,
          operationType: 'remove',
          extra: { user: `${u}-acme` },
        }),
      ),
    },
    {
      name: 'two leavers removed',
      fires: false,
      records: ['ann', 'ben'].map((u, i) =>
        github({
          action: 'org.remove_member',
          at: i * 120,
          operationType: 'remove',
          extra: { user: `${u}-acme` },
        }),
      ),
    },
  ],
};

export const GITHUB_DETECTIONS: readonly Detection[] = [
  branchProtectionWeakened,
  repoMadePublic,
  repoTransferredOut,
  massClone,
  adminGranted,
  outsideCollaboratorAdded,
  appOrTokenAccessGranted,
  deployKeyAdded,
  selfHostedRunnerAdded,
  webhookCreated,
  securityFeatureDisabled,
  orgAuthWeakened,
  auditLogStreamChanged,
  actionsPolicyWeakened,
  secretExposed,
  vulnerabilityAlertsDismissed,
  repoDeletionBurst,
  memberRemovalBurst,
];
