/**
 * The SOC's figures, computed from incident and verdict timestamps only (issue #6). Pure: the same
 * incidents, verdicts and `now` always give the same figures, and nothing is estimated — a figure
 * that has no data behind it is `null`, never a guess.
 *
 * Definitions (the console's metrics page repeats them):
 *
 * - **Resolving several verdicts on one thing.** Analysts each give at most one verdict per signal
 *   (or per incident), so one signal can carry several. The latest one counts (a later review
 *   supersedes an earlier one). When the latest verdicts share the same instant and disagree, the
 *   thing is *disputed*: it is reported as such and left out of the figures below rather than
 *   decided by a guess.
 * - **MTTD** (time to detect) of an incident: its first event → the incident opening
 *   (`opened_at − first_event_at`: the incident's `mttd_seconds` before rounding). Median and mean
 *   over every incident except those analysts *dismissed* as not malicious: the incident's resolved
 *   incident-level verdict is `false_positive` or `benign`, or, without an incident-level verdict,
 *   every one of its signals has a resolved verdict and none of them is `true_positive` (nor
 *   disputed). A dismissed incident had no malicious event to detect.
 * - **MTTR** (time to respond) of an incident: the incident opening → the first verdict of any kind
 *   on the incident or any of its signals. Median and mean over the incidents that have one; the
 *   others are *unanswered*, counted with the age of the oldest (measured to `now`).
 * - **Precision** of a rule: TP / (TP + FP) over its signals' resolved verdicts, one per signal.
 *   `benign` (the detection was right — the activity happened — but it was authorised or expected)
 *   is counted separately and is not a false positive of the detection logic, so it is in neither
 *   term. `null` when a rule has no TP or FP signal.
 * - **False-positive rate**: FP / all resolved signal verdicts (TP + FP + benign); disputed signals
 *   are left out of both. Incident-level verdicts (rule `*`) judge a story, not a rule: they count
 *   for MTTR and dismissal only.
 * - **Incidents per day**: incidents by the UTC day they opened and their severity, over the 30 UTC
 *   days ending with the day of `now` (today included, so the oldest day is 29 days back). Incidents
 *   opened before that or after `now` are counted as outside the window.
 *
 * MTTD and MTTR cover every incident given (all time), not only the 30-day window.
 */
import type { IncidentView } from '../correlate/view.ts';
import type { Severity } from '../detect/types.ts';
import type { Verdict, VerdictKind } from './types.ts';

export const WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/** Severities from the most to the least severe (the order charts stack and legends list them). */
export const SEVERITIES_DESC: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface DurationStats {
  /** How many incidents the figures are over. */
  count: number;
  /** Seconds (fractional when timestamps carry milliseconds); `null` when `count` is 0. */
  medianSeconds: number | null;
  meanSeconds: number | null;
}

export interface MttdStats extends DurationStats {
  /** Incidents left out because analysts judged them not malicious. */
  dismissed: number;
}

export interface MttrStats extends DurationStats {
  /** Incidents with no verdict on them or any of their signals yet. */
  unanswered: number;
  /** How long the oldest unanswered incident has been open at `now`; `null` when none is unanswered. */
  oldestUnansweredSeconds: number | null;
}

export interface RulePrecision {
  rule_id: string;
  truePositive: number;
  falsePositive: number;
  benign: number;
  /** Signals of this rule whose latest verdicts disagree at the same instant: in no other figure. */
  disputed: number;
  /** TP / (TP + FP); `null` without a TP or FP signal. */
  precision: number | null;
}

export interface VerdictTotals {
  /** Signals with a resolved verdict (TP + FP + benign). */
  signals: number;
  truePositive: number;
  falsePositive: number;
  benign: number;
  disputed: number;
  /** FP / signals; `null` when no signal has a resolved verdict. */
  falsePositiveRate: number | null;
}

export interface DayCount {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** Epoch ms of the day's start (00:00 UTC). */
  start: number;
  bySeverity: Record<Severity, number>;
  total: number;
}

export interface Metrics {
  now: number;
  incidents: number;
  mttd: MttdStats;
  mttr: MttrStats;
  /** Worst first: by precision ascending (rules without one last), then more judged signals, then rule id. */
  precision: RulePrecision[];
  verdicts: VerdictTotals;
  /** Oldest day first; always `WINDOW_DAYS` entries. */
  perDay: DayCount[];
  /** Incidents opened before the window's first day or after `now`. */
  outsideWindow: number;
}

type Resolved = VerdictKind | 'disputed';

/** The latest verdict of a group; disputed when the latest ones disagree at the same instant. */
function resolve(group: readonly Verdict[]): Resolved {
  let latest = Number.NEGATIVE_INFINITY;
  const kinds = new Set<VerdictKind>();
  for (const v of group) {
    if (v.at > latest) {
      latest = v.at;
      kinds.clear();
    }
    if (v.at === latest) kinds.add(v.verdict);
  }
  const [only, ...others] = [...kinds];
  return only && others.length === 0 ? only : 'disputed';
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

const stats = (seconds: readonly number[]): DurationStats => ({
  count: seconds.length,
  medianSeconds: median(seconds),
  meanSeconds: mean(seconds),
});

const emptyCounts = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Seconds from `from` to `to` (epoch ms), never negative. */
const secondsBetween = (from: number, to: number) => Math.max(0, to - from) / 1000;

export function computeMetrics(
  incidents: readonly IncidentView[],
  verdicts: readonly Verdict[],
  now: number,
): Metrics {
  const signalVerdicts = verdicts.filter((v) => v.signal_id !== undefined);
  // One outcome per judged signal (a signal id names its rule and event, whichever incident shows it).
  const perSignal = [...groupBy(signalVerdicts, (v) => v.signal_id!).values()].map((group) => ({
    rule_id: group[0]!.rule_id,
    signal_id: group[0]!.signal_id!,
    outcome: resolve(group),
  }));
  const signalOutcome = new Map(perSignal.map((s) => [s.signal_id, s.outcome]));
  const byIncident = groupBy(verdicts, (v) => v.incident_id);

  // MTTD, without incidents analysts dismissed.
  const dismissed = (incident: IncidentView): boolean => {
    const own = (byIncident.get(incident.id) ?? []).filter((v) => v.signal_id === undefined);
    if (own.length > 0) {
      const outcome = resolve(own);
      return outcome === 'false_positive' || outcome === 'benign';
    }
    return (
      incident.signals.length > 0 &&
      incident.signals.every((s) => {
        const outcome = signalOutcome.get(s.id);
        return outcome === 'false_positive' || outcome === 'benign';
      })
    );
  };
  const detect: number[] = [];
  let dismissedCount = 0;
  for (const incident of incidents) {
    if (dismissed(incident)) dismissedCount++;
    else detect.push(secondsBetween(Date.parse(incident.first_event_at), Date.parse(incident.opened_at)));
  }

  // MTTR: to the first verdict of any kind on the incident or its signals.
  const respond: number[] = [];
  let oldestUnanswered: number | null = null;
  for (const incident of incidents) {
    const opened = Date.parse(incident.opened_at);
    const answers = byIncident.get(incident.id) ?? [];
    if (answers.length > 0) {
      respond.push(secondsBetween(opened, Math.min(...answers.map((v) => v.at))));
    } else {
      const age = secondsBetween(opened, now);
      oldestUnanswered = Math.max(oldestUnanswered ?? 0, age);
    }
  }

  // Precision per rule.
  const rules = new Map<string, RulePrecision>();
  for (const s of perSignal) {
    let row = rules.get(s.rule_id);
    if (!row) {
      row = {
        rule_id: s.rule_id,
        truePositive: 0,
        falsePositive: 0,
        benign: 0,
        disputed: 0,
        precision: null,
      };
      rules.set(s.rule_id, row);
    }
    if (s.outcome === 'true_positive') row.truePositive++;
    else if (s.outcome === 'false_positive') row.falsePositive++;
    else if (s.outcome === 'benign') row.benign++;
    else row.disputed++;
  }
  const judged = (r: RulePrecision) => r.truePositive + r.falsePositive + r.benign + r.disputed;
  const precision = [...rules.values()]
    .map((r) => ({
      ...r,
      precision:
        r.truePositive + r.falsePositive > 0 ? r.truePositive / (r.truePositive + r.falsePositive) : null,
    }))
    .sort(
      (a, b) =>
        (a.precision ?? Number.POSITIVE_INFINITY) - (b.precision ?? Number.POSITIVE_INFINITY) ||
        judged(b) - judged(a) ||
        (a.rule_id < b.rule_id ? -1 : a.rule_id > b.rule_id ? 1 : 0),
    );

  const count = (outcome: Resolved) => perSignal.filter((s) => s.outcome === outcome).length;
  const tp = count('true_positive');
  const fp = count('false_positive');
  const benign = count('benign');
  const resolvedSignals = tp + fp + benign;

  // Incidents per UTC day, over the 30 days ending with today.
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const first = today - (WINDOW_DAYS - 1) * DAY_MS;
  const perDay: DayCount[] = Array.from({ length: WINDOW_DAYS }, (_, i) => {
    const start = first + i * DAY_MS;
    return { day: isoDay(start), start, bySeverity: emptyCounts(), total: 0 };
  });
  let outsideWindow = 0;
  for (const incident of incidents) {
    const opened = Date.parse(incident.opened_at);
    const bucket =
      opened >= first && opened <= now ? perDay[Math.floor((opened - first) / DAY_MS)] : undefined;
    if (!bucket) {
      outsideWindow++;
      continue;
    }
    bucket.bySeverity[incident.severity]++;
    bucket.total++;
  }

  return {
    now,
    incidents: incidents.length,
    mttd: { ...stats(detect), dismissed: dismissedCount },
    mttr: {
      ...stats(respond),
      unanswered: incidents.length - respond.length,
      oldestUnansweredSeconds: oldestUnanswered,
    },
    precision,
    verdicts: {
      signals: resolvedSignals,
      truePositive: tp,
      falsePositive: fp,
      benign,
      disputed: count('disputed'),
      falsePositiveRate: resolvedSignals > 0 ? fp / resolvedSignals : null,
    },
    perDay,
    outsideWindow,
  };
}
