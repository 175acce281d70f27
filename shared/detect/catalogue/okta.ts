/**
 * Okta System Log detections: the identity provider is the front door to every SaaS app and to
 * AWS (SSO), so its admin plane and its sign-in stream are both modelled here: who gained admin,
 * who weakened authentication (factors, policies, federation, zones), who is guessing passwords or
 * pushing MFA prompts, and whose session is being replayed from somewhere else.
 *
 * Each detection's default severity is its floor; hits raise it for the worse variants.
 */
import { passwordShaped } from '../../normalise/secret-shape.ts';
import type { Detection } from '../types.ts';
import {
  at,
  burst,
  eventId,
  facts,
  HOUR,
  MINUTE,
  OKTA_PEOPLE,
  OKTA_PLACES,
  type OktaEntity,
  OTHER_UA,
  okta,
  oktaActor,
  oktaBehaviours,
  oktaCountry,
  oktaDebugText,
  oktaFailed,
  oktaIp,
  oktaKey,
  oktaReason,
  oktaResult,
  oktaSession,
  oktaTargets,
  oktaTargetsOf,
  oktaType,
  oktaUserAgent,
  peek,
  principal,
  RISK,
  rb,
  rn,
  rs,
  sameOktaEntity,
  tally,
  timeKnown,
  userTarget,
} from './external-helpers.ts';

const SOURCES = ['okta'] as const;
const { admin, helpdesk, alice, bob } = OKTA_PEOPLE;
const { office, home, abroad, vps } = OKTA_PLACES;

const who = (e: OktaEntity): string | undefined => e.alternateId ?? e.displayName ?? e.id;

// ---------------------------------------------------------------------------------------------
// Privilege
// ---------------------------------------------------------------------------------------------

const SUPER_ADMIN = /super\s*admin|SUPER_ADMIN/i;

const adminRoleGranted: Detection = {
  id: 'okta.admin_role_granted',
  title: 'Okta admin role granted to a user or group',
  description:
    'An administrator role (or a custom role binding) was granted in Okta. Whoever holds Okta admin can reset ' +
    'anyone’s password and factors, add identity providers and sign in to every federated app, AWS included, so ' +
    'a new admin is the first thing an intruder who reached the admin console creates. Super administrator and ' +
    'grants to a whole group are critical/high; an attempt that Okta refused is still reported, at medium, because ' +
    'someone tried.',
  attack: ['T1098.003'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['user.account.privilege.grant', 'group.privilege.grant', 'iam.resourceset.bindings.add'],
  detect(ev) {
    const raw = ev.raw;
    const type = oktaType(ev);
    const actor = oktaActor(raw);
    const granted = oktaDebugText(raw, 'privilegeGranted') ?? rs(raw, 'displayMessage');
    const user = oktaTargetsOf(raw, 'User')[0];
    const group = oktaTargetsOf(raw, 'UserGroup', 'Group')[0];
    const evidence = facts({
      event_type: type,
      granted_by: who(actor),
      target_user: user ? who(user) : undefined,
      target_group: group ? who(group) : undefined,
      privileges: granted,
      outcome: oktaResult(raw),
      self_grant: user ? sameOktaEntity(actor, user) : undefined,
    });
    const entities = principal(user?.id);
    if (oktaFailed(raw)) return { evidence, entities };
    return at(granted && SUPER_ADMIN.test(granted) ? 'critical' : 'high', evidence, entities);
  },
  cases: [
    {
      name: 'an admin grants Super administrator to a user',
      fires: true,
      records: [
        okta({
          eventType: 'user.account.privilege.grant',
          displayMessage: 'Grant user privilege',
          legacyEventType: 'core.user.admin_privilege.granted',
          target: [userTarget(alice)],
          debugData: {
            privilegeGranted: 'Super administrator',
            requestUri: '/api/internal/administrators/00u3alce2VbTqW8d7',
          },
        }),
      ],
    },
    {
      name: 'an admin role is granted to a group',
      fires: true,
      records: [
        okta({
          eventType: 'group.privilege.grant',
          displayMessage: 'Group Privilege granted',
          target: [
            { id: '00g9contractors', type: 'UserGroup', alternateId: 'unknown', displayName: 'Contractors' },
          ],
          debugData: { privilegeGranted: 'Help Desk administrator' },
        }),
      ],
    },
    {
      name: 'admin privileges revoked from a user (not a grant)',
      fires: false,
      records: [
        okta({
          eventType: 'user.account.privilege.revoke',
          displayMessage: 'Revoke user privilege',
          target: [userTarget(alice)],
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Authentication weakened: factors, authenticators, policies, federation, zones
// ---------------------------------------------------------------------------------------------

const PASSWORD_RESET = new Set(['user.account.reset_password', 'user.account.update_password']);
const RESET_WINDOW = HOUR;
const resetKey = (target: string) => `okta.mfa_factors_reset|pw|${target}`;

const mfaFactorsReset: Detection = {
  id: 'okta.mfa_factors_reset',
  title: 'MFA factors reset, removed or suspended for an Okta user',
  description:
    'A user’s MFA factors were reset, deactivated or suspended. Removing a victim’s factors lets whoever holds the ' +
    'password enrol their own device at the next sign-in: the help-desk social-engineering takeover (call in as the ' +
    'user, get the password and MFA reset) shows as an admin resetting both for the same user within the hour, which ' +
    'is reported high. A factor deactivated or all factors reset is medium whoever did it (a hijacked session ' +
    'removing the victim’s factor looks like self-service); a suspension is medium when done to someone else, low ' +
    'when a user suspends their own.',
  attack: ['T1556.006', 'T1098'],
  tactic: 'TA0006',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [
    'user.mfa.factor.reset_all',
    'user.mfa.factor.deactivate',
    'user.mfa.factor.suspend',
    // Seen only to remember a recent password reset by someone else.
    ...PASSWORD_RESET,
  ],
  detect(ev, ctx) {
    const raw = ev.raw;
    const type = oktaType(ev) ?? '';
    if (oktaFailed(raw)) return undefined;
    const actor = oktaActor(raw);
    const target = oktaTargetsOf(raw, 'User')[0];
    const targetKey = oktaKey(target) ?? oktaKey(actor);
    const byOther = target !== undefined && !sameOktaEntity(actor, target);
    if (PASSWORD_RESET.has(type)) {
      if (byOther && targetKey && timeKnown(ev)) {
        tally(ctx, resetKey(targetKey), eventId(ev), ev.ocsf.time, RESET_WINDOW);
      }
      return undefined;
    }
    const recentReset =
      byOther && targetKey && timeKnown(ev) ? peek(ctx, resetKey(targetKey), ev.ocsf.time, RESET_WINDOW) : 0;
    const evidence = facts({
      event_type: type,
      actor: who(actor),
      target_user: target ? who(target) : who(actor),
      by_another_user: byOther,
      reason: oktaReason(raw),
      password_reset_within_hour: recentReset > 0 ? true : undefined,
    });
    const entities = principal(target?.id);
    if (recentReset > 0) return at('high', evidence, entities);
    if (type !== 'user.mfa.factor.suspend' || byOther) return at('medium', evidence, entities);
    return { evidence, entities };
  },
  cases: [
    {
      name: 'help desk resets a user’s password, then all of their factors',
      fires: true,
      records: [
        okta({
          eventType: 'user.account.reset_password',
          displayMessage: "Fired when the user's Okta password is reset",
          actor: helpdesk,
          target: [userTarget(bob)],
        }),
        okta({
          eventType: 'user.mfa.factor.reset_all',
          displayMessage: 'Reset all factors for user',
          actor: helpdesk,
          target: [userTarget(bob)],
          at: 240,
        }),
      ],
    },
    {
      name: 'an admin deactivates another user’s Okta Verify factor',
      fires: true,
      records: [
        okta({
          eventType: 'user.mfa.factor.deactivate',
          displayMessage: 'Reset factor for user',
          actor: admin,
          target: [userTarget(alice)],
          reason: 'User reset OKTA_VERIFY_PUSH factor',
        }),
      ],
    },
    {
      name: 'a factor deactivation that Okta refused',
      fires: false,
      records: [
        okta({
          eventType: 'user.mfa.factor.deactivate',
          displayMessage: 'Reset factor for user',
          actor: admin,
          target: [userTarget(alice)],
          result: 'FAILURE',
          reason: 'INSUFFICIENT_PERMISSIONS',
        }),
      ],
    },
    {
      name: 'a password reset alone',
      fires: false,
      records: [
        okta({
          eventType: 'user.account.reset_password',
          displayMessage: "Fired when the user's Okta password is reset",
          actor: helpdesk,
          target: [userTarget(bob)],
        }),
      ],
    },
  ],
};

const orgAuthenticatorDisabled: Detection = {
  id: 'okta.org_authenticator_disabled',
  title: 'MFA factor type or authenticator disabled for the whole Okta org',
  description:
    'An administrator deactivated an MFA factor type or authenticator for the entire organisation. Policies that ' +
    'required it fall back to whatever remains (often password only or SMS), which weakens every sign-in at once; ' +
    'an intruder does this to keep a stolen password usable.',
  attack: ['T1556.006', 'T1562.001'],
  tactic: 'TA0005',
  severity: 'high',
  risk: RISK.high,
  sources: [...SOURCES],
  triggers: ['system.mfa.factor.deactivate', 'security.authenticator.lifecycle.deactivate'],
  detect(ev) {
    const raw = ev.raw;
    if (oktaFailed(raw)) return undefined;
    const targets = oktaTargets(raw);
    return {
      evidence: facts({
        event_type: oktaType(ev),
        actor: who(oktaActor(raw)),
        authenticator: targets[0] ? who(targets[0]) : undefined,
      }),
    };
  },
  cases: [
    {
      name: 'Okta Verify deactivated as an authenticator for the org',
      fires: true,
      records: [
        okta({
          eventType: 'security.authenticator.lifecycle.deactivate',
          displayMessage: 'Deactivate Authenticator',
          target: [
            {
              id: 'aut1okv0dvaMzQRe5d7',
              type: 'Authenticator',
              alternateId: 'unknown',
              displayName: 'Okta Verify',
            },
          ],
        }),
      ],
    },
    {
      name: 'an authenticator activated for the org',
      fires: false,
      records: [
        okta({
          eventType: 'security.authenticator.lifecycle.activate',
          displayMessage: 'Activate Authenticator',
          target: [
            {
              id: 'aut1okv0dvaMzQRe5d7',
              type: 'Authenticator',
              alternateId: 'unknown',
              displayName: 'Okta Verify',
            },
          ],
        }),
      ],
    },
  ],
};

const SENSITIVE_POLICY_TYPE =
  /OKTA_SIGN_ON|MFA_ENROLL|ACCESS_POLICY|PASSWORD|IDP_DISCOVERY|PROFILE_ENROLLMENT/i;
const SENSITIVE_POLICY_NAME =
  /mfa|multi.?factor|sign.?on|authenticat|global session|password|admin console|2fa/i;

function policyDetails(raw: unknown): { name?: string; type?: string } {
  const policy = oktaTargets(raw).find((t) => /Policy/i.test(t.type ?? '')) ?? oktaTargets(raw)[0];
  const policyType =
    rs(policy?.detailEntry, 'policyType') ??
    oktaTargets(raw)
      .map((t) => rs(t.detailEntry, 'policyType'))
      .find((v) => v !== undefined);
  const out: { name?: string; type?: string } = {};
  const name = policy ? (policy.displayName ?? policy.alternateId) : undefined;
  if (name) out.name = name;
  if (policyType) out.type = policyType;
  return out;
}

const authPolicyWeakened: Detection = {
  id: 'okta.auth_policy_weakened',
  title: 'Okta sign-on, MFA or password policy (or rule) deactivated, deleted or changed',
  description:
    'A policy or policy rule was deactivated, deleted or updated. Sign-on, MFA-enrolment, app access and password ' +
    'policies decide who must present which factor from where; switching one off or deleting a rule silently drops ' +
    'users to a weaker default. Deactivation or deletion of an authentication policy is high, of another policy ' +
    'medium; updates are low because the log does not say what changed.',
  attack: ['T1556.006', 'T1562.001'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [
    'policy.lifecycle.deactivate',
    'policy.lifecycle.delete',
    'policy.lifecycle.update',
    'policy.rule.deactivate',
    'policy.rule.delete',
    'policy.rule.update',
    'application.policy.sign_on.update',
    'application.policy.sign_on.rule.delete',
  ],
  detect(ev) {
    const raw = ev.raw;
    if (oktaFailed(raw)) return undefined;
    const type = oktaType(ev) ?? '';
    const policy = policyDetails(raw);
    const sensitive =
      type.startsWith('application.policy.sign_on') ||
      (policy.type !== undefined && SENSITIVE_POLICY_TYPE.test(policy.type)) ||
      (policy.name !== undefined && SENSITIVE_POLICY_NAME.test(policy.name));
    const evidence = facts({
      event_type: type,
      actor: who(oktaActor(raw)),
      policy: policy.name,
      policy_type: policy.type,
      authentication_policy: sensitive,
    });
    const removal = /\.(deactivate|delete)$/.test(type);
    if (removal) return at(sensitive ? 'high' : 'medium', evidence);
    return { evidence };
  },
  cases: [
    {
      name: 'the MFA rule of the global session policy is deactivated',
      fires: true,
      records: [
        okta({
          eventType: 'policy.rule.deactivate',
          displayMessage: 'Deactivate policy rule',
          target: [
            {
              id: '0pr1mfarule9Xz5d7',
              type: 'PolicyRule',
              alternateId: 'unknown',
              displayName: 'Require MFA everywhere',
              detailEntry: { policyType: 'OKTA_SIGN_ON' },
            },
            {
              id: '00p1glblsess5d7',
              type: 'PolicyEntity',
              alternateId: 'unknown',
              displayName: 'Default Policy',
            },
          ],
        }),
      ],
    },
    {
      name: 'a policy is activated (strengthening, not weakening)',
      fires: false,
      records: [
        okta({
          eventType: 'policy.lifecycle.activate',
          displayMessage: 'Activate policy',
          target: [
            {
              id: '00p1glblsess5d7',
              type: 'PolicyEntity',
              alternateId: 'unknown',
              displayName: 'Default Policy',
              detailEntry: { policyType: 'OKTA_SIGN_ON' },
            },
          ],
        }),
      ],
    },
  ],
};

const isOrg2Org = (raw: unknown): boolean =>
  oktaTargetsOf(raw, 'AppInstance').some((t) =>
    /org2org/i.test(`${t.alternateId ?? ''} ${t.displayName ?? ''} ${rs(t.detailEntry, 'appName') ?? ''}`),
  );

const federationTrustChanged: Detection = {
  id: 'okta.federation_trust_changed',
  title: 'Identity provider or Org2Org federation added or changed in Okta',
  description:
    'An inbound identity provider was created, activated or modified, or an Org2Org app (which lets another Okta ' +
    'org sign users in, or pushes users to it) was created or changed. A rogue IdP lets its owner sign in as any ' +
    'user it chooses without their password or factors: the known Okta-tenant takeover move after admin access. ' +
    'New or modified IdPs are high; Org2Org updates medium.',
  attack: ['T1484.002'],
  tactic: 'TA0004',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [
    'system.idp.lifecycle.create',
    'system.idp.lifecycle.update',
    'system.idp.lifecycle.activate',
    'application.lifecycle.create',
    'application.lifecycle.update',
    'application.lifecycle.activate',
  ],
  detect(ev) {
    const raw = ev.raw;
    if (oktaFailed(raw)) return undefined;
    const type = oktaType(ev) ?? '';
    const target = oktaTargets(raw)[0];
    const evidence = facts({
      event_type: type,
      actor: who(oktaActor(raw)),
      trust: target ? who(target) : undefined,
      trust_type: target?.type,
    });
    if (type.startsWith('system.idp.')) return at('high', evidence);
    if (!isOrg2Org(raw)) return undefined;
    return type === 'application.lifecycle.update' ? { evidence } : at('high', evidence);
  },
  cases: [
    {
      name: 'a new SAML identity provider is created',
      fires: true,
      records: [
        okta({
          eventType: 'system.idp.lifecycle.create',
          displayMessage: 'Create Identity Provider',
          target: [
            {
              id: '0oa9idpxyz5d7',
              type: 'IdentityProvider',
              alternateId: 'unknown',
              displayName: 'Partner SSO',
            },
          ],
        }),
      ],
    },
    {
      name: 'an Org2Org app is created',
      fires: true,
      records: [
        okta({
          eventType: 'application.lifecycle.create',
          displayMessage: 'Add application',
          target: [
            {
              id: '0oa7o2o0bQ5d7',
              type: 'AppInstance',
              alternateId: 'Okta Org2Org',
              displayName: 'Okta Org2Org',
              detailEntry: { signOnModeType: 'SAML_2_0' },
            },
          ],
        }),
      ],
    },
    {
      name: 'an ordinary SAML app is updated',
      fires: false,
      records: [
        okta({
          eventType: 'application.lifecycle.update',
          displayMessage: 'Update application',
          target: [
            {
              id: '0oa3slack5d7',
              type: 'AppInstance',
              alternateId: 'Slack',
              displayName: 'Slack',
              detailEntry: { signOnModeType: 'SAML_2_0' },
            },
          ],
        }),
      ],
    },
  ],
};

const networkZoneChanged: Detection = {
  id: 'okta.network_zone_changed',
  title: 'Okta network zone changed, deleted or unblocked',
  description:
    'A network zone was created, updated, deactivated, deleted or taken off the blocklist. Zones feed sign-on ' +
    'policy (a "trusted" zone often skips MFA) and block lists (ThreatInsight exemptions, country and ASN blocks): ' +
    'adding an address to a trusted zone or removing a block opens the door for an outsider. Removals are high, ' +
    'updates medium, new or activated zones low.',
  attack: ['T1562.007', 'T1556'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [
    'zone.create',
    'zone.update',
    'zone.activate',
    'zone.deactivate',
    'zone.delete',
    'zone.remove_blacklist',
  ],
  detect(ev) {
    const raw = ev.raw;
    if (oktaFailed(raw)) return undefined;
    const type = oktaType(ev) ?? '';
    const zone = oktaTargets(raw)[0];
    const evidence = facts({
      event_type: type,
      actor: who(oktaActor(raw)),
      zone: zone ? who(zone) : undefined,
    });
    if (type === 'zone.delete' || type === 'zone.deactivate' || type === 'zone.remove_blacklist') {
      return at('high', evidence);
    }
    if (type === 'zone.update') return at('medium', evidence);
    return { evidence };
  },
  cases: [
    {
      name: 'the blocklist zone is deactivated',
      fires: true,
      records: [
        okta({
          eventType: 'zone.deactivate',
          displayMessage: 'Network zone deactivate',
          target: [
            { id: 'nzo1blocked5d7', type: 'Zone', alternateId: 'unknown', displayName: 'BlockedIpZone' },
          ],
        }),
      ],
    },
    {
      name: 'a zone is marked as a blocklist (tightening)',
      fires: false,
      records: [
        okta({
          eventType: 'zone.make_blacklist',
          displayMessage: 'Network zone mark as blacklist',
          target: [{ id: 'nzo1tor5d7', type: 'Zone', alternateId: 'unknown', displayName: 'Tor exit nodes' }],
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Credentials and support access
// ---------------------------------------------------------------------------------------------

const apiTokenCreated: Detection = {
  id: 'okta.api_token_created',
  title: 'Okta API token created',
  description:
    'An SSWS API token was created. A token acts with its creator’s admin rights, is not subject to MFA or sign-on ' +
    'policy and lives until revoked or unused for 30 days: an intruder with admin access mints one to keep access ' +
    'after the password and sessions are reset.',
  attack: ['T1098.001'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['system.api_token.create'],
  detect(ev) {
    const raw = ev.raw;
    if (oktaFailed(raw)) return undefined;
    const token = oktaTargetsOf(raw, 'Token')[0] ?? oktaTargets(raw)[0];
    return {
      evidence: facts({
        actor: who(oktaActor(raw)),
        token_name: token?.displayName,
        token_id: token?.id,
        network_zone: oktaDebugText(raw, 'networkZone'),
      }),
    };
  },
  cases: [
    {
      name: 'an admin creates an API token',
      fires: true,
      records: [
        okta({
          eventType: 'system.api_token.create',
          displayMessage: 'Create API token',
          legacyEventType: 'api.token.create',
          target: [
            { id: '00T1bjatrp6Nl1dOc5d7', type: 'Token', alternateId: 'unknown', displayName: 'backup-sync' },
          ],
        }),
      ],
    },
    {
      name: 'an API token is revoked',
      fires: false,
      records: [
        okta({
          eventType: 'system.api_token.revoke',
          displayMessage: 'Revoke API token',
          target: [
            { id: '00T1bjatrp6Nl1dOc5d7', type: 'Token', alternateId: 'unknown', displayName: 'backup-sync' },
          ],
        }),
      ],
    },
  ],
};

const OKTA_SYSTEM = /^system@okta\.com$/i;

const supportAccess: Detection = {
  id: 'okta.support_access',
  title: 'Okta support impersonation granted or used, or a reset performed by Okta itself',
  description:
    'Okta support access was granted or extended by an admin, an Okta support engineer started an impersonation ' +
    'session, or a password was reset by Okta’s own system account. Support access is a trusted third party acting ' +
    'inside the tenant (the 2023 support-system breach went this way); each use should match an open support case. ' +
    'A started impersonation is high, a grant or extension medium.',
  attack: ['T1199'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [
    'user.session.impersonation.grant',
    'user.session.impersonation.extend',
    'user.session.impersonation.initiate',
    'user.account.reset_password',
  ],
  detect(ev) {
    const raw = ev.raw;
    if (oktaFailed(raw)) return undefined;
    const type = oktaType(ev) ?? '';
    const actor = oktaActor(raw);
    const target = oktaTargetsOf(raw, 'User')[0];
    const evidence = facts({
      event_type: type,
      actor: who(actor),
      target_user: target ? who(target) : undefined,
    });
    if (type === 'user.account.reset_password') {
      return OKTA_SYSTEM.test(actor.alternateId ?? '')
        ? { evidence, entities: principal(target?.id) }
        : undefined;
    }
    if (type === 'user.session.impersonation.initiate') return at('high', evidence);
    return { evidence };
  },
  cases: [
    {
      name: 'a super admin grants Okta support access',
      fires: true,
      records: [
        okta({
          eventType: 'user.session.impersonation.grant',
          displayMessage: 'Enable impersonation grant',
          legacyEventType: 'core.user.impersonation.grant.enabled',
          target: [userTarget(admin)],
        }),
      ],
    },
    {
      name: 'a company admin resets a user’s password',
      fires: false,
      records: [
        okta({
          eventType: 'user.account.reset_password',
          displayMessage: "Fired when the user's Okta password is reset",
          actor: helpdesk,
          target: [userTarget(bob)],
        }),
      ],
    },
  ],
};

const passwordRevealedForOther: Detection = {
  id: 'okta.app_password_revealed_for_other_user',
  title: 'Okta app password revealed for another user',
  description:
    'Someone displayed the stored password of a Secure Web Authentication (SWA) app assignment that belongs to a ' +
    'different user. Okta vaults these credentials; reading another person’s is credential theft from a password ' +
    'store, unless it is a shared team account.',
  attack: ['T1555'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['application.user_membership.show_password'],
  detect(ev) {
    const raw = ev.raw;
    if (oktaFailed(raw)) return undefined;
    const actor = oktaActor(raw);
    const owner = oktaTargetsOf(raw, 'User')[0];
    const appUser = oktaTargetsOf(raw, 'AppUser')[0];
    const foreign = owner
      ? !sameOktaEntity(actor, owner)
      : appUser?.alternateId !== undefined &&
        appUser.alternateId.toLowerCase() !== actor.alternateId?.toLowerCase();
    if (!foreign) return undefined;
    const app = oktaTargetsOf(raw, 'AppInstance')[0];
    return {
      evidence: facts({
        actor: who(actor),
        password_owner: owner ? who(owner) : appUser ? who(appUser) : undefined,
        app: app ? who(app) : undefined,
      }),
      entities: principal(owner?.id),
    };
  },
  cases: [
    {
      name: 'a user views the SWA password of a colleague',
      fires: true,
      records: [
        okta({
          eventType: 'application.user_membership.show_password',
          displayMessage: 'Show user password for application',
          actor: alice,
          target: [
            { id: '0ua6bobpayroll5d7', type: 'AppUser', alternateId: bob.login, displayName: bob.name },
            {
              id: '0oa5payroll5d7',
              type: 'AppInstance',
              alternateId: 'Payroll (SWA)',
              displayName: 'Payroll (SWA)',
            },
            userTarget(bob),
          ],
        }),
      ],
    },
    {
      name: 'a user views their own SWA password',
      fires: false,
      records: [
        okta({
          eventType: 'application.user_membership.show_password',
          displayMessage: 'Show user password for application',
          actor: alice,
          target: [
            { id: '0ua6alcpayroll5d7', type: 'AppUser', alternateId: 'Alice Green', displayName: alice.name },
            {
              id: '0oa5payroll5d7',
              type: 'AppInstance',
              alternateId: 'Payroll (SWA)',
              displayName: 'Payroll (SWA)',
            },
            userTarget(alice),
          ],
        }),
      ],
    },
  ],
};

const oauthTokenReuse: Detection = {
  id: 'okta.oauth_token_reuse',
  title: 'OAuth refresh token reuse detected by Okta',
  description:
    'Okta saw a rotated refresh token presented a second time. With rotation on, only one party should ever hold ' +
    'the current token: a replay means a copy was stolen (from a device, a log or a browser) and is being used ' +
    'alongside the legitimate client. Okta revokes the token family; the source of the copy still needs finding.',
  attack: ['T1528', 'T1550.001'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['app.oauth2.token.detect_reuse', 'app.oauth2.as.token.detect_reuse'],
  detect(ev) {
    const raw = ev.raw;
    const client = oktaActor(raw);
    const user = oktaTargetsOf(raw, 'User')[0];
    return {
      evidence: facts({
        client: who(client),
        user: user ? who(user) : oktaDebugText(raw, 'userId'),
        grant_type: oktaDebugText(raw, 'grantType'),
      }),
      entities: principal(user?.id ?? oktaDebugText(raw, 'userId')),
    };
  },
  cases: [
    {
      name: 'a refresh token is replayed',
      fires: true,
      records: [
        okta({
          eventType: 'app.oauth2.token.detect_reuse',
          displayMessage: 'Token Reuse',
          actor: {
            id: '0oa8portal5d7',
            type: 'PublicClientApp',
            alternateId: '0oa8portal5d7',
            displayName: 'Portal',
          },
          target: [{ id: alice.id, type: 'User', alternateId: alice.login, displayName: alice.name }],
          debugData: { grantType: 'refresh_token', userId: alice.id },
        }),
      ],
    },
    {
      name: 'an ordinary authorization code request',
      fires: false,
      records: [
        okta({
          eventType: 'app.oauth2.authorize.code',
          displayMessage: 'OIDC authorization code request',
          actor: {
            id: '0oa8portal5d7',
            type: 'PublicClientApp',
            alternateId: '0oa8portal5d7',
            displayName: 'Portal',
          },
          target: [{ id: alice.id, type: 'User', alternateId: alice.login, displayName: alice.name }],
        }),
      ],
    },
  ],
};

/** Okta management scopes (`okta.users.manage`); `.self` variants act only on the caller. */
const MANAGE_SCOPE = /^okta\.[A-Za-z]+\.manage$/;
const TAKEOVER_SCOPE = /^okta\.(users|factors|roles|idps|policies|authenticators|apiTokens|orgs)\.manage$/;
const SCOPE_MEMORY = 24 * HOUR;

const adminScopeTokenGranted: Detection = {
  id: 'okta.admin_scope_token_granted',
  title: 'Okta service app obtained a management-scope access token',
  description:
    'A service application obtained an access token for the Okta management API through the client-credentials ' +
    'grant with okta.*.manage scopes, for the first time in 24 hours for that app and scope set. Such a token has ' +
    'no user behind it: it is org-wide admin access that MFA, sign-on policy and session resets do not touch, and ' +
    'a key added to an existing service app is a quiet persistence route. Users, factors, roles, IdPs, policies ' +
    'and authenticators scopes are high.',
  attack: ['T1550.001', 'T1098.001'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['app.oauth2.token.grant.access_token'],
  detect(ev, ctx) {
    const raw = ev.raw;
    if (oktaFailed(raw) || oktaDebugText(raw, 'grantType') !== 'client_credentials') return undefined;
    const scopes = (oktaDebugText(raw, 'grantedScopes') ?? '')
      .split(/[\s,]+/)
      .filter((x) => MANAGE_SCOPE.test(x))
      .sort();
    if (scopes.length === 0) return undefined;
    const app = oktaActor(raw);
    const appKey = app.id ?? oktaKey(app);
    if (appKey && timeKnown(ev)) {
      const key = `okta.admin_scope_token_granted|${appKey}`;
      const before = peek(ctx, key, ev.ocsf.time, SCOPE_MEMORY);
      if (tally(ctx, key, scopes.join(' '), ev.ocsf.time, SCOPE_MEMORY) === before) return undefined;
    }
    const evidence = facts({
      service_app: who(app),
      scopes: scopes.join(' '),
      client_auth: oktaDebugText(raw, 'clientAuthType'),
      src_ip: oktaIp(raw),
    });
    return scopes.some((x) => TAKEOVER_SCOPE.test(x)) ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'a service app gets a token that can manage users and factors',
      fires: true,
      records: [
        okta({
          eventType: 'app.oauth2.token.grant.access_token',
          displayMessage: 'OAuth2 access token is granted',
          actor: {
            id: '0oa6svcsync5d7',
            type: 'PublicClientApp',
            alternateId: '0oa6svcsync5d7',
            displayName: 'HR sync',
          },
          place: vps,
          ua: 'python-requests/2.31.0',
          debugData: {
            grantType: 'client_credentials',
            grantedScopes: 'okta.users.manage, okta.factors.manage',
            clientAuthType: 'private_key_jwt',
          },
        }),
      ],
    },
    {
      name: 'the same app and scopes an hour later (already reported)',
      fires: false,
      records: burst(2, (i) =>
        okta({
          eventType: 'app.oauth2.token.grant.access_token',
          displayMessage: 'OAuth2 access token is granted',
          actor: {
            id: '0oa6svcsync5d7',
            type: 'PublicClientApp',
            alternateId: '0oa6svcsync5d7',
            displayName: 'HR sync',
          },
          at: i * 3600,
          seq: i,
          debugData: { grantType: 'client_credentials', grantedScopes: 'okta.users.manage' },
        }),
      ),
    },
    {
      name: 'a user signs in to an app with read-only self scopes',
      fires: false,
      records: [
        okta({
          eventType: 'app.oauth2.token.grant.access_token',
          displayMessage: 'OAuth2 access token is granted',
          actor: alice,
          debugData: {
            grantType: 'authorization_code',
            grantedScopes: 'openid, profile, okta.users.manage.self',
          },
        }),
      ],
    },
  ],
};

const UNAUTH_WINDOW = 30 * MINUTE;
const UNAUTH_ATTEMPTS = 5;

const unauthorizedAppAccess: Detection = {
  id: 'okta.unauthorized_app_access_burst',
  title: 'Repeated attempts to open Okta apps the user is not assigned to',
  description:
    'One user tried five or more times within 30 minutes to open applications they are not assigned to. Single ' +
    'attempts are stale bookmarks; a run of them is someone walking the app catalogue with a user’s session, ' +
    'looking for what the account can reach.',
  attack: ['T1526', 'T1078.004'],
  tactic: 'TA0007',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['app.generic.unauth_app_access_attempt'],
  detect(ev, ctx) {
    const raw = ev.raw;
    const user = oktaKey(oktaActor(raw));
    if (!user || !timeKnown(ev)) return undefined;
    const key = `okta.unauthorized_app_access_burst|${user}`;
    const n = tally(ctx, key, eventId(ev), ev.ocsf.time, UNAUTH_WINDOW);
    const app = oktaTargetsOf(raw, 'AppInstance')[0];
    const apps = app ? tally(ctx, `${key}|apps`, oktaKey(app) ?? '?', ev.ocsf.time, UNAUTH_WINDOW) : 0;
    if (n < UNAUTH_ATTEMPTS) return undefined;
    return {
      evidence: facts({ user, attempts: n, distinct_apps: apps, window_minutes: 30, src_ip: oktaIp(raw) }),
    };
  },
  cases: [
    {
      name: 'five different unassigned apps tried in ten minutes',
      fires: true,
      records: ['Workday', 'NetSuite', 'AWS Prod', 'GitHub Enterprise', 'Snowflake'].map((name, i) =>
        okta({
          eventType: 'app.generic.unauth_app_access_attempt',
          displayMessage: 'User attempted unauthorized access to app',
          actor: bob,
          place: vps,
          result: 'FAILURE',
          severity: 'WARN',
          at: i * 120,
          target: [{ id: `0oa${i}app5d7`, type: 'AppInstance', alternateId: name, displayName: name }],
        }),
      ),
    },
    {
      name: 'one stale bookmark',
      fires: false,
      records: [
        okta({
          eventType: 'app.generic.unauth_app_access_attempt',
          displayMessage: 'User attempted unauthorized access to app',
          actor: bob,
          result: 'FAILURE',
          severity: 'WARN',
          target: [{ id: '0oa0app5d7', type: 'AppInstance', alternateId: 'Workday', displayName: 'Workday' }],
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Sign-in attacks
// ---------------------------------------------------------------------------------------------

const PRIMARY_AUTH = ['user.session.start', 'user.authentication.verify'];
const failedSignIn = (raw: unknown): boolean => {
  const r = oktaResult(raw);
  return r === 'FAILURE' || r === 'DENY';
};
/** The username tried: the actor of a sign-in (for unknown users, what was typed). */
const attemptedUser = (raw: unknown): string | undefined => oktaKey(oktaActor(raw));

const passwordInUsername: Detection = {
  id: 'okta.password_in_username',
  title: 'Password typed into the Okta username field',
  description:
    'A failed Okta sign-in that Okta could not tie to a user carried a "username" shaped like a password ' +
    '(long, no spaces, not an e-mail address, mixing letters, digits and symbols). People do this by typing ' +
    'ahead of the page; the password then sits in clear text in the System Log and in every tool that copies ' +
    'it, for anyone with log access to read (T1552). The user should change that password. Vigil withholds the ' +
    'text from its OCSF event, signals and narratives. Medium with low risk, once per source address per hour. ' +
    'Plain usernames ("admin", "j.smith") are not flagged.',
  attack: ['T1552'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: PRIMARY_AUTH,
  detect(ev, ctx) {
    const raw = ev.raw;
    if (!failedSignIn(raw)) return undefined;
    // As in normalisation: only a sign-in Okta could not tie to a user (a real login is not a password).
    const id = rs(raw, 'actor.id');
    if (id !== undefined && id !== 'unknown') return undefined;
    const typed = rs(raw, 'actor.alternateId');
    if (!typed || !passwordShaped(typed) || !timeKnown(ev)) return undefined;
    const ip = oktaIp(raw) ?? 'unknown';
    if (ctx.window.count(`okta.password_in_username|${ip}`, ev.ocsf.time, HOUR) > 1) return undefined;
    return {
      // Normalisation already withheld the text from the OCSF actor (the signal's `actor` fact).
      evidence: facts({
        typed_length: typed.length,
        source_ip: ip,
        reason: oktaReason(raw),
      }),
    };
  },
  cases: [
    {
      name: 'a password typed where the username goes',
      fires: true,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: { id: 'unknown', type: 'User', alternateId: 'Winter2026!blue', displayName: 'unknown' },
          place: home,
          result: 'FAILURE',
          reason: 'VERIFICATION_ERROR',
          legacyEventType: 'core.user_auth.login_failed',
        }),
      ],
    },
    {
      name: 'a plain username that does not exist',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: { id: 'unknown', type: 'User', alternateId: 'admin', displayName: 'unknown' },
          place: home,
          result: 'FAILURE',
          reason: 'VERIFICATION_ERROR',
          legacyEventType: 'core.user_auth.login_failed',
        }),
      ],
    },
    {
      name: 'a known user whose login happens to look like a password',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: {
            id: '00u9odd1Login2d7',
            type: 'User',
            alternateId: 'Tr0ub4dor&3',
            displayName: 'Odd Login',
          },
          place: home,
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
        }),
      ],
    },
    {
      name: 'a mistyped e-mail login',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: {
            id: 'unknown',
            type: 'User',
            alternateId: 'Alice.Green2@acme.example',
            displayName: 'unknown',
          },
          place: home,
          result: 'FAILURE',
          reason: 'VERIFICATION_ERROR',
        }),
      ],
    },
    {
      name: 'a successful sign-in',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: home,
        }),
      ],
    },
  ],
};

const SPRAY_WINDOW = 30 * MINUTE;
const SPRAY_USERS = 5;

const passwordSpray: Detection = {
  id: 'okta.password_spray',
  title: 'Password spraying against Okta from one address',
  description:
    'Sign-ins for many different usernames failed from one IP address within 30 minutes: one or two common ' +
    'passwords tried across the directory, staying under per-user lockout. Five distinct users is medium, fifteen ' +
    'high; from a trusted corporate egress the thresholds are three times higher (many people share it).',
  attack: ['T1110.003'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: PRIMARY_AUTH,
  detect(ev, ctx) {
    const raw = ev.raw;
    if (!failedSignIn(raw) || !timeKnown(ev)) return undefined;
    const ip = oktaIp(raw);
    const user = attemptedUser(raw);
    if (!ip || !user) return undefined;
    const n = tally(ctx, `okta.password_spray|${ip}`, user, ev.ocsf.time, SPRAY_WINDOW);
    const scale = ctx.config.isTrustedNetwork(ip) ? 3 : 1;
    if (n < SPRAY_USERS * scale) return undefined;
    const evidence = facts({
      distinct_users: n,
      window_minutes: 30,
      last_reason: oktaReason(raw),
      trusted_network: scale > 1,
    });
    return n >= 15 * scale ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'five users fail from one address within minutes',
      fires: true,
      records: [
        admin,
        helpdesk,
        alice,
        bob,
        { id: '00u5carl7Gh5d7', login: 'carl.ray@acme.example', name: 'Carl Ray' },
      ].map((p, i) =>
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          legacyEventType: 'core.user_auth.login_failed',
          actor: p,
          place: vps,
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
          at: i * 20,
          seq: i,
        }),
      ),
    },
    {
      name: 'three users fail from one address (below threshold)',
      fires: false,
      records: [alice, bob, helpdesk].map((p, i) =>
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: p,
          place: vps,
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
          at: i * 20,
          seq: i,
        }),
      ),
    },
  ],
};

const BRUTE_WINDOW = 15 * MINUTE;
const BRUTE_FAILURES = 10;

const bruteForceUser: Detection = {
  id: 'okta.brute_force_user',
  title: 'Repeated failed Okta sign-ins for one user, or an account lockout',
  description:
    'Ten or more sign-ins for one username failed within 15 minutes (password guessing or credential stuffing ' +
    'against a known account), reported medium with the number of source addresses; many addresses means a botnet. ' +
    'An automatic lockout on its own is low: often a forgotten password or a stale saved one.',
  attack: ['T1110.001'],
  tactic: 'TA0006',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [...PRIMARY_AUTH, 'user.account.lock', 'user.account.lock.limit'],
  detect(ev, ctx) {
    const raw = ev.raw;
    const type = oktaType(ev) ?? '';
    const user = attemptedUser(raw);
    if (type.startsWith('user.account.lock')) {
      const target = oktaTargetsOf(raw, 'User')[0];
      return { evidence: facts({ event_type: type, locked_user: target ? who(target) : user }) };
    }
    if (!failedSignIn(raw) || !user || !timeKnown(ev)) return undefined;
    const n = tally(ctx, `okta.brute_force_user|${user}`, eventId(ev), ev.ocsf.time, BRUTE_WINDOW);
    const ip = oktaIp(raw);
    const ips = ip ? tally(ctx, `okta.brute_force_user|ips|${user}`, ip, ev.ocsf.time, BRUTE_WINDOW) : 0;
    if (n < BRUTE_FAILURES) return undefined;
    return at(
      'medium',
      facts({ failures: n, distinct_ips: ips, window_minutes: 15, last_reason: oktaReason(raw) }),
    );
  },
  cases: [
    {
      name: 'ten failures for one user in five minutes',
      fires: true,
      records: burst(10, (i) =>
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: vps,
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
          at: i * 30,
          seq: i,
        }),
      ),
    },
    {
      name: 'four failures then a success (a user fumbling)',
      fires: false,
      records: [
        ...burst(4, (i) =>
          okta({
            eventType: 'user.session.start',
            displayMessage: 'User login to Okta',
            actor: alice,
            place: home,
            result: 'FAILURE',
            reason: 'INVALID_CREDENTIALS',
            at: i * 30,
            seq: i,
          }),
        ),
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: home,
          at: 150,
        }),
      ],
    },
  ],
};

const PUSH_WINDOW = 10 * MINUTE;
const DENY_WINDOW = 15 * MINUTE;
const PUSHES = 5;
const DENIALS = 3;

const mfaPushFatigue: Detection = {
  id: 'okta.mfa_push_fatigue',
  title: 'MFA push bombing against an Okta user',
  description:
    'A burst of Okta Verify pushes (five in 10 minutes) or of rejected/failed MFA challenges (three in 15 minutes) ' +
    'for one user: someone who has the password is prompting until the user gives in. A successful MFA right after ' +
    'such a burst is high: the user may have approved the attacker’s prompt.',
  attack: ['T1621'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [
    'system.push.send_factor_verify_push',
    'user.mfa.okta_verify.deny_push',
    'user.authentication.auth_via_mfa',
  ],
  detect(ev, ctx) {
    const raw = ev.raw;
    const type = oktaType(ev) ?? '';
    const actor = oktaActor(raw);
    const user = oktaKey(actor);
    if (!user || !timeKnown(ev)) return undefined;
    const t = ev.ocsf.time;
    const pushKey = `okta.mfa_push_fatigue|push|${user}`;
    const denyKey = `okta.mfa_push_fatigue|deny|${user}`;
    if (type === 'system.push.send_factor_verify_push') {
      const n = tally(ctx, pushKey, eventId(ev), t, PUSH_WINDOW);
      if (n < PUSHES) return undefined;
      const evidence = facts({ pushes: n, window_minutes: 10, src_ip: oktaIp(raw) });
      return n >= 2 * PUSHES ? at('high', evidence) : { evidence };
    }
    const denied = type === 'user.mfa.okta_verify.deny_push' || failedSignIn(raw);
    if (denied) {
      const n = tally(ctx, denyKey, eventId(ev), t, DENY_WINDOW);
      if (n < DENIALS) return undefined;
      const evidence = facts({ rejected_or_failed: n, window_minutes: 15, last_reason: oktaReason(raw) });
      return n >= 2 * DENIALS ? at('high', evidence) : { evidence };
    }
    if (type !== 'user.authentication.auth_via_mfa' || oktaResult(raw) !== 'SUCCESS') return undefined;
    const denials = peek(ctx, denyKey, t, DENY_WINDOW);
    const pushes = peek(ctx, pushKey, t, PUSH_WINDOW);
    if (denials < DENIALS && pushes < PUSHES) return undefined;
    return at(
      'high',
      facts({ accepted_after_rejections: denials, accepted_after_pushes: pushes, src_ip: oktaIp(raw) }),
    );
  },
  cases: [
    {
      name: 'five pushes to one user in four minutes',
      fires: true,
      records: burst(5, (i) =>
        okta({
          eventType: 'system.push.send_factor_verify_push',
          displayMessage: 'Push notification sent for verification',
          actor: bob,
          place: vps,
          at: i * 45,
          seq: i,
        }),
      ),
    },
    {
      name: 'three rejected pushes, then an approval',
      fires: true,
      records: [
        ...burst(3, (i) =>
          okta({
            eventType: 'user.mfa.okta_verify.deny_push',
            displayMessage: 'User rejected Okta push verify',
            actor: bob,
            place: vps,
            result: 'FAILURE',
            at: i * 60,
            seq: i,
          }),
        ),
        okta({
          eventType: 'user.authentication.auth_via_mfa',
          displayMessage: 'Authentication of user via MFA',
          actor: bob,
          place: vps,
          at: 200,
          target: [
            {
              id: 'opf1ovpush5d7',
              type: 'AuthenticatorEnrollment',
              alternateId: 'unknown',
              displayName: 'Okta Verify',
            },
          ],
        }),
      ],
    },
    {
      name: 'two pushes (a user retrying)',
      fires: false,
      records: burst(2, (i) =>
        okta({
          eventType: 'system.push.send_factor_verify_push',
          displayMessage: 'Push notification sent for verification',
          actor: bob,
          place: home,
          at: i * 45,
          seq: i,
        }),
      ),
    },
    {
      name: 'an MFA success with no rejections before it',
      fires: false,
      records: [
        okta({
          eventType: 'user.authentication.auth_via_mfa',
          displayMessage: 'Authentication of user via MFA',
          actor: bob,
          place: home,
        }),
      ],
    },
  ],
};

const SESSION_WINDOW = 12 * HOUR;
const OKTA_INTERNAL_CLIENT = /^okta\./i;

const sessionHijack: Detection = {
  id: 'okta.session_hijack',
  title: 'Okta session used from a second country or a second network and device',
  description:
    'One Okta session (externalSessionId) appeared from two countries, or from two networks (ASNs) with two ' +
    'different browsers, within 12 hours; or Okta Identity Threat Protection reported a session context change. A ' +
    'session cookie stolen by an infostealer or an adversary-in-the-middle proxy is replayed from the attacker’s ' +
    'machine without a password or MFA. Runs on every Okta event because a replayed session shows on whatever it ' +
    'is used for (SSO to an app, an admin action), not on one event type.',
  attack: ['T1550.004', 'T1539'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  // No triggers: a replayed session can surface on any event type.
  detect(ev, ctx) {
    const raw = ev.raw;
    if (oktaType(ev) === 'user.session.context.change') {
      return {
        evidence: facts({
          event_type: 'user.session.context.change',
          user: who(oktaActor(raw)),
          reason: oktaReason(raw),
        }),
      };
    }
    const session = oktaSession(raw);
    if (!session || !timeKnown(ev)) return undefined;
    if (OKTA_INTERNAL_CLIENT.test(rs(raw, 'client.id') ?? '')) return undefined;
    const t = ev.ocsf.time;
    const country = oktaCountry(raw);
    const asn = rn(raw, 'securityContext.asNumber');
    const ua = oktaUserAgent(raw);
    const countries = country
      ? tally(ctx, `okta.session_hijack|c|${session}`, country, t, SESSION_WINDOW)
      : 0;
    const asns =
      asn !== undefined ? tally(ctx, `okta.session_hijack|a|${session}`, String(asn), t, SESSION_WINDOW) : 0;
    const agents = ua ? tally(ctx, `okta.session_hijack|u|${session}`, ua, t, SESSION_WINDOW) : 0;
    if (countries < 2 && !(asns >= 2 && agents >= 2)) return undefined;
    return at(
      'high',
      facts({
        session,
        user: who(oktaActor(raw)),
        countries_in_session: countries,
        networks_in_session: asns,
        user_agents_in_session: agents,
        latest_country: country,
        latest_asn: asn,
        latest_as_org: rs(raw, 'securityContext.asOrg'),
      }),
    );
  },
  cases: [
    {
      name: 'a session started in the US is used for SSO from Nigeria',
      fires: true,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: home,
          session: '102hijackedSess01',
        }),
        okta({
          eventType: 'user.authentication.sso',
          displayMessage: 'User single sign on to app',
          actor: alice,
          place: vps,
          ua: OTHER_UA,
          session: '102hijackedSess01',
          at: 1800,
          target: [
            {
              id: '0oa4aws5d7',
              type: 'AppInstance',
              alternateId: 'AWS IAM Identity Center',
              displayName: 'AWS IAM Identity Center',
            },
          ],
        }),
      ],
    },
    {
      name: 'Okta reports a session context change',
      fires: true,
      records: [
        okta({
          eventType: 'user.session.context.change',
          displayMessage: 'User session context changed',
          actor: alice,
          place: vps,
          reason: 'IP and ASN changed',
        }),
      ],
    },
    {
      name: 'one session moving between two networks on the same device (laptop off VPN)',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: office,
          session: '102roamingSess01',
        }),
        okta({
          eventType: 'user.authentication.sso',
          displayMessage: 'User single sign on to app',
          actor: alice,
          place: home,
          session: '102roamingSess01',
          at: 3600,
        }),
      ],
    },
  ],
};

const ADMIN_APP = /admin console|saasure|okta_admin/i;
const STRONG_BEHAVIOURS = /^(new geo-location|new country|new device|new ip|velocity)$/i;
const GEO_BEHAVIOURS = /^(new geo-location|new country|velocity)$/i;

const adminConsoleRiskyAccess: Detection = {
  id: 'okta.admin_console_risky_access',
  title: 'Okta Admin Console reached from a new device, place or anonymiser',
  description:
    'A sign-on to the Okta Admin Console where Okta’s own behaviour detection flagged a new device, IP, location or ' +
    'impossible velocity, rated the risk medium or high, or the request came through an anonymising proxy. The ' +
    'admin console is where a stolen admin session turns into tenant takeover; new device and new place together, ' +
    'geography or a proxy are high.',
  attack: ['T1078.004'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['user.session.access_admin_app', 'policy.evaluate_sign_on'],
  detect(ev) {
    const raw = ev.raw;
    const type = oktaType(ev);
    if (type === 'policy.evaluate_sign_on') {
      const apps = oktaTargetsOf(raw, 'AppInstance');
      if (!apps.some((a) => ADMIN_APP.test(`${a.alternateId ?? ''} ${a.displayName ?? ''}`)))
        return undefined;
    }
    const { positive, risk } = oktaBehaviours(raw);
    const strong = positive.filter((b) => STRONG_BEHAVIOURS.test(b));
    const proxy = rb(raw, 'securityContext.isProxy') === true;
    const riskyLevel = risk === 'HIGH' || risk === 'MEDIUM';
    if (strong.length === 0 && !proxy && !riskyLevel) return undefined;
    const evidence = facts({
      event_type: type,
      user: who(oktaActor(raw)),
      behaviours: strong.join(', ') || undefined,
      okta_risk: risk,
      anonymising_proxy: proxy || undefined,
      policy_outcome: oktaResult(raw),
    });
    const severe =
      proxy || risk === 'HIGH' || strong.length >= 2 || strong.some((b) => GEO_BEHAVIOURS.test(b));
    return severe ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'admin console reached from a new device and new IP',
      fires: true,
      records: [
        okta({
          eventType: 'user.session.access_admin_app',
          displayMessage: 'User accessing Okta admin app',
          actor: admin,
          place: home,
          target: [
            {
              id: '0oa1admapp5d7',
              type: 'AppInstance',
              alternateId: 'Okta Admin Console',
              displayName: 'Okta Admin Console',
            },
          ],
          debugData: {
            logOnlySecurityData:
              '{"risk":{"level":"MEDIUM"},"behaviors":{"New Geo-Location":"NEGATIVE","New Device":"POSITIVE","New IP":"POSITIVE","New State":"NEGATIVE","New Country":"NEGATIVE","Velocity":"NEGATIVE","New City":"NEGATIVE"}}',
          },
        }),
      ],
    },
    {
      name: 'admin console reached from a known device and place',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.access_admin_app',
          displayMessage: 'User accessing Okta admin app',
          actor: admin,
          place: office,
          target: [
            {
              id: '0oa1admapp5d7',
              type: 'AppInstance',
              alternateId: 'Okta Admin Console',
              displayName: 'Okta Admin Console',
            },
          ],
          debugData: {
            logOnlySecurityData:
              '{"risk":{"level":"LOW"},"behaviors":{"New Geo-Location":"NEGATIVE","New Device":"NEGATIVE","New IP":"NEGATIVE","New State":"NEGATIVE","New Country":"NEGATIVE","Velocity":"NEGATIVE","New City":"NEGATIVE"}}',
          },
        }),
      ],
    },
    {
      name: 'a new device signing in to an ordinary app (not the admin console)',
      fires: false,
      records: [
        okta({
          eventType: 'policy.evaluate_sign_on',
          displayMessage: 'Evaluation of sign-on policy',
          actor: alice,
          place: home,
          result: 'CHALLENGE',
          target: [{ id: '0oa3slack5d7', type: 'AppInstance', alternateId: 'Slack', displayName: 'Slack' }],
          debugData: { behaviors: ['New Device=POSITIVE', 'New IP=POSITIVE'] },
        }),
      ],
    },
  ],
};

const THREAT_TYPES = ['security.threat.detected', 'security.request.blocked'];

const threatDetected: Detection = {
  id: 'okta.threat_detected',
  title: 'Okta ThreatInsight flagged a threat',
  description:
    'Okta ThreatInsight reported (or blocked) requests from an address it links to password spraying, credential ' +
    'stuffing or other identity attacks against this org or across Okta, or marked a sign-in as threat-suspected. ' +
    'It is Okta’s own verdict on the source: the question is whether any attempt succeeded.',
  attack: ['T1110'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [...THREAT_TYPES, ...PRIMARY_AUTH],
  detect(ev) {
    const raw = ev.raw;
    const type = oktaType(ev) ?? '';
    const threat = THREAT_TYPES.includes(type);
    const suspected = !threat && rb(raw, 'debugContext.debugData.threatSuspected') === true;
    if (!threat && !suspected) return undefined;
    const evidence = facts({
      event_type: type,
      reason: oktaReason(raw),
      threat_suspected_sign_in: suspected || undefined,
      sign_in_result: suspected ? oktaResult(raw) : undefined,
      detections: oktaDebugText(raw, 'threatDetections'),
    });
    return suspected && oktaResult(raw) === 'SUCCESS' ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'ThreatInsight reports password spraying',
      fires: true,
      records: [
        okta({
          eventType: 'security.threat.detected',
          displayMessage: 'Request from suspicious actor',
          actor: { id: 'unknown', type: 'User', alternateId: 'unknown', displayName: 'unknown' },
          place: vps,
          severity: 'WARN',
          reason: 'Password Spray',
          debugData: { threatDetections: '{"Password Spray":"{ip=45.142.212.61}"}' },
        }),
      ],
    },
    {
      name: 'an ordinary sign-in with threatSuspected false',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: home,
          debugData: { threatSuspected: 'false' },
        }),
      ],
    },
  ],
};

const PHISHING_REASON = /phish/i;

const phishingBlocked: Detection = {
  id: 'okta.phishing_blocked',
  title: 'Okta FastPass / phishing-resistant authenticator refused a phishing origin',
  description:
    'A sign-in or MFA step failed because a phishing-resistant authenticator (Okta FastPass, WebAuthn) refused to ' +
    'answer for a site that is not the real Okta origin: the user was on an adversary-in-the-middle phishing page. ' +
    'The factor held, but the user probably typed their password into the phishing site.',
  attack: ['T1557', 'T1566.002'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: [...PRIMARY_AUTH, 'user.authentication.auth_via_mfa'],
  detect(ev) {
    const raw = ev.raw;
    const reason = oktaReason(raw);
    if (!failedSignIn(raw) || !reason || !PHISHING_REASON.test(reason)) return undefined;
    const target = oktaTargetsOf(raw, 'User')[0];
    return {
      evidence: facts({ user: who(target ?? oktaActor(raw)), reason, src_ip: oktaIp(raw) }),
      entities: principal(target?.id),
    };
  },
  cases: [
    {
      name: 'FastPass declines a phishing attempt',
      fires: true,
      records: [
        okta({
          eventType: 'user.authentication.auth_via_mfa',
          displayMessage: 'Authentication of user via MFA',
          actor: alice,
          place: vps,
          result: 'FAILURE',
          reason: 'FastPass declined phishing attempt',
        }),
      ],
    },
    {
      name: 'a wrong MFA code',
      fires: false,
      records: [
        okta({
          eventType: 'user.authentication.auth_via_mfa',
          displayMessage: 'Authentication of user via MFA',
          actor: alice,
          place: home,
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
        }),
      ],
    },
  ],
};

const SIGN_IN_TYPES = [...PRIMARY_AUTH, 'user.authentication.sso', 'user.authentication.auth_via_mfa'];

const anonymizerSignIn: Detection = {
  id: 'okta.anonymizer_sign_in',
  title: 'Okta sign-in through an anonymising proxy',
  description:
    'A sign-in, SSO or MFA step came through an address Okta classifies as an anonymiser (Tor, open proxies, ' +
    'anonymising VPNs). Attackers replaying stolen credentials or cookies hide behind them; employees rarely need ' +
    'to. A successful sign-in is high, an attempt medium.',
  attack: ['T1078.004', 'T1090.003'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: SIGN_IN_TYPES,
  detect(ev) {
    const raw = ev.raw;
    if (rb(raw, 'securityContext.isProxy') !== true) return undefined;
    const evidence = facts({
      event_type: oktaType(ev),
      user: who(oktaActor(raw)),
      result: oktaResult(raw),
      as_org: rs(raw, 'securityContext.asOrg'),
      domain: rs(raw, 'securityContext.domain'),
    });
    const r = oktaResult(raw);
    return r === 'SUCCESS' || r === 'ALLOW' ? at('high', evidence) : { evidence };
  },
  cases: [
    {
      name: 'a successful sign-in through a Tor exit',
      fires: true,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: abroad,
        }),
      ],
    },
    {
      name: 'a sign-in from a home broadband address',
      fires: false,
      records: [
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: alice,
          place: home,
        }),
      ],
    },
  ],
};

const userReportedSuspicious: Detection = {
  id: 'okta.user_reported_suspicious_activity',
  title: 'User reported suspicious activity on their Okta account',
  description:
    'A user answered an Okta notification (new sign-in, factor enrolled, password changed) with "this wasn’t me". ' +
    'An end-user report is one of the most reliable signals of account takeover: the reported event and its ' +
    'address are in the evidence.',
  attack: ['T1078.004'],
  tactic: 'TA0001',
  severity: 'medium',
  risk: RISK.medium,
  sources: [...SOURCES],
  triggers: ['user.account.report_suspicious_activity_by_enduser'],
  detect(ev) {
    const raw = ev.raw;
    return {
      evidence: facts({
        user: who(oktaActor(raw)),
        reported_event: oktaDebugText(raw, 'suspiciousActivityEventType'),
        reported_ip: oktaDebugText(raw, 'suspiciousActivityEventIp'),
        reported_country: oktaDebugText(raw, 'suspiciousActivityEventCountry'),
      }),
    };
  },
  cases: [
    {
      name: 'a user reports a sign-in notification as not theirs',
      fires: true,
      records: [
        okta({
          eventType: 'user.account.report_suspicious_activity_by_enduser',
          displayMessage: 'User report suspicious activity',
          actor: bob,
          place: home,
          severity: 'WARN',
          target: [userTarget(bob)],
          debugData: {
            suspiciousActivityEventType: 'system.email.new_device_notification.sent_message',
            suspiciousActivityEventIp: vps.ip,
            suspiciousActivityEventCountry: vps.country,
          },
        }),
      ],
    },
    {
      name: 'a user updates their own profile',
      fires: false,
      records: [
        okta({
          eventType: 'user.account.update_profile',
          displayMessage: 'Update user profile for Okta',
          actor: bob,
          place: home,
          target: [userTarget(bob)],
        }),
      ],
    },
  ],
};

const rateLimitViolation: Detection = {
  id: 'okta.rate_limit_violation',
  title: 'Okta rate limit violated by a user or client',
  description:
    'Okta throttled a single user, session or client for exceeding a rate limit (org-wide limits are low: usually ' +
    'an integration). A person or client hammering sign-in or app endpoints is scripted: credential guessing, ' +
    'enumeration of users and apps, or bulk reading with a stolen session.',
  attack: ['T1110', 'T1087.004'],
  tactic: 'TA0006',
  severity: 'low',
  risk: RISK.low,
  sources: [...SOURCES],
  triggers: [
    'system.operation.rate_limit.violation',
    'system.client.rate_limit.violation',
    'system.client.concurrency_rate_limit.violation',
    'system.org.rate_limit.violation',
  ],
  detect(ev) {
    const raw = ev.raw;
    const type = oktaType(ev) ?? '';
    const evidence = facts({
      event_type: type,
      actor: who(oktaActor(raw)),
      request_uri: oktaDebugText(raw, 'requestUri'),
      reason: oktaReason(raw),
      scope: oktaDebugText(raw, 'operationRateLimitScopeType') ?? oktaDebugText(raw, 'rateLimitScopeType'),
    });
    return type === 'system.org.rate_limit.violation' ? { evidence } : at('medium', evidence);
  },
  cases: [
    {
      name: 'one user exceeds the per-user operation limit',
      fires: true,
      records: [
        okta({
          eventType: 'system.operation.rate_limit.violation',
          displayMessage: 'Operation rate limit violation',
          actor: alice,
          place: vps,
          severity: 'WARN',
          result: 'DENY',
          reason: 'Too many requests attempted by an individual user',
          debugData: { operationRateLimitScopeType: 'User', requestUri: '/app/salesforce/' },
        }),
      ],
    },
    {
      name: 'an org-wide rate limit warning (an integration near its quota)',
      fires: false,
      records: [
        okta({
          eventType: 'system.org.rate_limit.warning',
          displayMessage: 'Rate limit warning',
          actor: admin,
          severity: 'WARN',
          debugData: { rateLimitScopeType: 'ORG', requestUri: '/api/v1/logs' },
        }),
      ],
    },
  ],
};

export const OKTA_DETECTIONS: readonly Detection[] = [
  adminRoleGranted,
  mfaFactorsReset,
  orgAuthenticatorDisabled,
  authPolicyWeakened,
  federationTrustChanged,
  networkZoneChanged,
  apiTokenCreated,
  supportAccess,
  passwordRevealedForOther,
  oauthTokenReuse,
  adminScopeTokenGranted,
  unauthorizedAppAccess,
  passwordSpray,
  passwordInUsername,
  bruteForceUser,
  mfaPushFatigue,
  sessionHijack,
  adminConsoleRiskyAccess,
  threatDetected,
  phishingBlocked,
  anonymizerSignIn,
  userReportedSuspicious,
  rateLimitViolation,
];
