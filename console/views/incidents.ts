/**
 * The incident queue: every incident, riskiest first, with a GET filter form (status, severity,
 * ATT&CK tactic, entity). Titles and entity ids come from logs: everything is escaped by `h`, and
 * the only link per row is built from the incident id with encodeURIComponent.
 */
import type { IncidentView } from '../../shared/correlate/view.ts';
import { SEVERITY_ORDER, type Severity, TACTICS, type Tactic } from '../../shared/detect/types.ts';
import { utc } from '../../shared/respond/approval-email.ts';
import type { Analyst } from '../auth.ts';
import { duration } from './duration.ts';
import { type Html, h } from './html.ts';
import { page } from './layout.ts';

export const STATUSES = ['open', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
export const SEVERITIES = Object.keys(SEVERITY_ORDER) as Severity[];
export const TACTIC_IDS = Object.keys(TACTICS) as Tactic[];

/** The queue's filters as given (validated); absent means "any". */
export interface IncidentFilter {
  status?: Status;
  severity?: Severity;
  tactic?: Tactic;
  /** Substring of an entity id, case-insensitive. */
  entity?: string;
}

export const incidentPath = (id: string) => `/incidents/${encodeURIComponent(id)}`;

/** `TA0006 Credential Access` */
export const tacticName = (t: string): string =>
  Object.hasOwn(TACTICS, t) ? `${t} ${TACTICS[t as Tactic]}` : t;

const ms = (iso: string) => Date.parse(iso);
export const when = (iso: string): string => (Number.isFinite(ms(iso)) ? utc(ms(iso)) : iso);

// Colours from this fixed map only: a severity that is not one of Vigil's gets the neutral one.
const SEVERITY_STYLE: Record<Severity, string> = {
  critical: 'background:#7f1d1d;color:#fff',
  high: 'background:#c2410c;color:#fff',
  medium: 'background:#facc15',
  low: 'background:#bfdbfe',
  info: 'background:#e5e7eb',
};

export const severityBadge = (s: string): Html =>
  h`<span style="display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.85em;text-transform:uppercase;${
    Object.hasOwn(SEVERITY_STYLE, s) ? SEVERITY_STYLE[s as Severity] : 'background:#e5e7eb'
  }">${s}</span>`;

function select<T extends string>(
  name: string,
  label: string,
  options: readonly T[],
  current: T | undefined,
  text: (o: T) => string = (o) => o,
): Html {
  return h`<label style="margin-right:.8rem">${label} <select name="${name}"><option value=""${current === undefined ? ' selected' : ''}>any</option>${options.map(
    (o) => h`<option value="${o}"${o === current ? h` selected` : ''}>${text(o)}</option>`,
  )}</select></label>`;
}

function filterForm(f: IncidentFilter): Html {
  return h`<form method="get" action="/incidents">
${select('status', 'Status', STATUSES, f.status)}
${select('severity', 'Severity', SEVERITIES, f.severity)}
${select('tactic', 'Tactic', TACTIC_IDS, f.tactic, tacticName)}
<label style="margin-right:.8rem">Entity <input type="search" name="entity" value="${f.entity ?? ''}" maxlength="200" placeholder="part of an entity id"></label>
<button type="submit">Filter</button> <a href="/incidents">Clear</a>
</form>`;
}

function row(i: IncidentView): Html {
  return h`<tr><td>${severityBadge(i.severity)}</td><td>${i.risk}</td><td><a href="${incidentPath(i.id)}">${
    i.title || 'untitled incident'
  }</a></td><td>${i.tactics.map((t, k) => h`${k > 0 ? ', ' : ''}<abbr title="${tacticName(t)}">${t}</abbr>`)}</td><td>${
    i.entities.length
  }</td><td>${when(i.opened_at)}</td><td>${duration(i.mttd_seconds)}</td><td>${i.status}</td></tr>
`;
}

export interface IncidentQueueInput {
  incidents: readonly IncidentView[];
  /** How many incidents there are before filtering. */
  total: number;
  filter: IncidentFilter;
  /** Filter values that were given but not understood (shown, then ignored). */
  ignored: readonly string[];
  analyst: Analyst;
}

export function incidentQueuePage(input: IncidentQueueInput): Html {
  const { incidents, total, filter, ignored, analyst } = input;
  const body = h`<h1>Incidents</h1>
${filterForm(filter)}
${
  ignored.length > 0
    ? h`<p class="banner bad">Ignored filter${ignored.length === 1 ? '' : 's'} with an unknown value: ${ignored.join(', ')}.</p>`
    : ''
}
<p>${incidents.length} of ${total} incident${total === 1 ? '' : 's'}, riskiest first.</p>
${
  incidents.length === 0
    ? h`<p>No incident matches.</p>`
    : h`<table><thead><tr><th>Severity</th><th>Risk</th><th>Incident</th><th>Tactics</th><th>Entities</th><th>Opened</th><th>MTTD</th><th>Status</th></tr></thead><tbody>
${incidents.map(row)}</tbody></table>`
}`;
  return page({ title: 'Incidents', analyst, body });
}
