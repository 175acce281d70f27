/**
 * The metrics page: MTTD / MTTR / false-positive-rate tiles, incidents per day as a stacked bar
 * chart by severity, precision per rule with an inline bar each, and how every figure is counted.
 */
import type { Severity } from '../../shared/detect/types.ts';
import { type Metrics, SEVERITIES_DESC, WINDOW_DAYS } from '../../shared/feedback/metrics.ts';
import { utc } from '../../shared/respond/approval-email.ts';
import type { Analyst } from '../auth.ts';
import { inlineBar, legend, type Series, stackedBarChart } from './chart.ts';
import { duration, percent } from './duration.ts';
import { type Html, h } from './html.ts';
import { page } from './layout.ts';

const SEVERITY_COLOR: Record<Severity, string> = {
  critical: '#7f1d1d',
  high: '#c2410c',
  medium: '#d99a06',
  low: '#3b6fd4',
  info: '#8a9099',
};

/** Stacked from the bottom: the most severe first. */
const SEVERITY_SERIES: Series[] = SEVERITIES_DESC.map((s) => ({
  key: s,
  label: s,
  color: SEVERITY_COLOR[s],
}));

const TILE =
  'flex:1 1 15rem;background:#fff;border:1px solid #d5d8dd;border-radius:4px;padding:.7rem 1rem;margin:0';
const FIGURE = 'font-size:1.7rem;font-weight:bold;margin:.2rem 0';

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
const time = (seconds: number | null) => (seconds === null ? '—' : duration(seconds));

const SMALL = 'font-size:.95rem;font-weight:normal';

/** A figure with what it is (e.g. `median`) after it in small type, and lines under it. */
function tile(name: string, figure: string, what: string, lines: Html): Html {
  return h`<section style="${TILE}"><h2 style="font-size:1rem;margin:0">${name}</h2><p style="${FIGURE}">${figure}${
    what ? h` <span style="${SMALL}">${what}</span>` : ''
  }</p>${lines}</section>`;
}

function tiles(m: Metrics): Html {
  const { mttd, mttr, verdicts: v } = m;
  return h`<div style="display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0">
${tile(
  'Time to detect (MTTD)',
  time(mttd.medianSeconds),
  'median',
  h`<p>mean ${time(mttd.meanSeconds)}</p><p>over ${plural(mttd.count, 'incident')}${
    mttd.dismissed > 0 ? h`; ${mttd.dismissed} dismissed as not malicious left out` : ''
  }</p>`,
)}
${tile(
  'Time to respond (MTTR)',
  time(mttr.medianSeconds),
  'median',
  h`<p>mean ${time(mttr.meanSeconds)}</p><p>over ${plural(mttr.count, 'answered incident')}; ${
    mttr.unanswered
  } unanswered${
    mttr.oldestUnansweredSeconds !== null
      ? h`, the oldest open for ${duration(mttr.oldestUnansweredSeconds)}`
      : ''
  }</p>`,
)}
${tile(
  'False-positive rate',
  percent(v.falsePositiveRate),
  '',
  h`<p>${plural(v.falsePositive, 'false positive')} of ${plural(v.signals, 'judged signal')}</p><p>${plural(
    v.truePositive,
    'true positive',
  )}, ${v.benign} benign${v.disputed > 0 ? h`, ${v.disputed} disputed (left out)` : ''}</p>`,
)}
</div>`;
}

function perDayChart(m: Metrics): Html {
  const days = m.perDay;
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  const total = days.reduce((sum, d) => sum + d.total, 0);
  const busiest = Math.max(0, ...days.map((d) => d.total));
  const chart = stackedBarChart({
    id: 'per-day',
    title: `Incidents per day, ${first} to ${last} (UTC)`,
    description: `Incidents opened per UTC day over the last ${WINDOW_DAYS} days, stacked by severity: ${plural(
      total,
      'incident',
    )} in all, at most ${busiest} on one day.`,
    series: SEVERITY_SERIES,
    bars: days.map((d) => ({ label: d.day.slice(5), name: d.day, values: d.bySeverity })),
  });
  const rows = days.filter((d) => d.total > 0);
  return h`<h2>Incidents per day</h2>
<figure style="margin:0">${chart}
<figcaption>${legend(SEVERITY_SERIES)}<p>${plural(total, 'incident')} opened from ${first} to ${last} (UTC days, by the time each opened)${
    m.outsideWindow > 0 ? h`; ${m.outsideWindow} more outside these ${WINDOW_DAYS} days` : ''
  }.</p></figcaption></figure>
${
  rows.length > 0
    ? h`<details><summary>Counts per day</summary><table><thead><tr><th>Day (UTC)</th>${SEVERITIES_DESC.map(
        (s) => h`<th>${s}</th>`,
      )}<th>Total</th></tr></thead><tbody>
${rows.map(
  (d) =>
    h`<tr><td>${d.day}</td>${SEVERITIES_DESC.map((s) => h`<td>${d.bySeverity[s]}</td>`)}<td>${d.total}</td></tr>
`,
)}</tbody></table></details>`
    : ''
}`;
}

function precisionTable(m: Metrics): Html {
  if (m.precision.length === 0)
    return h`<h2>Precision per rule</h2><p>No signal has a verdict yet: precision needs analysts' verdicts on signals.</p>`;
  return h`<h2>Precision per rule</h2>
<table><thead><tr><th>Rule</th><th>Precision</th><th></th><th>True positive</th><th>False positive</th><th>Benign</th><th>Disputed</th></tr></thead><tbody>
${m.precision.map(
  (r) =>
    h`<tr><td><code>${r.rule_id}</code></td><td>${percent(r.precision)}</td><td>${inlineBar({
      fraction: r.precision,
      label:
        r.precision === null
          ? `${r.rule_id}: no precision yet (no true or false positive)`
          : `${r.rule_id}: precision ${percent(r.precision)} (${r.truePositive} of ${r.truePositive + r.falsePositive})`,
    })}</td><td>${r.truePositive}</td><td>${r.falsePositive}</td><td>${r.benign}</td><td>${r.disputed}</td></tr>
`,
)}</tbody></table>`;
}

const DEFINITIONS = h`<h2>How these are counted</h2>
<dl>
<dt>Verdicts</dt><dd>When analysts gave several verdicts on one signal or incident, the latest counts. If the latest ones were given at the same instant and disagree, it is disputed and left out of the figures.</dd>
<dt>MTTD</dt><dd>From an incident's first event to the incident opening. Over every incident except those analysts dismissed as not malicious: an incident verdict of false positive or benign, or, without one, false-positive or benign verdicts on all of its signals.</dd>
<dt>MTTR</dt><dd>From an incident opening to the first verdict of any kind on it or any of its signals. Over the incidents that have one; the others are unanswered.</dd>
<dt>Precision</dt><dd>True positives ÷ (true positives + false positives) among a rule's judged signals, one verdict per signal. Benign means the detection was right about what happened but the activity was expected: it is shown apart and is not a false positive of the rule.</dd>
<dt>False-positive rate</dt><dd>False positives ÷ all judged signals (true positive, false positive and benign).</dd>
<dt>Incidents per day</dt><dd>Incidents by the UTC day they opened and their current severity, over the last ${WINDOW_DAYS} days including today. MTTD and MTTR cover all incidents on record.</dd>
</dl>`;

export function metricsPage(m: Metrics, analyst?: Analyst): Html {
  const body = h`<h1>Metrics</h1>
<p>As of ${utc(m.now)}: ${plural(m.incidents, 'incident')} on record.</p>
${tiles(m)}
${perDayChart(m)}
${precisionTable(m)}
${DEFINITIONS}`;
  return page({ title: 'Metrics', analyst, body });
}
