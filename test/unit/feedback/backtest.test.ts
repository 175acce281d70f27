/**
 * The backtest and the proposal against ground truth: real incidents (the attack story and the
 * labelled CloudTrail and GitHub samples through normalise → detect → correlate, in memory) keep
 * their stored signals with entities, so what `matchSuppression` would silence can be counted on
 * them directly and compared with what the view-based backtest says.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { attackStory } from '../../../local/story/attack-story.ts';
import type { IncidentRecord } from '../../../shared/correlate/store.ts';
import { matchSuppression, suppressionFromVerdict } from '../../../shared/correlate/suppress.ts';
import type { Suppression } from '../../../shared/correlate/types.ts';
import { type IncidentView, incidentView } from '../../../shared/correlate/view.ts';
import {
  asSignal,
  type BacktestIncident,
  backtest,
  proposeSuppression,
  suppressionIdFor,
} from '../../../shared/feedback/backtest.ts';
import { labelledEvents } from '../../support/data.ts';
import { incidentsOf } from '../narrate/memory-pipeline.ts';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const DAY = 86_400_000;

let records: IncidentRecord[];
/** Views without signal entities, as incident views were stored before signals carried them. */
let views: IncidentView[];
/** The views as view.ts builds them: each signal with its own entities. */
let exactViews: BacktestIncident[];

beforeAll(async () => {
  const sets = [
    attackStory(),
    labelledEvents('panther_aws_cloudtrail.ndjson'),
    labelledEvents('panther_github_audit.ndjson'),
  ];
  records = (await Promise.all(sets.map((s) => incidentsOf(s)))).flat();
  exactViews = records.map((r) => incidentView(r));
  views = exactViews.map((v) => ({
    ...v,
    signals: v.signals.map(({ entities: _entities, ...s }) => s),
  })) as unknown as IncidentView[];
  // The view carries each signal's own entities, exactly those correlation stored.
  records.forEach((r, k) => {
    for (const s of exactViews[k]!.signals)
      expect(s.entities).toEqual(r.signals.find((x) => x.id === s.id)?.entities);
  });
});

/** What correlation would do: matchSuppression on every stored signal (event time ≤ now), once per id. */
function truth(s: Suppression, now = NOW) {
  const signals = new Set<string>();
  const incidents = new Set<string>();
  for (const r of records)
    for (const sig of r.signals)
      if (sig.time <= now && matchSuppression(sig, [s], now)) {
        signals.add(sig.id);
        incidents.add(r.id);
      }
  return { signals: signals.size, incidents: incidents.size };
}

const suppression = (over: Partial<Suppression>): Suppression => ({
  id: 'sup-test',
  rule_id: '*',
  entity_pattern: '*',
  expires_at: NOW + 30 * DAY,
  reason: 'test',
  created_by: 'alice@example.org',
  ...over,
});

describe('backtest on real incidents', () => {
  it('has real material: several incidents, one with several principals', () => {
    expect(records.length).toBeGreaterThanOrEqual(6);
    expect(records.reduce((n, r) => n + r.signals.length, 0)).toBeGreaterThan(50);
    expect(records.some((r) => r.entities.filter((e) => e.type === 'principal').length > 1)).toBe(true);
  });

  it('with the signals’ own entities, counts exactly what matchSuppression silences, for every false-positive verdict', () => {
    let checked = 0;
    for (const r of records)
      for (const sig of r.signals) {
        const s = suppressionFromVerdict({ signal: sig, analyst: 'a@example.org', reason: '' }, NOW, 'x');
        const expected = truth(s);
        const got = backtest(s, exactViews, NOW);
        expect(got.exact).toBe(true);
        expect({ signals: got.signals, incidents: got.incidents }).toEqual(expected);
        expect(got.incidentIds).toContain(r.id);
        checked++;
      }
    expect(checked).toBeGreaterThan(50);
  });

  it('on the views as they are (no signal entities), is an upper bound and says so', () => {
    let equal = 0;
    let total = 0;
    for (const r of records)
      for (const sig of r.signals) {
        const s = suppressionFromVerdict({ signal: sig, analyst: 'a@example.org', reason: '' }, NOW, 'x');
        const expected = truth(s);
        const got = backtest(s, views, NOW);
        expect(got.exact).toBe(false);
        expect(got.signals).toBeGreaterThanOrEqual(expected.signals);
        expect(got.incidents).toBeGreaterThanOrEqual(expected.incidents);
        total++;
        if (got.signals === expected.signals) equal++;
      }
    // On this data the bound is tight (entities rarely differ between signals of one rule and incident).
    expect(equal).toBe(total);
  });

  it('can over-count without signal entities: a pattern on an entity only another signal named', () => {
    // The story's snapshot share names the foreign account; other rules' signals in the same incident do not.
    const story = records.find((r) => r.entities.some((e) => e.id === '999988887777'))!;
    const other = story.signals.find((s) => !s.entities.some((e) => e.id === '999988887777'))!;
    const s = suppression({ rule_id: other.rule_id, entity_pattern: 'account:999988887777' });
    expect(truth(s).signals).toBe(0);
    expect(backtest(s, exactViews, NOW)).toMatchObject({ signals: 0, exact: true });
    const loose = backtest(s, views, NOW);
    expect(loose.signals).toBeGreaterThan(0);
    expect(loose.exact).toBe(false);
  });

  it('matches globs and the any-rule wildcard as matchSuppression does', () => {
    const role = suppression({
      entity_pattern: 'principal:arn:aws:sts::111122223333:assumed-role/SampleRole/*',
    });
    const expected = truth(role);
    expect(expected.signals).toBeGreaterThan(1);
    expect(backtest(role, exactViews, NOW)).toMatchObject({ ...expected, exact: true });

    const everything = suppression({});
    const all = backtest(everything, exactViews, NOW);
    expect(all.signals).toBe(all.considered);
    expect(all.incidents).toBe(records.length);

    const unrelatedRule = suppression({ rule_id: 'no.such.rule' });
    // No signal of the rule: nothing can be silenced, whatever stands in for entities.
    expect(backtest(unrelatedRule, views, NOW)).toMatchObject({ signals: 0, incidents: 0, exact: true });
  });

  it('counts only signals at or before now, and nothing for a suppression already expired', () => {
    const everything = suppression({});
    const times = records.flatMap((r) => r.signals.map((s) => s.time)).sort((a, b) => a - b);
    const middle = times[Math.floor(times.length / 2)] as number;
    const early = backtest({ ...everything, expires_at: middle + DAY }, exactViews, middle);
    expect(early.considered).toBe(
      new Set(records.flatMap((r) => r.signals.filter((s) => s.time <= middle).map((s) => s.id))).size,
    );
    expect(early.signals).toBe(truth({ ...everything, expires_at: middle + DAY }, middle).signals);
    expect(early.signals).toBeLessThan(backtest(everything, exactViews, NOW).signals);

    expect(backtest({ ...everything, expires_at: NOW }, exactViews, NOW)).toMatchObject({
      signals: 0,
      incidents: 0,
    });
  });

  it('counts a signal kept by two incidents once, and both incidents', () => {
    const [a, b] = exactViews as [BacktestIncident, BacktestIncident];
    const shared = a.signals[0]!;
    const twice = [a, { ...b, signals: [...b.signals, shared] }];
    const s = suppression({ rule_id: shared.rule_id });
    const once = backtest(s, [a, b], NOW);
    const got = backtest(s, twice, NOW);
    expect(got.signals).toBe(once.signals);
    expect(got.incidentIds).toEqual(expect.arrayContaining([a.id, b.id]));
  });
});

describe('proposeSuppression', () => {
  it('with the signals’ own entities, proposes exactly suppressionFromVerdict’s suppression', () => {
    for (const [k, r] of records.entries())
      for (const sig of r.signals) {
        const id = suppressionIdFor(`${r.id}#${sig.id}#a@example.org`);
        const expected = suppressionFromVerdict(
          { signal: sig, analyst: 'a@example.org', reason: 'CI runner', forMs: 7 * DAY },
          NOW,
          id,
        );
        const p = proposeSuppression({
          incident: exactViews[k]!,
          signalId: sig.id,
          analyst: 'a@example.org',
          reason: 'CI runner',
          forMs: 7 * DAY,
          now: NOW,
          id,
        });
        expect(p).toEqual({ ok: true, suppression: expected, scopedFrom: 'signal' });
      }
  });

  it('without them, scopes from the incident only when its entity of that type is unique, and then agrees with the truth', () => {
    let proposed = 0;
    let refused = 0;
    for (const [k, r] of records.entries())
      for (const sig of r.signals) {
        const p = proposeSuppression({
          incident: views[k]!,
          signalId: sig.id,
          analyst: 'a@example.org',
          reason: '',
          now: NOW,
          id: 'x',
        });
        const expected = suppressionFromVerdict(
          { signal: sig, analyst: 'a@example.org', reason: '' },
          NOW,
          'x',
        );
        if (p.ok) {
          proposed++;
          expect(p.scopedFrom).toBe('incident');
          expect(p.suppression).toEqual(expected);
        } else {
          refused++;
          expect(p.why).toMatch(/^the incident names \d+ principal entities/);
          expect(r.entities.filter((e) => e.type === 'principal').length).toBeGreaterThan(1);
        }
      }
    expect(proposed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses an unknown signal and an entity id that would widen the pattern', () => {
    const view = exactViews[0]!;
    expect(
      proposeSuppression({ incident: view, signalId: 'nope', analyst: 'a', reason: '', now: NOW, id: 'x' }),
    ).toEqual({ ok: false, why: 'the incident has no such signal' });

    const sig = view.signals[0]!;
    const wild: BacktestIncident = {
      ...view,
      signals: [{ ...sig, entities: [{ type: 'principal', id: 'arn:aws:iam::1:user/*' }] }],
    };
    const p = proposeSuppression({
      incident: wild,
      signalId: sig.id,
      analyst: 'a',
      reason: '',
      now: NOW,
      id: 'x',
    });
    expect(p.ok).toBe(false);
    expect(!p.ok && p.why).toMatch(/contains "\*"/);
  });

  it('rebuilds the signal correlation saw from the view and its evidence item', () => {
    const [k, r] = [0, records[0]!];
    const stored = r.signals[0]!;
    const view = exactViews[k]!;
    const rebuilt = asSignal(view, view.signals.find((s) => s.id === stored.id)!, stored.entities);
    const { detected_at: _, suppressed: __, ...signal } = stored;
    expect(rebuilt).toMatchObject({ ...signal, evidence: expect.any(Object) });
    // The view keeps the evidence minus its source and class (shown as the item's source).
    const { source: ___, class_uid: ____, ...facts } = stored.evidence;
    expect(rebuilt.evidence).toEqual(facts);
  });

  it('names one suppression per verdict', () => {
    expect(suppressionIdFor('inc-1#sig#a@example.org')).toBe(suppressionIdFor('inc-1#sig#a@example.org'));
    expect(suppressionIdFor('inc-1#sig#a@example.org')).not.toBe(suppressionIdFor('inc-1#sig#b@example.org'));
    expect(suppressionIdFor('x')).toMatch(/^sup-[0-9a-f]{16}$/);
  });
});
