import { describe, expect, it } from 'vitest';
import { BASELINE_RULES, observe } from '../../../shared/baseline/observe.ts';
import { type BaselinePolicy, DEFAULT_BASELINE_POLICY } from '../../../shared/baseline/policy.ts';
import {
  applyUpdate,
  asnOf,
  observationsOf,
  type PrincipalProfile,
  principalOf,
} from '../../../shared/baseline/profile.ts';
import { defaultEnricher } from '../../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../../shared/normalise/index.ts';
import { labelledEvents } from '../../support/data.ts';

type Json = Record<string, unknown>;
const enrich = defaultEnricher();
const cloudtrail = labelledEvents('panther_aws_cloudtrail.ndjson') as Json[];
const identity = (e: Json) => e.userIdentity as Json;
/** Real records (panther-analysis): an IAM user's CLI call and an IAM user's console sign-in. */
const CLI_CALL = cloudtrail.find(
  (e) =>
    String(e.userAgent).startsWith('aws-cli/2.13.0 Python/3.11.4 Linux') && identity(e).type === 'IAMUser',
) as Json;
const CONSOLE_LOGIN = cloudtrail.find(
  (e) => e.eventName === 'ConsoleLogin' && (e.responseElements as Json)?.ConsoleLogin === 'Success',
) as Json;

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const ACCOUNT = '111111111111';
const arnOf = (user: string) => `arn:aws:iam::${ACCOUNT}:user/${user}`;
/** Real public addresses; GeoLite2 places them in Germany, Russia and Brazil. */
const DE = '46.91.25.204';
const RU = '5.255.255.5';
const BR = '200.160.2.3';

interface Call {
  at: number;
  user?: string;
  call?: [service: string, operation: string];
  region?: string;
  ip?: string;
  ua?: string;
  id?: string;
  login?: boolean;
}

let seq = 0;
/** A CloudTrail record built on a real one, normalised and enriched by the real pipeline. */
function event(c: Call): NormalisedEvent {
  const user = c.user ?? 'alice';
  const template = c.login ? CONSOLE_LOGIN : CLI_CALL;
  const record: Json = {
    ...template,
    eventID: c.id ?? `evt-${String(++seq).padStart(6, '0')}`,
    eventTime: new Date(c.at).toISOString().replace('.000Z', 'Z'),
    awsRegion: c.region ?? 'eu-central-1',
    sourceIPAddress: c.ip ?? DE,
    userAgent: c.ua ?? (template.userAgent as string),
    recipientAccountId: ACCOUNT,
    userIdentity: {
      ...identity(template),
      arn: arnOf(user),
      accountId: ACCOUNT,
      userName: user,
      ...(c.login ? {} : { accessKeyId: `AKIA${user.toUpperCase().padEnd(16, 'X')}` }),
    },
  };
  if (!c.login) {
    const [service, operation] = c.call ?? ['s3.amazonaws.com', 'ListBuckets'];
    record.eventSource = service;
    record.eventName = operation;
    delete record.errorCode;
    delete record.errorMessage;
  }
  const [result] = normalise(record, { enrich });
  if (!result?.ok) throw new Error('test record did not normalise');
  return result.event;
}

const ROUTINE: [string, string][] = [
  ['s3.amazonaws.com', 'ListBuckets'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['sts.amazonaws.com', 'GetCallerIdentity'],
];
/** Three routine calls a day for `days` days, from Germany, in eu-central-1, with the CLI. */
const routine = (days: number, user = 'alice'): NormalisedEvent[] =>
  Array.from({ length: days * 3 }, (_, i) =>
    event({ at: T0 + Math.floor(i / 3) * DAY + (i % 3) * 3_600_000, user, call: ROUTINE[i % 3] }),
  );

type Profiles = Map<string, PrincipalProfile>;
/** Observes batches in turn, applying each batch's updates as the store would. */
function run(
  batches: NormalisedEvent[][],
  policy: BaselinePolicy = DEFAULT_BASELINE_POLICY,
  profiles: Profiles = new Map(),
) {
  const results = batches.map((batch) => {
    const result = observe(batch, profiles, policy);
    for (const u of result.updates) profiles.set(u.principal, applyUpdate(profiles.get(u.principal), u));
    return result;
  });
  return { profiles, results, signals: results.flatMap((r) => r.signals) };
}

const ruleIds = (signals: { rule_id: string }[]) => signals.map((s) => s.rule_id);

describe('observe: learning', () => {
  it('learns a new principal silently for its first week', () => {
    const { signals, profiles } = run([routine(7).slice(0, 10), routine(7).slice(10)]);
    expect(signals).toEqual([]);
    const profile = profiles.get(arnOf('alice'));
    expect(profile?.first_seen).toBe(T0);
    expect([...(profile?.values.api ?? [])].sort()).toEqual([
      'ec2.amazonaws.com:DescribeInstances',
      's3.amazonaws.com:ListBuckets',
      'sts.amazonaws.com:GetCallerIdentity',
    ]);
    expect([...(profile?.values.country ?? [])]).toEqual(['DE']);
    expect([...(profile?.values.user_agent ?? [])]).toEqual(['aws-cli']);
  });

  it('after learning, flags a new country and a new region, once each, on the event that carries them', () => {
    const { profiles } = run([routine(8)]);
    const attack = event({
      at: T0 + 9 * DAY,
      ip: RU,
      region: 'ap-southeast-1',
      call: ['ec2.amazonaws.com', 'DescribeInstances'],
    });
    const { signals } = observe([attack], profiles, DEFAULT_BASELINE_POLICY);
    expect(ruleIds(signals)).toEqual(['baseline.new_region', 'baseline.new_country']);
    const uid = attack.ocsf.metadata.uid;
    for (const s of signals) {
      expect(s.id).toBe(`${s.rule_id}|${uid}`);
      expect(s.origin).toBe('baseline');
      expect(s.severity).toBe('low');
      expect(s.event_uid).toBe(uid);
      expect(s.time).toBe(T0 + 9 * DAY);
      expect(s.entities).toEqual(
        expect.arrayContaining([
          { type: 'principal', id: arnOf('alice') },
          { type: 'ip', id: RU },
          { type: 'account', id: ACCOUNT },
        ]),
      );
    }
    const [region, country] = signals;
    expect(country?.evidence).toMatchObject({
      dimension: 'country',
      value: 'RU',
      profile_age_days: 9,
      src_ip: RU,
    });
    expect(region?.evidence).toMatchObject({
      dimension: 'region',
      value: 'ap-southeast-1',
      operation: 'DescribeInstances',
    });
    expect(country?.attack).toEqual(['T1078.004']);
    expect(region).toMatchObject({ tactic: 'TA0005', attack: ['T1535'] });
  });

  it('keeps learning past the week until the principal has enough events', () => {
    const sparse = [0, 2, 4, 6, 8].map((d) => event({ at: T0 + d * DAY }));
    const { profiles } = run([sparse]);
    const later = event({ at: T0 + 9 * DAY, ip: RU });
    expect(observe([later], profiles, DEFAULT_BASELINE_POLICY).signals).toEqual([]);
  });

  it('keeps learning for the whole week however busy the principal is', () => {
    const busy = Array.from({ length: 200 }, (_, i) => event({ at: T0 + i * 60_000, call: ROUTINE[i % 3] }));
    const { profiles } = run([busy]);
    const sixDaysIn = event({ at: T0 + 6 * DAY, ip: RU, region: 'sa-east-1' });
    expect(observe([sixDaysIn], profiles, DEFAULT_BASELINE_POLICY).signals).toEqual([]);
  });

  it('judges learning per principal: a veteran is flagged while a newcomer in the same batch learns', () => {
    const { profiles } = run([routine(8, 'alice')]);
    const batch = [
      event({ at: T0 + 9 * DAY, user: 'alice', ip: BR }),
      event({ at: T0 + 9 * DAY, user: 'bob', ip: BR }),
    ];
    const { signals } = observe(batch, profiles, DEFAULT_BASELINE_POLICY);
    expect(signals.map((s) => [s.rule_id, s.evidence.actor])).toEqual([['baseline.new_country', 'alice']]);
  });
});

describe('observe: signals', () => {
  it('makes a console sign-in from a new country medium, still a capped baseline signal', () => {
    const { profiles } = run([routine(8)]);
    const login = event({ at: T0 + 9 * DAY, login: true, ip: BR, region: 'eu-central-1' });
    expect(login.ocsf.class_uid).toBe(3002);
    const { signals } = observe([login], profiles, DEFAULT_BASELINE_POLICY);
    const country = signals.find((s) => s.rule_id === 'baseline.new_country');
    expect(country).toMatchObject({
      severity: 'medium',
      origin: 'baseline',
      risk: BASELINE_RULES.country.risk,
    });
    // The browser is a new tool for a CLI-only principal; its sign-in API is new too.
    expect(ruleIds(signals).sort()).toEqual([
      'baseline.new_api',
      'baseline.new_country',
      'baseline.new_service',
      'baseline.new_user_agent_family',
    ]);
  });

  it('gives each new value one signal, on the first event of the batch carrying it, in event-time order', () => {
    const { profiles } = run([routine(8)]);
    const t = T0 + 9 * DAY;
    const batch = [
      event({ at: t + 3000, ip: BR, id: 'late-br' }),
      event({ at: t + 2000, ip: RU, id: 'second-ru' }),
      event({ at: t + 1000, ip: RU, id: 'first-ru', call: ['iam.amazonaws.com', 'CreateAccessKey'] }),
      event({ at: t + 4000, ip: RU, id: 'again-ru', call: ['iam.amazonaws.com', 'CreateAccessKey'] }),
    ];
    const { signals, updates } = observe(batch, profiles, DEFAULT_BASELINE_POLICY);
    expect(signals.map((s) => s.id)).toEqual([
      'baseline.new_api|first-ru',
      'baseline.new_service|first-ru',
      'baseline.new_country|first-ru',
      'baseline.new_country|late-br',
    ]);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.add).toEqual({
      api: ['iam.amazonaws.com:CreateAccessKey'],
      service: ['iam.amazonaws.com'],
      ip: [RU, BR],
      country: ['RU', 'BR'],
    });
  });

  it('never flags a value twice for the same principal', () => {
    const { profiles } = run([routine(8)]);
    const first = run([[event({ at: T0 + 9 * DAY, ip: RU })]], DEFAULT_BASELINE_POLICY, profiles);
    expect(ruleIds(first.signals)).toEqual(['baseline.new_country']);
    const second = run([[event({ at: T0 + 10 * DAY, ip: RU })]], DEFAULT_BASELINE_POLICY, profiles);
    expect(second.signals).toEqual([]);
  });

  it('learns new source IPs but never flags one on its own (IPs churn)', () => {
    const { profiles } = run([routine(8)]);
    const sameCountryNewIp = event({ at: T0 + 9 * DAY, ip: '46.91.25.1' });
    expect(sameCountryNewIp.ocsf.src_endpoint?.location?.country).toBe('DE');
    const { signals, updates } = observe([sameCountryNewIp], profiles, DEFAULT_BASELINE_POLICY);
    expect(signals).toEqual([]);
    expect(updates[0]?.add).toEqual({ ip: ['46.91.25.1'] });
  });

  it('is deterministic: the same batch on the same profiles gives the same signals and updates', () => {
    const { profiles } = run([routine(8)]);
    const batch = [
      event({ at: T0 + 9 * DAY, ip: RU, region: 'us-west-2' }),
      event({ at: T0 + 9 * DAY + 1, ip: BR }),
    ];
    const a = observe(batch, profiles, DEFAULT_BASELINE_POLICY);
    const b = observe([...batch].reverse(), profiles, DEFAULT_BASELINE_POLICY);
    expect(b).toEqual(a);
    expect(a.signals.map((s) => s.id)).toEqual([
      `baseline.new_region|${batch[0]?.ocsf.metadata.uid}`,
      `baseline.new_country|${batch[0]?.ocsf.metadata.uid}`,
      `baseline.new_country|${batch[1]?.ocsf.metadata.uid}`,
    ]);
  });

  it('re-emits the same signals when a batch is delivered again, and writes nothing new', () => {
    const { profiles } = run([routine(8)]);
    const batch = [event({ at: T0 + 9 * DAY, ip: RU, region: 'us-west-2' })];
    const first = run([batch], DEFAULT_BASELINE_POLICY, profiles);
    const again = observe(batch, profiles, DEFAULT_BASELINE_POLICY);
    expect(again.signals).toEqual(first.signals);
    expect(again.updates).toEqual([]);
  });
});

describe('observe: bounds and writes', () => {
  const tight: BaselinePolicy = {
    ...DEFAULT_BASELINE_POLICY,
    caps: { ...DEFAULT_BASELINE_POLICY.caps, api: 3, country: 1 },
  };

  it('stops recording a full dimension, and does not flag what it cannot record', () => {
    const { profiles } = run([routine(8)], tight);
    const batch = [
      event({ at: T0 + 9 * DAY, call: ['iam.amazonaws.com', 'CreateUser'], ip: RU }),
      event({ at: T0 + 10 * DAY, call: ['iam.amazonaws.com', 'CreateUser'], ip: RU }),
    ];
    const { signals, updates } = observe(batch, profiles, tight);
    // The service dimension still has room; api (3) and country (1) are full.
    expect(ruleIds(signals)).toEqual(['baseline.new_service']);
    expect(updates[0]?.add).toEqual({ service: ['iam.amazonaws.com'], ip: [RU] });
  });

  it('clips hostile values and ignores principals too long to be real', () => {
    const huge = event({ at: T0, call: ['s3.amazonaws.com', 'x'.repeat(10_000)], ua: 'y'.repeat(10_000) });
    for (const [, value] of observationsOf(huge)) expect(value.length).toBeLessThanOrEqual(128);
    const long = event({ at: T0, user: 'u'.repeat(600) });
    expect(principalOf(long)).toBeUndefined();
    expect(observe([long], new Map(), DEFAULT_BASELINE_POLICY)).toEqual({ updates: [], signals: [] });
  });

  it('writes nothing for a principal whose batch brought nothing new', () => {
    const { profiles } = run([routine(8)]);
    const steady = Array.from({ length: 300 }, (_, i) =>
      event({ at: T0 + 9 * DAY + i * 60_000, call: ROUTINE[i % 3] }),
    );
    const { results } = run(
      [steady.slice(0, 100), steady.slice(100, 200), steady.slice(200)],
      DEFAULT_BASELINE_POLICY,
      profiles,
    );
    expect(results.flatMap((r) => r.updates)).toEqual([]);
    expect(results.flatMap((r) => r.signals)).toEqual([]);
  });

  it('writes the event count alone only until it reaches the minimum events', () => {
    const { profiles } = run([[0, 1, 2, 3, 4].map((d) => event({ at: T0 + d * DAY }))]);
    expect(profiles.get(arnOf('alice'))?.events).toBe(5);
    const counting = observe([event({ at: T0 + 5 * DAY })], profiles, DEFAULT_BASELINE_POLICY);
    expect(counting.updates).toMatchObject([{ events: 1, add: {}, flag: [] }]);
    const rest = Array.from({ length: 15 }, (_, i) => event({ at: T0 + 5 * DAY + i * 60_000 }));
    run([rest], DEFAULT_BASELINE_POLICY, profiles);
    expect(profiles.get(arnOf('alice'))?.events).toBe(DEFAULT_BASELINE_POLICY.minEvents);
    expect(observe([event({ at: T0 + 6 * DAY })], profiles, DEFAULT_BASELINE_POLICY).updates).toEqual([]);
  });

  it('rewrites a steady profile once its refresh is due, so its TTL never lapses', () => {
    const { profiles } = run([routine(8)]);
    const due = profiles.get(arnOf('alice'))!.refreshed_at + DEFAULT_BASELINE_POLICY.refreshMs;
    expect(observe([event({ at: due - 1 })], profiles, DEFAULT_BASELINE_POLICY).updates).toEqual([]);
    const { updates } = observe([event({ at: due })], profiles, DEFAULT_BASELINE_POLICY);
    expect(updates).toMatchObject([{ add: {}, flag: [], refreshed_at: due, creates: false }]);
  });

  it('lowers first_seen for a late event, and the store is told to', () => {
    const { profiles } = run([routine(3)]);
    const { updates } = observe([event({ at: T0 - DAY })], profiles, DEFAULT_BASELINE_POLICY);
    expect(updates).toMatchObject([{ first_seen: T0 - DAY, lowers_first_seen: true }]);
    expect(applyUpdate(profiles.get(arnOf('alice')), updates[0]!).first_seen).toBe(T0 - DAY);
  });
});

describe('observe: sources', () => {
  it('ignores findings: they report on a principal, they are not its behaviour', () => {
    const findings = labelledEvents('securityhub_findings_eventbridge.ndjson').flatMap((r) =>
      normalise(r, { enrich }).flatMap((x) => (x.ok ? [x.event] : [])),
    );
    const withActor = findings.filter((f) => f.ocsf.actor?.user);
    expect(withActor.length).toBeGreaterThan(0);
    expect(observe(withActor, new Map(), DEFAULT_BASELINE_POLICY)).toEqual({ updates: [], signals: [] });
  });

  it('reads the ASN Okta states, in either key spelling, and profiles the Okta user', () => {
    const okta = labelledEvents('panther_okta_systemlog.ndjson').flatMap((r) =>
      normalise(r, { enrich }).flatMap((x) => (x.ok ? [x.event] : [])),
    );
    const asns = new Set(okta.map(asnOf).filter((a) => a !== undefined));
    // AS263297 is also in the file, on records whose time is "redacted": they do not normalise.
    expect(asns).toEqual(new Set(['AS701', 'AS7018', 'AS7122', 'AS11427', 'AS124526', 'AS940252']));
    const withAsn = okta.find((e) => asnOf(e) !== undefined && principalOf(e) !== undefined);
    expect(observationsOf(withAsn!).map(([d]) => d)).toContain('asn');
  });

  it('flags a new ASN after learning', () => {
    const okta = labelledEvents('panther_okta_systemlog.ndjson') as Json[];
    const record = okta.find((r) => (r.securityContext as Json | undefined)?.asNumber === 7018) as Json;
    const at = (ms: number, asNumber: number, uuid: string): NormalisedEvent => {
      const [r] = normalise(
        {
          ...record,
          uuid,
          published: new Date(ms).toISOString(),
          securityContext: { ...(record.securityContext as Json), asNumber },
        },
        { enrich },
      );
      if (!r?.ok) throw new Error('Okta record did not normalise');
      return r.event;
    };
    const quick: BaselinePolicy = { ...DEFAULT_BASELINE_POLICY, learningMs: DAY, minEvents: 2 };
    const { signals } = run(
      [[at(T0, 7018, 'a'), at(T0 + DAY, 7018, 'b'), at(T0 + 2 * DAY, 701, 'c')]],
      quick,
    );
    expect(signals.map((s) => [s.rule_id, s.evidence.value])).toEqual([['baseline.new_asn', 'AS701']]);
  });
});
