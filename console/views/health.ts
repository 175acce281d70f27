/**
 * The health page. Quarantine reasons quote whatever was malformed — hostile input — so besides
 * the escaping every page gets, they lose control and bidirectional-override characters (which
 * could make a reason read differently from what it says) and are cut to a readable length.
 */
import { utc } from '../../shared/respond/approval-email.ts';
import type { Analyst } from '../auth.ts';
import type { HealthReport } from '../routes/health.ts';
import { duration } from './duration.ts';
import { type Html, h } from './html.ts';
import { page } from './layout.ts';

const MAX_REASON = 300;

// C0/C1 controls, and the marks and overrides that reorder text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text shown as it is, minus what could disguise it; long text is cut with `…`. */
export function printable(text: string, max = MAX_REASON): string {
  const chars = [...text.replace(UNPRINTABLE, '\uFFFD')];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

/** A time from the snapshot; one that is not a time says so instead of failing the page. */
const when = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? utc(ms) : 'unknown time');

const age = (seconds: number | undefined) =>
  seconds === undefined || !Number.isFinite(seconds)
    ? 'unknown'
    : seconds < 0
      ? `${duration(seconds)} ahead of the console's clock`
      : `${duration(seconds)} ago`;

const events = (n: number) => `${n} event${n === 1 ? '' : 's'}`;

function quarantine(r: HealthReport): Html {
  const { count, recent } = r.quarantined;
  return h`<h2>Quarantined events</h2>
<p>${
    count === 0
      ? 'Nothing has been quarantined.'
      : h`${events(count)} quarantined as malformed input${
          recent.length > 0 ? h`; the newest ${recent.length === 1 ? 'one' : recent.length}:` : '.'
        }`
  }</p>
${
  recent.length > 0
    ? h`<table><thead><tr><th>Received</th><th>Event</th><th>Reason</th></tr></thead><tbody>
${recent.map(
  (q) =>
    h`<tr><td>${when(q.received_at)}</td><td><code>${printable(q.id, 120)}</code></td><td>${printable(q.reason)}</td></tr>
`,
)}</tbody></table>`
    : ''
}`;
}

function deadLetters(r: HealthReport): Html {
  if (r.deadLetters.length === 0)
    return h`<h2>Dead-letter queues</h2><p>No dead-letter queues in local mode.</p>`;
  const waiting = r.deadLetters.reduce((sum, q) => sum + q.count, 0);
  return h`<h2>Dead-letter queues</h2>
${
  waiting > 0
    ? h`<p class="banner bad">${waiting} message${waiting === 1 ? '' : 's'} waiting in dead-letter queues.</p>`
    : h`<p>Every dead-letter queue is empty.</p>`
}
<table><thead><tr><th>Queue</th><th>Waiting</th></tr></thead><tbody>
${r.deadLetters.map(
  (q) => h`<tr><td><code>${printable(q.name, 200)}</code></td><td>${q.count}</td></tr>
`,
)}</tbody></table>`;
}

function sources(r: HealthReport): Html {
  const entries = Object.entries(r.lastEventBySource);
  if (entries.length === 0) return h`<h2>Last event per source</h2><p>No events received yet.</p>`;
  return h`<h2>Last event per source</h2>
<table><thead><tr><th>Source</th><th>Newest event</th><th>Age</th></tr></thead><tbody>
${entries.map(
  ([source, at]) =>
    h`<tr><td><code>${printable(source, 120)}</code></td><td>${when(at)}</td><td>${age(r.lastEventAgeSeconds[source])}</td></tr>
`,
)}</tbody></table>`;
}

export function healthPage(r: HealthReport, analyst?: Analyst): Html {
  const body = h`<h1>Pipeline health</h1>
<p>As of ${when(r.generatedAt)}. The same report as JSON: <a href="/health.json">/health.json</a>.</p>
${quarantine(r)}
${deadLetters(r)}
${sources(r)}`;
  return page({ title: 'Pipeline health', analyst, body });
}
