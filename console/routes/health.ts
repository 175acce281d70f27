/**
 * Pipeline health: what was quarantined and why, what waits in dead-letter queues, and how fresh
 * each source's newest event is. `/health` is the page; `/health.json` is the same report for
 * scripts. Both only read.
 */
import type { Hono } from 'hono';
import type { ConsoleData, HealthSnapshot } from '../data.ts';
import type { ConsoleEnv } from '../env.ts';
import { healthPage } from '../views/health.ts';

export interface HealthRoutesDeps {
  data: ConsoleData;
  now: () => number;
}

/** How many of the newest quarantine reasons the report keeps. */
export const RECENT_QUARANTINED = 10;

export interface HealthReport {
  /** When the report was made (epoch ms). */
  generatedAt: number;
  quarantined: { count: number; recent: { id: string; reason: string; received_at: number }[] };
  deadLetters: { name: string; count: number }[];
  /** Newest event time per source (epoch ms), by source name. */
  lastEventBySource: Record<string, number>;
  /** Seconds from each source's newest event to `generatedAt`; negative when it is ahead of this clock. */
  lastEventAgeSeconds: Record<string, number>;
}

/**
 * The snapshot as the page and the JSON show it: the newest reasons first (at most
 * RECENT_QUARANTINED), sources by name, and only the fields named here — whatever else a store
 * adds to its snapshot is not passed on.
 */
export function healthReport(snapshot: HealthSnapshot, now: number): HealthReport {
  const recent = [...snapshot.quarantined.recent]
    .sort((a, b) => b.received_at - a.received_at)
    .slice(0, RECENT_QUARANTINED)
    .map(({ id, reason, received_at }) => ({ id, reason, received_at }));
  const sources = Object.entries(snapshot.lastEventBySource).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    generatedAt: now,
    quarantined: { count: snapshot.quarantined.count, recent },
    deadLetters: snapshot.deadLetters.map(({ name, count }) => ({ name, count })),
    lastEventBySource: Object.fromEntries(sources),
    lastEventAgeSeconds: Object.fromEntries(
      sources.map(([source, at]) => [source, Math.round((now - at) / 1000)]),
    ),
  };
}

const JSON_UNSAFE: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON whose strings cannot close a tag or start markup, should anything ever sniff it as HTML. */
export const safeJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => JSON_UNSAFE[ch] ?? ch);

export function healthRoutes(app: Hono<ConsoleEnv>, deps: HealthRoutesDeps): void {
  const { data, now } = deps;

  app.get('/health', async (c) => {
    const report = healthReport(await data.health(), now());
    return c.html(healthPage(report, c.get('analyst')).value);
  });

  app.get('/health.json', async (c) => {
    const report = healthReport(await data.health(), now());
    return c.body(safeJson(report), 200, { 'Content-Type': 'application/json; charset=utf-8' });
  });
}
