/**
 * request-approval: the approval task's function (waitForTaskToken). Seals the task token, stores
 * the request, mails the signed single-use link. Its return value is ignored: the execution waits
 * until a decision answers the token, or the task's TimeoutSeconds passes (timeout = no action).
 */
import type { z } from 'zod';
import { type RequestApprovalDeps, requestApproval } from '../../shared/respond/request-approval.ts';
import { lazyHandler } from '../lib/lazy-handler.ts';
import { createLogger } from '../lib/logger.ts';
import { socHandler } from '../lib/soc-handler.ts';
import { approvalDeps, linkSecret } from './aws-deps.ts';
import { ApprovalInputSchema } from './schemas.ts';

type ApprovalInput = z.output<typeof ApprovalInputSchema>;

export const makeApprovalStep =
  (deps: Omit<RequestApprovalDeps, 'linkSecret'> & { linkSecret: () => Promise<Uint8Array> }) =>
  async (input: ApprovalInput) => {
    const { link: _link, ...result } = await requestApproval(
      {
        plan: input.plan,
        incidentTitle: input.plan.incident_title ?? input.plan.incident_id,
        taskToken: input.token,
      },
      { ...deps, linkSecret: await deps.linkSecret() },
    );
    // Never return the link: Step Functions would put it in the execution history.
    return result;
  };

export const handler = lazyHandler(() => {
  let secret: Promise<Uint8Array> | undefined;
  return socHandler(makeApprovalStep({ ...approvalDeps(), linkSecret: () => (secret ??= linkSecret()) }), {
    logger: createLogger('respond-approval'),
    input: ApprovalInputSchema,
  });
});
