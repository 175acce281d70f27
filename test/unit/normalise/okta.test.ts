import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { normaliseOkta } from '../../../shared/normalise/okta.ts';
import type { NormaliseContext, NormalisedEvent } from '../../../shared/normalise/types.ts';
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
type Okta = Record<string, any>;
interface Labelled {
  test_name: string;
  event: Okta;
}
const labelled: Labelled[] = readFileSync(path.join(DATA, 'labelled/panther_okta_systemlog.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

const eventTypeOf = (r: Okta): unknown => r.eventType ?? r.eventtype;

/** The labelled record with this test name (and event type, where names repeat). */
function record(testName: string, eventType?: string): Okta {
  const found = labelled.find(
    (l) => l.test_name === testName && (!eventType || eventTypeOf(l.event) === eventType),
  );
  if (!found) throw new Error(`no labelled Okta record "${testName}"`);
  return found.event;
}

function recordingContext(): NormaliseContext & { enriched: OcsfEvent[] } {
  const enriched: OcsfEvent[] = [];
  return { enriched, enrich: (e) => enriched.push(e) };
}

function normalised(raw: unknown): NormalisedEvent {
  const result = normaliseOkta(raw, { enrich: () => {} });
  if (!result.ok) throw new Error(`expected an event, got: ${result.error.message}`);
  return result.event;
}

describe('normaliseOkta over the labelled System Log records', () => {
  it('turns every record with an eventType into valid OCSF, and rejects the others with a ValidationError', () => {
    for (const { test_name, event } of labelled) {
      const result = normaliseOkta(event, { enrich: () => {} });
      if (typeof eventTypeOf(event) === 'string') {
        expect(result.ok, test_name).toBe(true);
        if (result.ok) expect(validateOcsf(result.event.ocsf, schema), test_name).toEqual([]);
      } else {
        expect(result.ok, test_name).toBe(false);
        if (!result.ok) {
          expect(result.error).toBeInstanceOf(ValidationError);
          expect(result.error.message).toBe('Okta LogEvent without an eventType');
          expect(result.error.source).toBe('normalise.okta');
        }
      }
    }
  });

  it('maps a failed sign-in to Authentication: Logon, failure, user, source, session', () => {
    const raw = record('Failed Login', 'user.session.start');
    const app = raw.target.find((t: Okta) => t.type === 'AppInstance');
    const { ocsf, source, raw: kept } = normalised(raw);
    expect(source).toBe('okta');
    expect(kept).toBe(raw);
    expect(ocsf).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      activity_name: 'Logon',
      type_uid: 300201,
      status_id: 2,
      status: 'Failure',
      status_code: raw.outcome.result,
      // Okta writes UTC without a zone: "2024-04-02 19:17:37.621000000".
      time: Date.parse(`${raw.published.replace(' ', 'T').slice(0, 23)}Z`),
      cloud: { provider: 'Okta' },
      metadata: {
        uid: raw.uuid,
        product: { vendor_name: 'Okta', name: 'Okta System Log' },
        event_code: 'user.session.start',
      },
      user: {
        uid: raw.actor.id,
        name: raw.actor.alternateId,
        full_name: raw.actor.displayName,
        email_addr: raw.actor.alternateId,
      },
      service: { uid: app.id, name: app.displayName },
      session: { uid: raw.authenticationContext.externalSessionId },
      http_request: { user_agent: raw.client.userAgent.rawUserAgent },
      message: raw.displayMessage,
    });
    const geo = raw.client.geographicalContext;
    expect(geo.country).toBe('United States');
    expect(ocsf.src_endpoint).toEqual({
      ip: raw.client.ipAddress,
      location: {
        country: 'US', // OCSF wants the ISO 3166-1 alpha-2 code; Okta writes the English name
        region: geo.state,
        city: geo.city,
        postal_code: geo.postalCode,
        coordinates: [geo.geolocation.lon, geo.geolocation.lat],
      },
    });
    expect(ocsf.raw_data).toBeUndefined();
    // Signing in to Okta itself, with a reason for the outcome:
    const toOkta = normalised(record('Okta - Failed Login')).ocsf;
    expect(toOkta).toMatchObject({
      service: { name: 'Okta' },
      status_id: 2,
      status_detail: 'VERIFICATION_ERROR',
    });
  });

  it('marks MFA sign-ins, and reads the lower-cased keys some exports write', () => {
    const raw = record('FastPass Phishing Block Event', 'user.authentication.auth_via_mfa');
    expect(raw.eventType).toBeUndefined(); // this export lower-cased it
    const { ocsf } = normalised(raw);
    expect(ocsf.class_uid).toBe(3002);
    expect(ocsf.is_mfa).toBe(true);
    expect(ocsf.message).toBe(raw.displaymessage);
    expect(ocsf.session?.uid).toBe(raw.authenticationcontext.externalSessionId);
    expect(ocsf.unmapped?.debugcontext).toBe(raw.debugcontext);
    expect(normalised(record('Login Event', 'user.session.start')).ocsf.is_mfa).toBeUndefined();
  });

  it('takes the SSO user from its AppUser target and the service from the app, even without an actor or time', () => {
    const raw = record('AWS SSO via Okta');
    const { ocsf } = normalised(raw);
    const [app, appUser] = raw.target;
    expect(ocsf.class_uid).toBe(3002);
    expect(ocsf.user).toMatchObject({
      uid: appUser.id,
      name: appUser.alternateId,
      type: 'AppUser',
      type_id: 1,
    });
    expect(ocsf.service).toEqual({ uid: app.id, name: app.displayName });
    expect([ocsf.auth_protocol_id, ocsf.auth_protocol]).toEqual([5, 'SAML']);
    expect(ocsf.actor).toBeUndefined();
    expect(ocsf.time).toBe(0);
    expect(ocsf.metadata.labels).toEqual([TIME_UNKNOWN_LABEL]);
  });

  it('maps account changes to Account Change with the target user and the acting admin', () => {
    const reset = record('Support Reset Credential');
    const { ocsf } = normalised(reset);
    expect(ocsf).toMatchObject({
      class_uid: 3001,
      activity_id: 4,
      activity_name: 'Password Reset',
      type_uid: 300104,
    });
    expect(ocsf.user?.uid).toBe(reset.target[0].id);
    expect(ocsf.actor?.user?.uid).toBe(reset.actor.id);

    const grant = normalised(record('Admin Access Assigned')).ocsf;
    expect([grant.class_uid, grant.activity_id, grant.activity_name]).toEqual([3001, 7, 'Attach Policy']);

    const mfaOff = record('Okta - User disables MFA');
    const off = normalised(mfaOff).ocsf;
    expect([off.class_uid, off.activity_id, off.activity_name]).toEqual([3001, 11, 'MFA Factor Disable']);
    expect(off.user?.name).toBe(mfaOff.target[0].alternateId);

    // A factor update is an account change OCSF 1.1 has no activity for: Other, with Okta's own word.
    const update = normalised(record('Okta - MFA Enabled')).ocsf;
    expect([update.activity_id, update.activity_name, update.type_name]).toEqual([
      99,
      'user.mfa.factor.update',
      'Account Change: Other',
    ]);
  });

  it('maps everything else to API Activity with the event type as the operation and targets as resources', () => {
    const raw = record('API Key Created');
    const { ocsf } = normalised(raw);
    expect(ocsf).toMatchObject({
      class_uid: 6003,
      activity_id: 1,
      activity_name: 'Create',
      api: { operation: 'system.api_token.create' },
      actor: { user: { uid: raw.actor.id } },
      src_endpoint: { name: 'unknown' },
    });
    const [token] = raw.target;
    // A target with both names keeps the whole target in `data`, so the second name is not lost.
    expect(ocsf.resources).toEqual([
      { uid: token.id, name: token.displayName, type: token.type, data: token },
    ]);

    const show = normalised(record("User accessed another user's password")).ocsf;
    expect([show.class_uid, show.activity_id, show.activity_name]).toEqual([6003, 2, 'Read']);
    expect(show.actor?.session?.uid).toBeDefined();
  });

  it('maps Okta severities and keeps an unknown one as Other', () => {
    const base = record('Login Event', 'user.session.start');
    const severityOf = (severity: unknown) => normalised({ ...base, severity }).ocsf;
    expect(severityOf('DEBUG').severity_id).toBe(1);
    expect(severityOf('INFO').severity_id).toBe(1);
    expect(severityOf('WARN').severity_id).toBe(3);
    expect(severityOf('ERROR').severity_id).toBe(4);
    expect(severityOf('HIGH')).toMatchObject({ severity_id: 99, severity: 'HIGH' });
    expect(severityOf(undefined)).toMatchObject({ severity_id: 0, severity: 'Unknown' });
  });

  it('derives a stable uid when the record has none, distinct for distinct records', () => {
    const raw = record('Login Event', 'user.session.start');
    expect(raw.uuid).toBeUndefined();
    const uid = normalised(raw).ocsf.metadata.uid;
    expect(uid).toMatch(/^okta-[0-9a-f]{32}$/);
    expect(normalised(structuredClone(raw)).ocsf.metadata.uid).toBe(uid);
    expect(normalised({ ...raw, published: '2022-03-22 14:21:53.226' }).ocsf.metadata.uid).not.toBe(uid);
  });

  it('keeps what OCSF has no place for in unmapped, by reference', () => {
    const raw = record('Successful Login', 'user.session.start');
    const { unmapped } = normalised(raw).ocsf;
    expect(unmapped?.debugContext).toBe(raw.debugContext);
    expect(unmapped?.['client.zone']).toBe(raw.client.zone);
    expect(unmapped?.['client.userAgent.os']).toBe(raw.client.userAgent.os);
    expect(unmapped?.['authenticationContext.authenticationStep']).toBe(
      raw.authenticationContext.authenticationStep,
    );
    expect(unmapped).not.toHaveProperty('eventType');
    expect(unmapped).not.toHaveProperty('client.ipAddress');
  });

  it('calls enrich once per event it returns and never on a rejected record', () => {
    const ctx = recordingContext();
    const result = normaliseOkta(record('Failed Login', 'user.session.start'), ctx);
    expect(result.ok && ctx.enriched).toEqual(result.ok ? [result.event.ocsf] : false);
    normaliseOkta({}, ctx);
    expect(ctx.enriched).toHaveLength(1);
  });
});

describe('normaliseOkta on hostile input', () => {
  it.each([
    [null, 'expected an Okta LogEvent object, got null'],
    [[{ eventType: 'user.session.start' }], 'expected an Okta LogEvent object, got an array'],
    ['user.session.start', 'expected an Okta LogEvent object, got a string'],
    [{ eventType: 42 }, 'Okta LogEvent without an eventType'],
    [
      { eventType: 'policy.lifecycle.update', actor: 'admin' },
      'Okta API activity without an actor (no user, no session)',
    ],
    [
      { eventType: 'user.session.start', actor: { type: 'User' } },
      'Okta sign-in event names no user (no actor, no user target)',
    ],
    [
      { eventType: 'user.session.start', target: [{ type: [{ toString: false }] }] },
      'Okta sign-in event names no user (no actor, no user target)',
    ],
  ])('rejects %j with a clear reason', (raw, reason) => {
    const result = normaliseOkta(raw, { enrich: () => {} });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(ValidationError);
      expect(result.error.message).toBe(reason);
      expect(result.raw).toBe(raw);
    }
  });

  it('drops addresses and coordinates that are not what they claim, and keeps the raw address unmapped', () => {
    const base = record('Successful Login', 'user.session.start');
    const raw = {
      ...base,
      client: { ipAddress: '1.2.3.999', geographicalContext: { geolocation: { lat: 200, lon: 'x' } } },
    };
    const { ocsf } = normalised(raw);
    expect(ocsf.src_endpoint).toBeUndefined();
    expect(ocsf.unmapped?.['client.ipAddress']).toBe('1.2.3.999');
    expect(validateOcsf(ocsf, schema)).toEqual([]);
  });

  it('keeps fields of a shape it does not read in unmapped, as sent', () => {
    const raw = {
      eventType: 'policy.rule.update',
      actor: { id: 'a1' },
      target: { id: 't1' },
      severity: { level: 9 },
    };
    const { ocsf } = normalised(raw);
    expect(ocsf.unmapped).toEqual({ target: raw.target, severity: raw.severity });
    expect(ocsf.severity_id).toBe(0);
    expect(ocsf.resources).toBeUndefined();
  });

  it('keeps a country name it cannot code in unmapped, and passes codes through', () => {
    const base = record('Successful Login', 'user.session.start');
    const withCountry = (country: string) =>
      normalised({ ...base, client: { ...base.client, geographicalContext: { country } } }).ocsf;
    const atlantis = withCountry('Atlantis');
    expect(atlantis.src_endpoint?.location).toBeUndefined();
    expect(atlantis.unmapped?.['client.geographicalContext.country']).toBe('Atlantis');
    expect(withCountry('ca').src_endpoint?.location).toEqual({ country: 'CA' });
    expect(withCountry('Russia').src_endpoint?.location).toEqual({ country: 'RU' });
    expect(withCountry('United Kingdom').src_endpoint?.location).toEqual({ country: 'GB' });
  });

  it('falls back to the target user when a User actor carries nothing usable', () => {
    const raw = {
      eventType: 'user.session.start',
      actor: { type: 'User', id: ['not', 'an', 'id'] },
      target: [{ type: 'User', id: '00u1', alternateId: 'bob@example.com' }],
    };
    expect(normalised(raw).ocsf.user).toMatchObject({ uid: '00u1', name: 'bob@example.com' });
  });

  it('cuts huge strings to what OCSF holds and ignores a "__proto__" field', () => {
    const raw = JSON.parse(
      `{"eventType":"policy.rule.update","actor":{"id":"a1"},"displayMessage":"${'m'.repeat(100_000)}","__proto__":{"polluted":true}}`,
    );
    const { ocsf } = normalised(raw);
    expect(ocsf.message).toHaveLength(65_535);
    expect(Object.getPrototypeOf(ocsf.unmapped)).toBe(Object.prototype);
    expect(Object.hasOwn(ocsf.unmapped ?? {}, '__proto__')).toBe(true);
    expect(validateOcsf(ocsf, schema)).toEqual([]);
  });

  it('never throws, and every event it returns is valid OCSF (property)', () => {
    const real = labelled.map((l) => l.event).filter((e) => typeof eventTypeOf(e) === 'string');
    const eventType = fc.oneof(
      fc.constantFrom(...real.map(eventTypeOf)),
      fc.constantFrom('user.session.end', 'group.user_membership.add', 'user.lifecycle.create'),
      fc.string(),
    );
    const entity = fc.oneof(
      anything,
      fc.record(
        {
          id: anything,
          alternateId: fc.oneof(fc.string(), fc.emailAddress()),
          displayName: anything,
          type: fc.oneof(fc.constantFrom('User', 'AppUser', 'AppInstance'), fc.string(), anything),
        },
        { requiredKeys: [] },
      ),
    );
    const hostile = fc.record(
      {
        eventType,
        published: fc.oneof(
          anything,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        uuid: anything,
        severity: anything,
        displayMessage: anything,
        actor: entity,
        target: fc.oneof(anything, fc.array(entity)),
        outcome: fc.oneof(anything, fc.record({ result: fc.string(), reason: anything })),
        client: fc.oneof(
          anything,
          fc.record(
            {
              ipAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()),
              geographicalContext: anything,
              userAgent: anything,
            },
            { requiredKeys: [] },
          ),
        ),
        authenticationContext: anything,
        transaction: anything,
      },
      { requiredKeys: ['eventType'] },
    );
    const input = fc.oneof(hostile, fc.constantFrom(...real), anything);
    fc.assert(
      fc.property(input, (raw) => {
        const result = normaliseOkta(raw, { enrich: () => {} });
        if (result.ok) expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
        else expect(result.error).toBeInstanceOf(ValidationError);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a password typed into the username field', () => {
  const signIn = (id: string, alternateId: string) => ({
    ...record('Same device and OS'),
    actor: { id, type: 'User', alternateId, displayName: 'unknown', detailEntry: null },
  });

  it('is withheld from the OCSF event of a sign-in Okta could not tie to a user', () => {
    const typed = 'Winter2026!blue';
    const ev = normalised(signIn('unknown', typed));
    expect(JSON.stringify(ev.ocsf)).not.toContain(typed);
    expect(ev.ocsf.actor?.user?.name).toBe('(withheld: a password-shaped username)');
    expect(ev.raw).toMatchObject({ actor: { alternateId: typed } }); // the detection that reports it reads the raw record
  });

  it('leaves plain usernames, and the logins of known users, as they are', () => {
    expect(normalised(signIn('unknown', 'admin')).ocsf.actor?.user?.name).toBe('admin');
    expect(normalised(signIn('00u1admn7Q3pXyZ5d7', 'Tr0ub4dor&3')).ocsf.actor?.user?.name).toBe(
      'Tr0ub4dor&3',
    );
  });
});
