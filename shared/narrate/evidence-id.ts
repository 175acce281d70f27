import { createHash } from 'node:crypto';

/**
 * The id an incident's evidence item is cited by. Stable across replays and deployments because it
 * is derived from the event's own id, so a narrative stored yesterday still points at the right
 * event today.
 */
export const evidenceId = (eventUid: string): string =>
  `ev-${createHash('sha256').update(eventUid).digest('hex').slice(0, 12)}`;
