/** guard: a plan in, the same plan with only the actions every safety check allows (fail closed). */
import { type GuardStepDeps, guardStep } from '../../shared/respond/steps.ts';
import type { ResponsePlan } from '../../shared/respond/types.ts';
import { lazyHandler } from '../lib/lazy-handler.ts';
import { createLogger } from '../lib/logger.ts';
import { socHandler } from '../lib/soc-handler.ts';
import { guardDeps } from './aws-deps.ts';
import { GuardInputSchema } from './schemas.ts';

export const makeGuardStep = (deps: GuardStepDeps) => (input: { plan: ResponsePlan }) =>
  guardStep(input.plan, deps);

export const handler = lazyHandler(() =>
  socHandler(makeGuardStep(guardDeps()), { logger: createLogger('respond-guard'), input: GuardInputSchema }),
);
