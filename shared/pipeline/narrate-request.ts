/**
 * The hand-off from correlation to narration (its own function, behind a queue): the port and the
 * wire format. A message names one incident, `{"incidentId":"inc-…"}`; the narrate function reads
 * the incident itself, so a message carries no evidence. Delivering one twice is harmless: the
 * narrator rewrites a narrative only when the incident changed materially since it was written.
 */
import { z } from 'zod';

/** Where correlation asks for incidents to be narrated. */
export interface NarrateRequests {
  /** Asks for each incident to be narrated, or throws (TransientError when a later attempt may succeed). */
  request(incidentIds: readonly string[]): Promise<void>;
}

/** Incident ids are Vigil's own (`inc-` and 16 hex digits, shared/correlate/correlate.ts). */
const INCIDENT_ID = /^inc-[0-9a-f]{16}$/;

const NarrateMessageSchema = z.object({ incidentId: z.string().regex(INCIDENT_ID) });

export const encodeNarrateMessage = (incidentId: string): string => JSON.stringify({ incidentId });

export type DecodedNarrateMessage = { ok: true; incidentId: string } | { ok: false; reason: string };

/** Never throws: a body that is not a narrate request is poison, and the reason says why (codes only). */
export function decodeNarrateMessage(body: string): DecodedNarrateMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = NarrateMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, incidentId: parsed.data.incidentId };
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
  return { ok: false, reason: `body is not a narrate request (${issues.join('; ')})` };
}
