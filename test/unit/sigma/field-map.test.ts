import { describe, expect, it } from 'vitest';
import { mapField } from '../../../shared/sigma/field-map.ts';
import { fieldIsNull, fieldPath, someFieldLeaf, someValue } from '../../../shared/sigma/record.ts';
import { fieldMatcher, reasonOf } from './support.ts';

const pathOf = (product: 'aws' | 'okta' | 'github', field: string) => {
  const m = mapField(product, field);
  return m.ok ? m.path.join('.') : `!${m.issue.detail}`;
};

describe('field mapping per product', () => {
  it('CloudTrail: vendor names pass through, casing is canonicalised on the first segment', () => {
    expect(pathOf('aws', 'eventName')).toBe('eventName');
    expect(pathOf('aws', 'eventname')).toBe('eventName');
    expect(pathOf('aws', 'userIdentity.sessionContext.sessionIssuer.type')).toBe(
      'userIdentity.sessionContext.sessionIssuer.type',
    );
    expect(pathOf('aws', 'responseElements.ConsoleLogin')).toBe('responseElements.ConsoleLogin');
  });

  it('CloudTrail: a field CloudTrail does not have is reported', () => {
    expect(pathOf('aws', 'status')).toBe("!field 'status' is not a field of AWS CloudTrail records");
    expect(pathOf('aws', 'src_ip')).toBe("!field 'src_ip' is not a field of AWS CloudTrail records");
  });

  it('Okta: camelCase and the older lowercase Sigma spellings map to the LogEvent fields', () => {
    expect(pathOf('okta', 'eventtype')).toBe('eventType');
    expect(pathOf('okta', 'displaymessage')).toBe('displayMessage');
    expect(pathOf('okta', 'legacyeventtype')).toBe('legacyEventType');
    expect(pathOf('okta', 'outcome.result')).toBe('outcome.result');
    expect(pathOf('okta', 'target.displayName')).toBe('target.displayName');
    expect(pathOf('okta', 'eventName')).toBe("!field 'eventName' is not a field of Okta System Log records");
  });

  it('GitHub: the schema is open (action-specific top-level fields)', () => {
    expect(pathOf('github', 'action')).toBe('action');
    expect(pathOf('github', 'actor_location.country_code')).toBe('actor_location.country_code');
    expect(pathOf('github', 'hook_id')).toBe('hook_id');
  });

  it('refuses names that are not field names', () => {
    expect(pathOf('github', 'a..b')).toBe("!field name 'a..b' has an empty path segment");
    expect(pathOf('github', 'a"b')).toMatch(/^!field name 'a"b' is not a valid field name/);
  });

  it('an unmapped field makes the rule unsupported, with the field named', () => {
    expect(reasonOf({ sel: { eventName: 'DeleteSAMLProvider', status: 'success' }, condition: 'sel' })).toBe(
      "unsupported: field 'status' is not a field of AWS CloudTrail records",
    );
  });
});

describe('reading fields from raw records', () => {
  it('reads lowercase-keyed archives (Panther re-keys Okta records) case-insensitively', () => {
    const m = fieldMatcher('debugContext.debugData.requestUri|contains', 'admin', 'okta');
    expect(m({ debugcontext: { debugData: { requestUri: '/api/v1/admin/x' } } })).toBe(true);
    expect(m({ debugContext: { debugData: { requestUri: '/api/v1/users' } } })).toBe(false);
    const type = fieldMatcher('eventType', 'user.session.start', 'okta');
    expect(type({ eventtype: 'user.session.start' })).toBe(true);
  });

  it('prefers the exact key when both spellings exist', () => {
    const m = fieldMatcher('legacyEventType', 'core.user_auth.login_failed', 'okta');
    expect(m({ legacyeventtype: null, legacyEventType: 'core.user_auth.login_failed' })).toBe(true);
  });

  it('steps through arrays: any element may match', () => {
    const m = fieldMatcher('target.displayName', 'Okta Admin Console', 'okta');
    expect(m({ target: [{ displayName: 'App' }, { displayName: 'Okta Admin Console' }] })).toBe(true);
    expect(m({ target: [{ displayName: 'App' }] })).toBe(false);
    expect(m({ target: [] })).toBe(false);
  });

  it('reads a key that itself contains dots', () => {
    const path = fieldPath(['requestParameters', 'tag', 'Name']);
    expect(someFieldLeaf({ requestParameters: { 'tag.Name': 'prod' } }, path, (v) => v === 'prod')).toBe(
      true,
    );
  });

  it('null-ness and presence through arrays', () => {
    const path = fieldPath(['resources', 'ARN']);
    expect(fieldIsNull({ resources: [{ ARN: null }, { type: 'x' }] }, path)).toBe(true);
    expect(fieldIsNull({ resources: [{ ARN: null }, { ARN: 'arn:x' }] }, path)).toBe(false);
    expect(someValue({ resources: 'not-an-array' }, path, () => true)).toBe(false);
  });

  it('bounds the work on hostile shapes', () => {
    // 2,000 nested arrays, and an array of a million elements: both must return promptly, without throwing.
    let deep: unknown = 'x';
    for (let i = 0; i < 2000; i++) deep = [deep];
    const wide = { a: Array.from({ length: 1_000_000 }, () => ({ b: 'no' })) };
    wide.a.push({ b: 'yes' });
    expect(someFieldLeaf({ a: deep }, fieldPath(['a']), (v) => v === 'x')).toBe(false);
    expect(someFieldLeaf(wide, fieldPath(['a', 'b']), (v) => v === 'yes')).toBe(false);
    expect(someFieldLeaf(wide, fieldPath(['a', 'b']), (v) => v === 'no')).toBe(true);
  });
});
