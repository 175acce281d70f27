import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { observe } from '../../../shared/baseline/observe.ts';
import { type BaselinePolicy, DEFAULT_BASELINE_POLICY } from '../../../shared/baseline/policy.ts';
import { applyUpdate, DIMENSIONS, type PrincipalProfile } from '../../../shared/baseline/profile.ts';
import { defaultEnricher } from '../../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../../shared/normalise/index.ts';
import { labelledEvents } from '../../support/data.ts';

type Json = Record<string, unknown>;
const enrich = defaultEnricher();
/** A real IAM-user CLI call from the labelled CloudTrail records: every generated event is built on it. */
const TEMPLATE = (labelledEvents('panther_aws_cloudtrail.ndjson') as Json[]).find(
  (e) => String(e.userAgent).startsWith('aws-cli/2.13.0') && (e.userIdentity as Json).type === 'IAMUser',
) as Json;

const T0 = Date.parse('2026-03-02T00:00:00Z');
const USERS = ['alice', 'bob', 'carol'];
const CALLS = [
  ['s3.amazonaws.com', 'ListBuckets'],
  ['s3.amazonaws.com', 'GetObject'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['iam.amazonaws.com', 'CreateAccessKey'],
  ['sts.amazonaws.com', 'GetCallerIdentity'],
] as const;
const REGIONS = ['eu-central-1', 'us-east-1', 'ap-southeast-1'];
/** Germany, Germany, Russia, Brazil (GeoLite2), and a private address with no country. */
const IPS = ['46.91.25.204', '46.91.25.1', '5.255.255.5', '200.160.2.3', '10.0.0.7'];
const AGENTS = [
  'aws-cli/2.13.0 Python/3.11.4 Linux/5.10.0-1234-aws exe/x86_64.ubuntu.22',
  'Boto3/1.26.0 Python/3.9.0',
  'python-requests/2.28.0',
];

interface Spec {
  user: number;
  call: number;
  region: number;
  ip: number;
  agent: number;
  /** Minutes after T0, over three weeks: learning ends inside the range. */
  minute: number;
}
const specArb: fc.Arbitrary<Spec> = fc.record({
  user: fc.nat({ max: USERS.length - 1 }),
  call: fc.nat({ max: CALLS.length - 1 }),
  region: fc.nat({ max: REGIONS.length - 1 }),
  ip: fc.nat({ max: IPS.length - 1 }),
  agent: fc.nat({ max: AGENTS.length - 1 }),
  minute: fc.nat({ max: 21 * 24 * 60 }),
});

const cache = new Map<string, NormalisedEvent>();
function toEvent(s: Spec, id: string): NormalisedEvent {
  const key = `${id}|${JSON.stringify(s)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const user = USERS[s.user] as string;
  const [eventSource, eventName] = CALLS[s.call] as readonly [string, string];
  const record: Json = {
    ...TEMPLATE,
    eventID: id,
    eventTime: new Date(T0 + s.minute * 60_000).toISOString().replace('.000Z', 'Z'),
    eventSource,
    eventName,
    awsRegion: REGIONS[s.region],
    sourceIPAddress: IPS[s.ip],
    userAgent: AGENTS[s.agent],
    userIdentity: {
      ...(TEMPLATE.userIdentity as Json),
      arn: `arn:aws:iam::111111111111:user/${user}`,
      userName: user,
    },
  };
  delete record.errorCode;
  delete record.errorMessage;
  const [r] = normalise(record, { enrich });
  if (!r?.ok) throw new Error('generated record did not normalise');
  cache.set(key, r.event);
  return r.event;
}

/** A history (in batches) then one more batch; ids are unique across the whole stream. */
const streamArb = fc
  .record({
    history: fc.array(fc.array(specArb, { maxLength: 25 }), { maxLength: 5 }),
    batch: fc.array(specArb, { minLength: 1, maxLength: 30 }),
    cut: fc.nat(),
    seed: fc.nat(),
  })
  .map(({ history, batch, cut, seed }) => {
    let n = 0;
    const id = () => `e-${String(n++).padStart(5, '0')}`;
    const past = history.map((b) => b.map((s) => toEvent(s, id())));
    const next = batch.map((s) => toEvent(s, id()));
    return { past, next, cut: cut % (next.length + 1), seed };
  });

type Profiles = Map<string, PrincipalProfile>;
function apply(profiles: Profiles, batch: readonly NormalisedEvent[], policy: BaselinePolicy) {
  const result = observe(batch, profiles, policy);
  for (const u of result.updates) profiles.set(u.principal, applyUpdate(profiles.get(u.principal), u));
  return result;
}
const replayed = (batches: NormalisedEvent[][], policy: BaselinePolicy): Profiles => {
  const profiles: Profiles = new Map();
  for (const b of batches) apply(profiles, b, policy);
  return profiles;
};
const inTimeOrder = (events: NormalisedEvent[]) =>
  [...events].sort(
    (a, b) =>
      a.ocsf.time - b.ocsf.time || ((a.ocsf.metadata.uid ?? '') < (b.ocsf.metadata.uid ?? '') ? -1 : 1),
  );

/** What a profile has learned: its value sets and first_seen (the event counter is a heuristic, see profile.ts). */
const learned = (profiles: Profiles) =>
  [...profiles.values()]
    .map((p) => ({
      principal: p.principal,
      first_seen: p.first_seen,
      values: Object.fromEntries(DIMENSIONS.map((d) => [d, [...p.values[d]].sort()])),
    }))
    .sort((a, b) => (a.principal < b.principal ? -1 : 1));
const flags = (profiles: Profiles) =>
  [...profiles.values()]
    .flatMap((p) => [...p.flagged].map(([k, uid]) => `${p.principal}|${k}|${uid}`))
    .sort();

const POLICY: BaselinePolicy = { ...DEFAULT_BASELINE_POLICY, minEvents: 5 };
/** Learning by time only: then where a batch is cut cannot move the end of learning at all. */
const TIME_ONLY: BaselinePolicy = { ...POLICY, minEvents: 0 };

describe('observe (properties)', () => {
  it('a batch delivered again raises no new signal and learns nothing more', () => {
    fc.assert(
      fc.property(streamArb, ({ past, next }) => {
        const profiles = replayed(past, POLICY);
        const first = apply(profiles, next, POLICY);
        const before = { learned: learned(profiles), flags: flags(profiles) };
        const again = apply(profiles, next, POLICY);
        // The same signals, by id: correlation counts them once. None that the first delivery lacked.
        expect(again.signals.map((s) => s.id)).toEqual(first.signals.map((s) => s.id));
        for (const u of again.updates) {
          expect(u.add).toEqual({});
          expect(u.flag).toEqual([]);
        }
        expect({ learned: learned(profiles), flags: flags(profiles) }).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('splitting a batch in two learns the same profile as taking it whole', () => {
    fc.assert(
      fc.property(streamArb, ({ past, next, cut }) => {
        const sorted = inTimeOrder(next);
        for (const policy of [POLICY, TIME_ONLY]) {
          const whole = replayed([...past, sorted], policy);
          const split = replayed([...past, sorted.slice(0, cut), sorted.slice(cut)], policy);
          expect(learned(split)).toEqual(learned(whole));
          // Flags depend on when learning ends; by time alone that is independent of batching.
          if (policy === TIME_ONLY) expect(flags(split)).toEqual(flags(whole));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the order of events inside a batch does not matter', () => {
    fc.assert(
      fc.property(streamArb, ({ past, next, seed }) => {
        const profiles = replayed(past, POLICY);
        const shuffled = [...next];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as NormalisedEvent, shuffled[i] as NormalisedEvent];
        }
        expect(observe(shuffled, profiles, POLICY)).toEqual(observe(next, profiles, POLICY));
      }),
      { numRuns: 300 },
    );
  });

  it('every signal is a baseline signal whose id is its rule and its event', () => {
    fc.assert(
      fc.property(streamArb, ({ past, next }) => {
        const profiles = replayed(past, POLICY);
        const { signals } = observe(next, profiles, POLICY);
        const ids = signals.map((s) => s.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const s of signals) {
          expect(s.origin).toBe('baseline');
          expect(s.id).toBe(`${s.rule_id}|${s.event_uid}`);
          expect(s.evidence.profile_age_days).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
