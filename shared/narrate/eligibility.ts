import { TACTICS } from '../detect/types.ts';
import { defang } from './defang.ts';
import type { EvidencePack } from './evidence-pack.ts';
import { PLAYBOOK_IDS, PLAYBOOKS } from './playbooks.ts';
import type { PlaybookRecommendation } from './schema.ts';

/** Cited evidence lists are capped in the schema; the earliest items tell the story's start. */
export const MAX_CITES = 20;

/**
 * Every (playbook, target) the incident supports: the target is one of the incident's own entities
 * with kept evidence, of a shape the playbook acts on. Closing a bucket is offered only when an
 * exfiltration signal names the bucket — a bucket that was merely read or deleted is not "open".
 * This is the whole menu: a model may choose from it, never add to it or pick other targets.
 */
export function eligiblePlaybooks(pack: EvidencePack): PlaybookRecommendation[] {
  const out: PlaybookRecommendation[] = [];
  for (const entity of pack.incident.entities) {
    if (entity.evidence.length === 0) continue;
    const target = { type: entity.type, id: entity.id.untrusted };
    for (const id of PLAYBOOK_IDS) {
      const playbook = PLAYBOOKS[id];
      if (playbook.target !== entity.type || !playbook.appliesTo(target)) continue;
      if (id === 'close_public_bucket' && !entity.tactics.includes('TA0010')) continue;
      const under = entity.tactics.map((t) => TACTICS[t]).join(', ');
      out.push({
        id,
        target,
        reason:
          `${playbook.title}: ${defang(target.id, 100)} appears in ${entity.evidence.length} evidence ` +
          `item(s) of this incident${under ? ` (${under})` : ''}.`,
        evidence: entity.evidence.slice(0, MAX_CITES),
      });
    }
  }
  return out;
}
