import { describeError, ValidationError } from '../errors.ts';
import type { OcsfEvent } from '../ocsf/types.ts';
import { fail, type NormaliseContext, type NormaliseResult, ok, type SourceKind } from './types.ts';

/** A record this normaliser cannot turn into OCSF: the reason names the source and the field. */
export const reject = (source: SourceKind, reason: string, raw: unknown): NormaliseResult =>
  fail(source, new ValidationError(`${source}: ${reason}`, `normalise.${source}`), raw);

/**
 * Enriches a finished event and wraps it. Enrichment is another component's code: if it throws, the
 * record is kept with the reason rather than escaping a normaliser that promises never to throw.
 */
export function finish(
  source: SourceKind,
  event: OcsfEvent,
  raw: unknown,
  ctx: NormaliseContext,
): NormaliseResult {
  try {
    ctx.enrich(event);
  } catch (e) {
    return reject(source, `enrichment failed: ${describeError(e)}`, raw);
  }
  return ok(source, event, raw);
}
