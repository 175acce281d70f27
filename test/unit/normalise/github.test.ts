import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { normaliseGitHubAudit } from '../../../shared/normalise/github.ts';
import type { NormalisedEvent } from '../../../shared/normalise/types.ts';
import { TIME_UNKNOWN_LABEL } from '../../../shared/normalise/util-ext-ocsf.ts';
import type { OcsfEvent } from '../../../shared/ocsf/types.ts';
import { loadOcsfSchema, validateOcsf } from '../../../shared/ocsf/validate.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');
const schema = loadOcsfSchema(path.join(DATA, 'ocsf/schema-1.1.0.compiled.json'));

/** Any JSON-ish value, including keys that shadow Object's own (`toString`, `__proto__`). */
const anything = fc.anything({
  withObjectString: true,
  withNullPrototype: true,
  key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'toString', 'valueOf', 'constructor')),
});

// biome-ignore lint/suspicious/noExplicitAny: labelled records are vendor JSON; assertions read their fields directly
type Entry = Record<string, any>;
const labelled: { test_name: string; event: Entry }[] = readFileSync(
  path.join(DATA, 'labelled/panther_github_audit.ndjson'),
  'utf8',
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

/** The first labelled entry with this action (and test name, where actions repeat). */
function entry(action: string, testName?: string): Entry {
  const found = labelled.find((l) => l.event.action === action && (!testName || l.test_name === testName));
  if (!found) throw new Error(`no labelled GitHub entry for ${action}`);
  return found.event;
}

function normalised(raw: unknown): NormalisedEvent {
  const result = normaliseGitHubAudit(raw, { enrich: () => {} });
  if (!result.ok) throw new Error(`expected an event, got: ${result.error.message}`);
  return result.event;
}

describe('normaliseGitHubAudit over the labelled audit entries', () => {
  it('turns every entry with an action and an actor into valid OCSF, and rejects the others clearly', () => {
    for (const { test_name, event } of labelled) {
      const result = normaliseGitHubAudit(event, { enrich: () => {} });
      if (typeof event.actor === 'string') {
        expect(result.ok, test_name).toBe(true);
        if (result.ok) expect(validateOcsf(result.event.ocsf, schema), test_name).toEqual([]);
      } else {
        expect(result.ok, test_name).toBe(false);
        if (!result.ok) expect(result.error.message).toBe('GitHub audit entry without an actor');
      }
    }
  });

  it('maps a user added to an organisation to Account Change with the affected user', () => {
    const raw = entry('org.add_member');
    const { ocsf, source, raw: kept } = normalised(raw);
    expect(source).toBe('github');
    expect(kept).toBe(raw);
    expect(ocsf).toMatchObject({
      class_uid: 3001,
      activity_id: 7,
      activity_name: 'Attach Policy',
      type_uid: 300107,
      time: raw.created_at,
      user: { name: raw.user, org: { name: raw.org } },
      actor: { user: { name: raw.actor } },
      cloud: { provider: 'GitHub' },
      metadata: {
        product: { vendor_name: 'GitHub', name: 'GitHub Audit Log' },
        event_code: 'org.add_member',
      },
    });
    expect(ocsf.unmapped).toBeUndefined();
  });

  it('maps role changes and enterprise admins to Account Change, keeping the entity it has no place for', () => {
    const updated = normalised(entry('org.update_member')).ocsf;
    expect([updated.class_uid, updated.activity_id, updated.activity_name]).toEqual([
      3001,
      99,
      'org.update_member',
    ]);
    expect(updated.unmapped?.repo).toBe(entry('org.update_member').repo);

    const collaborator = entry('repo.add_member');
    const added = normalised(collaborator).ocsf;
    expect(added).toMatchObject({ class_uid: 3001, activity_id: 7, user: { name: collaborator.user } });

    const admin = normalised(entry('business.add_admin')).ocsf;
    expect(admin).toMatchObject({ class_uid: 3001, activity_id: 7, user: { name: 'bob' }, time: 0 });
    expect(admin.metadata.labels).toEqual([TIME_UNKNOWN_LABEL]);
  });

  it('maps a clone to API Activity with its source, enterprise resources and document id', () => {
    const raw = entry('git.clone');
    const { ocsf } = normalised(raw);
    expect(ocsf).toMatchObject({
      class_uid: 6003,
      activity_id: 2,
      activity_name: 'Read',
      api: { operation: 'git.clone', service: { name: 'git' } },
      actor: { user: { name: raw.actor, uid: raw.actor_id } },
      src_endpoint: { ip: raw.actor_ip, location: { country: raw.actor_location.country_code } },
      http_request: { user_agent: raw.user_agent },
      metadata: { uid: raw._document_id, original_time: raw.at_sign_timestamp },
      // Panther's export writes GitHub's @timestamp as UTC text without a zone.
      time: Date.parse(`${raw.at_sign_timestamp.replace(' ', 'T')}Z`),
    });
    expect(ocsf.resources).toEqual([
      { name: raw.org, uid: String(raw.org_id), type: 'Organization' },
      { name: raw.repo, type: 'Repository' },
      { name: raw.business, uid: raw.business_id, type: 'Enterprise' },
    ]);
    expect(ocsf.unmapped).toMatchObject({
      hashed_token: raw.hashed_token,
      transport_protocol_name: 'http',
      user: '',
    });
    expect(ocsf.unmapped).not.toHaveProperty('repository');
  });

  it("uses GitHub's operation_type for the activity when the entry has one", () => {
    const raw = entry('hook.create', 'Github - App Webhook Created');
    expect(raw.operation_type).toBe('create');
    expect(normalised(raw).ocsf.activity_id).toBe(1);
    expect(normalised({ ...raw, operation_type: 'remove' }).ocsf.activity_id).toBe(4);
    // Without it, the verb of the action decides: hook.destroy deletes.
    expect(normalised(entry('hook.destroy')).ocsf.activity_id).toBe(4);
    expect(normalised(entry('org.disable_two_factor_requirement')).ocsf.activity_id).toBe(3);
    expect(normalised(entry('protected_branch.policy_override')).ocsf.activity_id).toBe(99);
  });

  it('reads time from @timestamp first, then created_at as a number or text', () => {
    const withBoth = entry('business_advanced_security.enabled');
    expect(normalised({ ...withBoth, created_at: 0 }).ocsf.time).toBe(withBoth['@timestamp']);
    const base = entry('repo.create');
    expect(normalised({ ...base, created_at: 1621305118553.7 }).ocsf.time).toBe(1621305118553);
    expect(normalised({ ...base, created_at: '2021-05-18T02:31:58.553Z' }).ocsf.time).toBe(1621305118553);
    expect(normalised({ ...base, created_at: '2021-05-18T04:31:58.553+02:00' }).ocsf.time).toBe(
      1621305118553,
    );
    const invalid = normalised({ ...base, created_at: '2021-02-30T00:00:00Z' }).ocsf;
    expect([invalid.time, invalid.metadata.labels, invalid.unmapped?.created_at]).toEqual([
      0,
      [TIME_UNKNOWN_LABEL],
      '2021-02-30T00:00:00Z',
    ]);
  });

  it('takes actor_ip only when it is an IP, and says the source is unknown otherwise', () => {
    const base = entry('business_advanced_security.enabled');
    const bad = normalised({ ...base, actor_ip: '12.12.12' }).ocsf;
    expect(bad.src_endpoint).toEqual({ name: 'unknown', location: { country: 'US' } });
    expect(bad.unmapped?.actor_ip).toBe('12.12.12');
  });

  it('derives a stable uid without _document_id, distinct for distinct entries', () => {
    const raw = entry('repo.create');
    const uid = normalised(raw).ocsf.metadata.uid;
    expect(uid).toMatch(/^github-[0-9a-f]{32}$/);
    expect(normalised({ ...raw }).ocsf.metadata.uid).toBe(uid);
    expect(normalised({ ...raw, repo: 'my-org/other' }).ocsf.metadata.uid).not.toBe(uid);
  });

  it('calls enrich once per event', () => {
    const enriched: OcsfEvent[] = [];
    const result = normaliseGitHubAudit(entry('repo.create'), { enrich: (e) => enriched.push(e) });
    expect(result.ok).toBe(true);
    expect(enriched).toEqual(result.ok ? [result.event.ocsf] : []);
    normaliseGitHubAudit({ action: 'repo.create' }, { enrich: (e) => enriched.push(e) });
    expect(enriched).toHaveLength(1);
  });
});

describe('normaliseGitHubAudit on hostile input', () => {
  it.each([
    [undefined, 'expected a GitHub audit log object, got a undefined'],
    [[], 'expected a GitHub audit log object, got an array'],
    [{ action: ['org.add_member'] }, 'GitHub audit entry without an action'],
    [{ action: 'repo.create', actor: { login: 'cat' } }, 'GitHub audit entry without an actor'],
  ])('rejects %j with a clear reason', (raw, reason) => {
    const result = normaliseGitHubAudit(raw, { enrich: () => {} });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(ValidationError);
      expect(result.error.message).toBe(reason);
      expect(result.error.source).toBe('normalise.github');
    }
  });

  it('a membership action without an affected user is plain API activity', () => {
    const ocsf = normalised({ action: 'org.add_member', actor: 'cat', created_at: 1 }).ocsf;
    expect([ocsf.class_uid, ocsf.activity_id]).toEqual([6003, 1]);
    expect(validateOcsf(ocsf, schema)).toEqual([]);
  });

  it('never throws, and every event it returns is valid OCSF (property)', () => {
    const actions = [...new Set(labelled.map((l) => l.event.action))];
    const hostile = fc.record(
      {
        action: fc.oneof(fc.constantFrom(...actions), fc.string()),
        actor: fc.oneof(fc.string(), anything),
        actor_id: anything,
        actor_ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string(), anything),
        actor_location: fc.oneof(anything, fc.record({ country_code: anything })),
        created_at: fc.oneof(anything, fc.double(), fc.integer(), fc.string()),
        '@timestamp': anything,
        _document_id: anything,
        org: anything,
        org_id: fc.oneof(anything, fc.integer()),
        repo: anything,
        user: fc.oneof(fc.string(), anything),
        business: anything,
        operation_type: fc.oneof(
          fc.constantFrom('create', 'access', 'modify', 'remove', 'toString'),
          anything,
        ),
        user_agent: anything,
      },
      { requiredKeys: ['action'] },
    );
    const input = fc.oneof(hostile, fc.constantFrom(...labelled.map((l) => l.event)), anything);
    fc.assert(
      fc.property(input, (raw) => {
        const result = normaliseGitHubAudit(raw, { enrich: () => {} });
        if (result.ok) expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
        else expect(result.error).toBeInstanceOf(ValidationError);
      }),
      { numRuns: 2000 },
    );
  });
});
