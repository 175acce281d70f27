/** record: the execution's outcome into the append-only audit trail; returns the summary notify sends. */
import type { AuditLog } from '../../shared/respond/ports.ts';
import { type RecordInput, recordStep } from '../../shared/respond/steps.ts';
import { lazyHandler } from '../lib/lazy-handler.ts';
import { createLogger } from '../lib/logger.ts';
import { socHandler } from '../lib/soc-handler.ts';
import { recordDeps } from './aws-deps.ts';
import { RecordInputSchema } from './schemas.ts';

export const makeRecordStep = (deps: { audit: AuditLog; now: () => number }) => (input: RecordInput) =>
  recordStep(input, deps);

export const handler = lazyHandler(() =>
  socHandler(makeRecordStep(recordDeps()), {
    logger: createLogger('respond-record'),
    input: RecordInputSchema as never,
  }),
);
