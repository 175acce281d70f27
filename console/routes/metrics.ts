/**
 * The metrics page. GET only, and it only reads: every figure is computed on request from the
 * incidents and verdicts on record (see shared/feedback/metrics.ts for the definitions).
 */
import type { Hono } from 'hono';
import { computeMetrics } from '../../shared/feedback/metrics.ts';
import type { ConsoleData } from '../data.ts';
import type { ConsoleEnv } from '../env.ts';
import { metricsPage } from '../views/metrics.ts';

export interface MetricsRoutesDeps {
  data: ConsoleData;
  now: () => number;
}

export function metricsRoutes(app: Hono<ConsoleEnv>, deps: MetricsRoutesDeps): void {
  const { data, now } = deps;

  app.get('/metrics', async (c) => {
    const [incidents, verdicts] = await Promise.all([data.incidents(), data.verdicts.list()]);
    return c.html(metricsPage(computeMetrics(incidents, verdicts, now()), c.get('analyst')).value);
  });
}
