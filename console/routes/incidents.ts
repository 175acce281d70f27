/**
 * The incident queue, the incident page and the verdict → suppression loop.
 *
 * Every page needs a signed-in analyst (incidents name people, keys and addresses). Every POST
 * also needs the CSRF token of its form, HMAC-bound (csrf.ts) to the analyst's session and to the
 * purpose, incident and signal, as the approval forms are; the app's middleware has already
 * refused cross-origin posts and large bodies.
 *
 * The suppression is never taken from the form: the confirm POST recomputes the proposal from the
 * stored incident and the analyst's stored false-positive verdict (its reason), and accepts only a
 * duration from a fixed list.
 */
import type { Context, Hono } from 'hono';
import type { IncidentView } from '../../shared/correlate/view.ts';
import type { Severity, Tactic } from '../../shared/detect/types.ts';
import { backtest, proposeSuppression, suppressionIdFor } from '../../shared/feedback/backtest.ts';
import { VERDICTS, type Verdict, type VerdictKind, verdictId } from '../../shared/feedback/types.ts';
import { utc } from '../../shared/respond/approval-email.ts';
import type { Analyst } from '../auth.ts';
import { CSRF_FIELD, csrfToken, csrfValid } from '../csrf.ts';
import type { ConsoleData } from '../data.ts';
import type { ConsoleEnv } from '../env.ts';
import { h } from '../views/html.ts';
import {
  DEFAULT_SUPPRESSION_DAYS,
  incidentPage,
  proposalPage,
  SUPPRESSION_DAYS,
  suppressionCreatedPage,
  VERDICT_LABEL,
} from '../views/incident.ts';
import {
  type IncidentFilter,
  incidentPath,
  incidentQueuePage,
  SEVERITIES,
  STATUSES,
  type Status,
  TACTIC_IDS,
} from '../views/incidents.ts';
import { messagePage } from '../views/layout.ts';

export interface IncidentRoutesDeps {
  data: ConsoleData;
  /** Signs CSRF tokens (the console's secret, as for approvals). */
  csrfSecret: Uint8Array;
  now: () => number;
  /** Where to sign in (the authenticator's signInUrl); without it the 401 page has no link. */
  signInUrl?: (next: string) => string;
}

type C = Context<ConsoleEnv>;

const DAY_MS = 86_400_000;
/** Incident ids are minted by Vigil (`inc-` + hex); anything else is not looked up. */
const INCIDENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const MAX_SIGNAL_ID = 1_024;
const MAX_REASON = 500;
const MAX_ENTITY_FILTER = 200;

/** What a CSRF token of these forms is bound to, besides the session. */
export const csrfPurpose = (kind: 'verdict' | 'suppression', incidentId: string, signalId: string) =>
  `incident-${kind}\n${incidentId}\n${signalId}`;

const field = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const oneOf = <T extends string>(list: readonly T[], v: string): v is T =>
  (list as readonly string[]).includes(v);

/** Parses the queue's query string; values that are not understood are reported and ignored. */
export function parseFilter(query: Record<string, string | undefined>): {
  filter: IncidentFilter;
  ignored: string[];
} {
  const filter: IncidentFilter = {};
  const ignored: string[] = [];
  const status = query['status']?.trim();
  if (status) {
    if (oneOf<Status>(STATUSES, status)) filter.status = status;
    else ignored.push('status');
  }
  const severity = query['severity']?.trim();
  if (severity) {
    if (oneOf<Severity>(SEVERITIES, severity)) filter.severity = severity;
    else ignored.push('severity');
  }
  const tactic = query['tactic']?.trim().toUpperCase();
  if (tactic) {
    if (oneOf<Tactic>(TACTIC_IDS, tactic)) filter.tactic = tactic;
    else ignored.push('tactic');
  }
  const entity = query['entity']?.trim();
  if (entity) {
    if (entity.length <= MAX_ENTITY_FILTER) filter.entity = entity;
    else ignored.push('entity');
  }
  return { filter, ignored };
}

/** The queue: filtered, riskiest first (then newest, then by id, so the order is stable). */
export function filterIncidents(incidents: readonly IncidentView[], f: IncidentFilter): IncidentView[] {
  const needle = f.entity?.toLowerCase();
  return incidents
    .filter(
      (i) =>
        (f.status === undefined || i.status === f.status) &&
        (f.severity === undefined || i.severity === f.severity) &&
        (f.tactic === undefined || i.tactics.includes(f.tactic)) &&
        (needle === undefined || i.entities.some((e) => e.id.toLowerCase().includes(needle))),
    )
    .sort(
      (a, b) =>
        b.risk - a.risk ||
        Date.parse(b.opened_at) - Date.parse(a.opened_at) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

export function incidentRoutes(app: Hono<ConsoleEnv>, deps: IncidentRoutesDeps): void {
  const { data, csrfSecret, now } = deps;

  const signInRequired = (c: C, next: string) =>
    c.html(
      messagePage(
        'Sign in required',
        'Sign in to the console first.',
        undefined,
        deps.signInUrl ? h`<p><a href="${deps.signInUrl(next)}">Sign in</a></p>` : undefined,
      ).value,
      401,
    );
  const notFound = (c: C, analyst: Analyst, what = 'There is no such incident.') =>
    c.html(messagePage('Not found', what, analyst).value, 404);
  const formRefused = (c: C, analyst: Analyst) =>
    c.html(
      messagePage(
        'The form could not be verified',
        'Reload the incident page and try again. Nothing was recorded.',
        analyst,
      ).value,
      403,
    );

  /** The ids of a signal route, if they have the shape of ids. */
  function idsOf(c: C): { incidentId: string; signalId: string } | undefined {
    const incidentId = c.req.param('id') ?? '';
    const signalId = c.req.param('signalId') ?? '';
    return INCIDENT_ID.test(incidentId) && signalId.length > 0 && signalId.length <= MAX_SIGNAL_ID
      ? { incidentId, signalId }
      : undefined;
  }

  /**
   * The checks every POST of a signal passes before anything is read: signed in, ids of the right
   * shape, the form's CSRF token for this purpose, incident and signal; then the incident and signal.
   */
  async function postedSignal(c: C, kind: 'verdict' | 'suppression') {
    const analyst = c.get('analyst');
    if (!analyst) return { refused: signInRequired(c, incidentPath(c.req.param('id') ?? '')) } as const;
    const ids = idsOf(c);
    if (!ids) return { refused: notFound(c, analyst) } as const;
    const body = await c.req.parseBody();
    if (
      !csrfValid(
        csrfSecret,
        analyst.session,
        csrfPurpose(kind, ids.incidentId, ids.signalId),
        body[CSRF_FIELD],
      )
    )
      return { refused: formRefused(c, analyst) } as const;
    const incident = await data.incident(ids.incidentId);
    if (!incident) return { refused: notFound(c, analyst) } as const;
    const signal = incident.signals.find((s) => s.id === ids.signalId);
    if (!signal) return { refused: notFound(c, analyst, 'The incident has no such signal.') } as const;
    return { analyst, body, incident, signal } as const;
  }

  app.get('/incidents', async (c) => {
    const analyst = c.get('analyst');
    if (!analyst) return signInRequired(c, '/incidents');
    const { filter, ignored } = parseFilter(c.req.query());
    const all = await data.incidents();
    return c.html(
      incidentQueuePage({
        incidents: filterIncidents(all, filter),
        total: all.length,
        filter,
        ignored,
        analyst,
      }).value,
    );
  });

  app.get('/incidents/:id', async (c) => {
    const id = c.req.param('id');
    const analyst = c.get('analyst');
    if (!analyst) return signInRequired(c, INCIDENT_ID.test(id) ? incidentPath(id) : '/incidents');
    if (!INCIDENT_ID.test(id)) return notFound(c, analyst);
    const incident = await data.incident(id);
    if (!incident) return notFound(c, analyst);
    const [audit, verdicts] = await Promise.all([data.audit(id), data.verdicts.forIncident(id)]);
    return c.html(
      incidentPage({
        incident,
        audit,
        verdicts,
        analyst,
        csrf: (signalId) => csrfToken(csrfSecret, analyst.session, csrfPurpose('verdict', id, signalId)),
      }).value,
    );
  });

  app.post('/incidents/:id/signals/:signalId/verdict', async (c) => {
    const found = await postedSignal(c, 'verdict');
    if ('refused' in found) return found.refused;
    const { analyst, body, incident, signal } = found;
    const choice = field(body['verdict']) ?? '';
    if (!oneOf<VerdictKind>(VERDICTS, choice))
      return c.html(
        messagePage('Unknown verdict', 'Choose true positive, false positive or benign.', analyst).value,
        400,
      );
    const reason = (field(body['reason']) ?? '').trim();
    if (reason.length > MAX_REASON)
      return c.html(
        messagePage('Reason too long', `Keep the reason under ${MAX_REASON} characters.`, analyst).value,
        400,
      );

    const asked: Verdict = {
      id: verdictId(incident.id, signal.id, analyst.id),
      incident_id: incident.id,
      signal_id: signal.id,
      rule_id: signal.rule_id,
      verdict: choice,
      analyst: analyst.id,
      at: now(),
      reason,
    };
    const verdict = await data.verdicts.record(asked);
    if (verdict.verdict !== choice)
      return c.html(
        messagePage(
          'You already gave a verdict on this signal',
          `Your verdict stands: ${VERDICT_LABEL[verdict.verdict]} (recorded ${utc(verdict.at)}). A verdict is not changed once given.`,
          analyst,
          h`<p><a href="${incidentPath(incident.id)}">Back to the incident</a></p>`,
        ).value,
        409,
      );
    if (verdict.verdict !== 'false_positive') return c.redirect(incidentPath(incident.id), 303);

    const at = now();
    const proposal = proposeSuppression({
      incident,
      signalId: signal.id,
      analyst: analyst.id,
      reason: verdict.reason,
      forMs: DEFAULT_SUPPRESSION_DAYS * DAY_MS,
      now: at,
      id: suppressionIdFor(verdict.id),
    });
    const csrf = csrfToken(csrfSecret, analyst.session, csrfPurpose('suppression', incident.id, signal.id));
    if (!proposal.ok)
      return c.html(
        proposalPage({
          incident,
          signal,
          verdict,
          proposal: { why: proposal.why },
          incidentsById: new Map(),
          csrf,
          analyst,
        }).value,
      );
    const all = await data.incidents();
    return c.html(
      proposalPage({
        incident,
        signal,
        verdict,
        proposal: {
          suppression: proposal.suppression,
          scopedFrom: proposal.scopedFrom,
          backtest: backtest(proposal.suppression, all, at),
        },
        incidentsById: new Map(all.map((i) => [i.id, { title: i.title }])),
        csrf,
        analyst,
      }).value,
    );
  });

  app.post('/incidents/:id/signals/:signalId/suppression', async (c) => {
    const found = await postedSignal(c, 'suppression');
    if ('refused' in found) return found.refused;
    const { analyst, body, incident, signal } = found;
    const days = Number(field(body['days']) ?? DEFAULT_SUPPRESSION_DAYS);
    if (!(SUPPRESSION_DAYS as readonly number[]).includes(days))
      return c.html(
        messagePage('Unknown duration', `Choose ${SUPPRESSION_DAYS.join(', ')} days.`, analyst).value,
        400,
      );

    // The analyst's own stored false-positive verdict is what the suppression rests on.
    const id = verdictId(incident.id, signal.id, analyst.id);
    const verdict = (await data.verdicts.forIncident(incident.id)).find((v) => v.id === id);
    if (verdict?.verdict !== 'false_positive')
      return c.html(
        messagePage(
          'No false-positive verdict',
          'A suppression follows your false-positive verdict on the signal; record that first.',
          analyst,
          h`<p><a href="${incidentPath(incident.id)}">Back to the incident</a></p>`,
        ).value,
        409,
      );
    const proposal = proposeSuppression({
      incident,
      signalId: signal.id,
      analyst: analyst.id,
      reason: verdict.reason,
      forMs: days * DAY_MS,
      now: now(),
      id: suppressionIdFor(verdict.id),
    });
    if (!proposal.ok)
      return c.html(
        messagePage('No suppression', `No suppression can be made: ${proposal.why}.`, analyst).value,
        409,
      );
    await data.suppressions.put(proposal.suppression);
    return c.html(
      suppressionCreatedPage({ incident, signal, suppression: proposal.suppression, analyst }).value,
    );
  });
}
