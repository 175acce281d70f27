// Every registered detection’s metadata and cases are run by catalogue.test.ts; this file tests the helpers and behaviour beyond the cases.
import { describe, expect, it } from 'vitest';
import {
  burst,
  github,
  OKTA_PEOPLE,
  OKTA_PLACES,
  okta,
  oktaBehaviours,
  peek,
  tally,
  userTarget,
} from '../../../shared/detect/catalogue/external-helpers.ts';
import { GITHUB_DETECTIONS } from '../../../shared/detect/catalogue/github.ts';
import { OKTA_DETECTIONS } from '../../../shared/detect/catalogue/okta.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { passwordShaped } from '../../../shared/normalise/secret-shape.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

/** A private copy of the catalogue harness, over the Okta and GitHub detections only. */
const DETECTIONS = [...OKTA_DETECTIONS, ...GITHUB_DETECTIONS];
const ctx = { enrich: () => {} };

describe('external (Okta, GitHub) detection metadata', () => {
  it('has at least ten detections per source, with unique dotted ids under the source prefix', () => {
    expect(OKTA_DETECTIONS.length).toBeGreaterThanOrEqual(10);
    expect(GITHUB_DETECTIONS.length).toBeGreaterThanOrEqual(10);
    const ids = DETECTIONS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(\.[a-z0-9_]+)+$/);
    for (const d of OKTA_DETECTIONS) expect([d.id.startsWith('okta.'), d.sources]).toEqual([true, ['okta']]);
    for (const d of GITHUB_DETECTIONS)
      expect([d.id.startsWith('github.'), d.sources]).toEqual([true, ['github']]);
  });

  it('declares triggers on every detection but the session-replay one, which must see all Okta events', () => {
    const untriggered = DETECTIONS.filter((d) => d.triggers === undefined).map((d) => d.id);
    expect(untriggered).toEqual(['okta.session_hijack']);
  });
});

describe('external detections on hostile input', () => {
  it('never throw on records with wrong field types', () => {
    const engine = buildEngine(DETECTIONS);
    const context = freshContext();
    const odd = [null, 7, 'x', [], {}, { id: 1 }, [{ type: 'User' }], { debugData: 'oops' }];
    for (const detection of DETECTIONS) {
      for (const trigger of detection.triggers ?? ['user.session.start']) {
        for (const v of odd) {
          const okta = {
            uuid: `u-${trigger}`,
            published: '2026-03-02T10:00:00.000Z',
            eventType: trigger,
            actor: { id: 'x', type: 'User' },
            target: v,
            outcome: v,
            client: v,
            debugContext: v,
            securityContext: v,
            authenticationContext: v,
          };
          const gh = {
            action: trigger,
            actor: 'a',
            created_at: 1,
            repo: v,
            user: v,
            config: v,
            scopes: v,
            permission: v,
          };
          for (const rec of detection.sources[0] === 'okta' ? [okta] : [gh]) {
            for (const r of normalise(rec, ctx)) if (r.ok) engine.run(r.event, context);
          }
        }
      }
    }
    expect([...engine.faults.keys()]).toEqual([]);
  });
});

describe('Okta behaviour parsing', () => {
  it('reads every shape Okta and its exporters use', () => {
    const shapes: unknown[] = [
      { behaviors: ['New Device=POSITIVE', 'New IP=NEGATIVE'] },
      { behaviors: { 'New Device': 'POSITIVE', 'New IP': 'NEGATIVE' } },
      { behaviors: { 'New Device=POSITIVE': null, 'New IP=NEGATIVE': null } },
      { behaviors: '{New Device=POSITIVE, New IP=NEGATIVE}' },
      { logOnlySecurityData: { behaviors: { 'New Device': 'POSITIVE' }, risk: { level: 'LOW' } } },
      {
        logOnlySecurityData:
          '{"behaviors":{"New Device":"POSITIVE","New IP":"NEGATIVE"},"risk":{"level":"LOW"}}',
      },
    ];
    for (const debugData of shapes) {
      expect(oktaBehaviours({ debugContext: { debugData } }).positive).toEqual(['New Device']);
    }
    expect(oktaBehaviours({ debugcontext: { debugData: { risk: '{level=HIGH}' } } }).risk).toBe('HIGH');
    expect(oktaBehaviours({ debugContext: { debugData: { logOnlySecurityData: '{not json' } } })).toEqual({
      positive: [],
    });
  });
});

describe('window tally', () => {
  it('counts distinct members, ignores replays and peeks without recording', () => {
    const context = freshContext();
    expect(peek(context, 'k', 1000, 60_000)).toBe(0);
    expect(tally(context, 'k', 'a', 1000, 60_000)).toBe(1);
    expect(tally(context, 'k', 'a', 1001, 60_000)).toBe(1);
    expect(tally(context, 'k', 'b', 1002, 60_000)).toBe(2);
    expect(peek(context, 'k', 1003, 60_000)).toBe(2);
    expect(tally(context, 'k', 'c', 200_000, 60_000)).toBe(1);
  });
});

describe('external detection behaviour', () => {
  const byId = new Map(DETECTIONS.map((d) => [d.id, d]));
  /** Runs records through one detection with shared state; returns the signals of the last record. */
  const run = (id: string, records: unknown[]) => {
    const detection = byId.get(id);
    if (!detection) throw new Error(`no detection ${id}`);
    const engine = buildEngine([detection]);
    const context = freshContext();
    let last: ReturnType<typeof engine.run> = [];
    for (const record of records) {
      for (const r of normalise(record, ctx)) {
        if (!r.ok) throw new Error(r.error.message);
        last = engine.run(r.event, context);
      }
    }
    expect(engine.faults.size).toBe(0);
    return last;
  };
  const severityOf = (id: string, records: unknown[]) =>
    run(id, records).find((s) => s.rule_id === id)?.severity;

  it('raises an Okta Super administrator grant to critical, and reports a refused grant at medium', () => {
    const grant = (privilegeGranted: string, result = 'SUCCESS') =>
      okta({
        eventType: 'user.account.privilege.grant',
        displayMessage: 'Grant user privilege',
        result,
        target: [userTarget(OKTA_PEOPLE.alice)],
        debugData: { privilegeGranted },
      });
    expect(severityOf('okta.admin_role_granted', [grant('Super administrator, Read only admin')])).toBe(
      'critical',
    );
    expect(severityOf('okta.admin_role_granted', [grant('Help Desk administrator')])).toBe('high');
    expect(severityOf('okta.admin_role_granted', [grant('Super administrator', 'FAILURE')])).toBe('medium');
  });

  it('reads Okta exports that lower-case the camelCase keys', () => {
    const lowered = {
      uuid: 'c0ffee00-1111-11ef-9caa-cd5d09945def',
      published: '2026-03-02 14:05:09.000',
      eventtype: 'user.mfa.factor.reset_all',
      displaymessage: 'Reset all factors for user',
      version: '0',
      severity: 'INFO',
      actor: {
        id: OKTA_PEOPLE.helpdesk.id,
        type: 'User',
        alternateId: OKTA_PEOPLE.helpdesk.login,
        displayName: 'Hugo',
      },
      authenticationcontext: { authenticationStep: 0, externalSessionId: '102abc' },
      debugcontext: { debugData: { requestUri: '/api/v1/users/x/lifecycle/reset_factors' } },
      outcome: { result: 'SUCCESS' },
      target: [userTarget(OKTA_PEOPLE.bob)],
    };
    expect(severityOf('okta.mfa_factors_reset', [lowered])).toBe('medium');
  });

  it('reports push fatigue that ends in an approval as high', () => {
    const deny = (i: number) =>
      okta({
        eventType: 'user.mfa.okta_verify.deny_push',
        displayMessage: 'User rejected Okta push verify',
        actor: OKTA_PEOPLE.bob,
        result: 'FAILURE',
        at: i * 30,
        seq: i,
      });
    const approve = okta({
      eventType: 'user.authentication.auth_via_mfa',
      displayMessage: 'Authentication of user via MFA',
      actor: OKTA_PEOPLE.bob,
      at: 200,
    });
    expect(severityOf('okta.mfa_push_fatigue', [deny(0), deny(1), deny(2), approve])).toBe('high');
    expect(severityOf('okta.mfa_push_fatigue', [deny(0), deny(1), approve])).toBeUndefined();
  });

  it('does not count a redelivered record twice towards a burst', () => {
    const failure = (i: number) =>
      okta({
        eventType: 'user.session.start',
        displayMessage: 'User login to Okta',
        actor: OKTA_PEOPLE.alice,
        place: OKTA_PLACES.vps,
        result: 'FAILURE',
        reason: 'INVALID_CREDENTIALS',
        at: i * 10,
        seq: i,
      });
    const nine = burst(9, failure);
    expect(run('okta.brute_force_user', [...nine, nine[8]])).toEqual([]);
    expect(severityOf('okta.brute_force_user', [...nine, failure(9)])).toBe('medium');
  });

  it('needs many more sprayed users from a trusted corporate egress', () => {
    const users = burst(6, (i) => ({
      id: `00u9user${i}`,
      login: `user${i}@acme.example`,
      name: `User ${i}`,
    }));
    const sprayFrom = (ip: string) =>
      users.map((p, i) =>
        okta({
          eventType: 'user.session.start',
          displayMessage: 'User login to Okta',
          actor: p,
          place: { ...OKTA_PLACES.office, ip },
          result: 'FAILURE',
          reason: 'INVALID_CREDENTIALS',
          at: i * 10,
          seq: i,
        }),
      );
    expect(severityOf('okta.password_spray', sprayFrom('45.142.212.61'))).toBe('medium');
    expect(severityOf('okta.password_spray', sprayFrom('10.20.0.5'))).toBeUndefined();
  });

  it('reads GitHub enforcement levels written as numbers (older exports) as well as names', () => {
    const update = (level: unknown) =>
      github({
        action: 'protected_branch.update_allow_force_pushes_enforcement_level',
        repo: 'acme-corp/payments-api',
        extra: { name: 'main', allow_force_pushes_enforcement_level: level },
      });
    expect(severityOf('github.branch_protection_weakened', [update(2)])).toBe('high');
    expect(severityOf('github.branch_protection_weakened', [update('everyone')])).toBe('high');
    expect(severityOf('github.branch_protection_weakened', [update('non_admins')])).toBe('medium');
    expect(severityOf('github.branch_protection_weakened', [update(0)])).toBeUndefined();
  });

  it('raises CI-scale thresholds for bots before calling a clone burst', () => {
    const clones = (actor: string) =>
      burst(12, (i) =>
        github({
          action: 'git.clone',
          actor,
          repo: `acme-corp/svc-${i}`,
          at: i * 30,
          operationType: 'access',
          extra: {
            programmatic_access_type: actor.endsWith('[bot]')
              ? 'GitHub App server-to-server token'
              : 'OAuth access token',
          },
        }),
      );
    expect(severityOf('github.mass_clone', clones('bob-stone'))).toBe('medium');
    expect(severityOf('github.mass_clone', clones('ci-runner[bot]'))).toBeUndefined();
  });
});

describe('a username shaped like a password', () => {
  it('is long, not a login, and mixes kinds of character or carries a symbol logins do not use', () => {
    for (const p of ['Winter2026!blue', 'P@ssw0rd', 'hunter2hunter2#', 'Tr0ub4dor&3'])
      expect(passwordShaped(p), p).toBe(true);
  });

  it('leaves logins alone: plain names, dotted names, e-mail addresses, Okta ids, short strings', () => {
    for (const u of [
      'admin',
      'j.smith',
      'svc_backup',
      'dana.ops@acme.example',
      'Alice.Green2@acme.example',
      '00u1admn7Q3pXyZ5d7',
      'Ab1!',
      'a name with spaces 1!',
    ])
      expect(passwordShaped(u), u).toBe(false);
  });
});

describe('okta.password_in_username', () => {
  it('never copies the typed text into its signal', () => {
    const typed = 'Winter2026!blue';
    const record = okta({
      eventType: 'user.session.start',
      displayMessage: 'User login to Okta',
      actor: { id: 'unknown', type: 'User', alternateId: typed, displayName: 'unknown' },
      result: 'FAILURE',
      reason: 'VERIFICATION_ERROR',
    });
    const engine = buildEngine(OKTA_DETECTIONS.filter((d) => d.id === 'okta.password_in_username'));
    const signals = normalise(record, { enrich: () => {} }).flatMap((r) =>
      r.ok ? engine.run(r.event, freshContext()) : [],
    );
    expect(signals).toHaveLength(1);
    expect(JSON.stringify(signals[0])).not.toContain(typed);
  });
});
