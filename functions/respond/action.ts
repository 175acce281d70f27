/**
 * action: runs or verifies one planned action. One function per action (RESPONSE_ACTION names it),
 * each with a role that allows exactly that action's calls.
 */
import type { z } from 'zod';
import {
  type ActionResult,
  type ActionStepDeps,
  actionStep,
  verifyStep,
} from '../../shared/respond/steps.ts';
import { lazyHandler } from '../lib/lazy-handler.ts';
import { createLogger } from '../lib/logger.ts';
import { socHandler } from '../lib/soc-handler.ts';
import { actionDeps } from './aws-deps.ts';
import { ActionInputSchema } from './schemas.ts';

type ActionInput = z.output<typeof ActionInputSchema>;

export const makeActionStep =
  (deps: ActionStepDeps) =>
  (input: ActionInput): Promise<ActionResult> =>
    input.op === 'verify' && input.result
      ? verifyStep({ ...input, result: input.result as ActionResult }, deps)
      : actionStep(input, deps);

export const handler = lazyHandler(() =>
  socHandler(makeActionStep(actionDeps()), {
    logger: createLogger('respond-action'),
    input: ActionInputSchema,
  }),
);
