/** plan: `{incident_id}` in, the incident's response plan out (the actions its narrative recommends). */
import { type PlanStepDeps, planStep } from '../../shared/respond/steps.ts';
import { lazyHandler } from '../lib/lazy-handler.ts';
import { createLogger } from '../lib/logger.ts';
import { socHandler } from '../lib/soc-handler.ts';
import { planDeps } from './aws-deps.ts';
import { PlanInputSchema } from './schemas.ts';

export const makePlanStep = (deps: PlanStepDeps) => (input: { incident_id: string }) => planStep(input, deps);

export const handler = lazyHandler(() =>
  socHandler(makePlanStep(planDeps()), { logger: createLogger('respond-plan'), input: PlanInputSchema }),
);
