/** notify: mails the execution's outcome to the approvers (no links in it). */
import type { z } from 'zod';
import type { Mailer } from '../../shared/respond/approval-email.ts';
import { composeOutcomeEmail } from '../../shared/respond/outcome-email.ts';
import type { ResponseSummary } from '../../shared/respond/steps.ts';
import { lazyHandler } from '../lib/lazy-handler.ts';
import { createLogger } from '../lib/logger.ts';
import { socHandler } from '../lib/soc-handler.ts';
import { notifyDeps } from './aws-deps.ts';
import { NotifyInputSchema } from './schemas.ts';

type NotifyInput = z.output<typeof NotifyInputSchema>;

export const makeNotifyStep =
  (deps: { mailer: Mailer; approvers: string[]; from: string; now: () => number }) =>
  async (input: NotifyInput) => {
    const email = await composeOutcomeEmail({
      plan: input.plan,
      summary: input.summary as unknown as Pick<ResponseSummary, 'conclusion' | 'results'>,
      to: deps.approvers,
      from: deps.from,
      date: new Date(deps.now()),
    });
    await deps.mailer.send(email.raw, { to: email.to, subject: email.subject });
    return { notified: email.to.length };
  };

export const handler = lazyHandler(() =>
  socHandler(makeNotifyStep(notifyDeps()), {
    logger: createLogger('respond-notify'),
    input: NotifyInputSchema,
  }),
);
