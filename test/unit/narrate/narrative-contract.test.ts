import { beforeAll, describe, expect, it } from 'vitest';
import { ATTACKER_IP, LEAKED_KEY, LEAKED_USER, STORY_ACCOUNT } from '../../../local/story/attack-story.ts';
import { type IncidentView, incidentView } from '../../../shared/correlate/view.ts';
import { isPlaybookId } from '../../../shared/narrate/playbooks.ts';
import { storyIncidents } from './memory-pipeline.ts';

/**
 * The contract of `vigil replay --json` (docs/architecture.md, issue #4 acceptance 1) over the
 * built-in attack story, run through the same pipeline as the command on an in-memory store.
 */
describe('narratives of the story incidents', () => {
  let views: IncidentView[] = [];
  beforeAll(async () => {
    views = (await storyIncidents()).map((i) => incidentView(i));
  });

  it('the story opens incidents, each with a deterministic narrative', () => {
    expect(views.length).toBeGreaterThan(0);
    for (const v of views) {
      expect(v.narrative.generated_by).toBe('deterministic');
      expect(v.narrative.summary.length).toBeGreaterThan(40);
      expect(v.narrative.claims.length).toBeGreaterThan(0);
    }
  });

  it('every cited evidence id exists in its incident, and every playbook is in the catalogue', () => {
    for (const v of views) {
      const ids = new Set(v.evidence.map((e) => e.id));
      const n = v.narrative;
      const citations = [
        ...n.claims,
        ...n.timeline,
        ...n.attack,
        ...n.affected_assets,
        ...n.hypotheses,
        ...n.playbooks,
      ].flatMap((x) => x.evidence);
      for (const c of n.claims) expect(c.evidence.length).toBeGreaterThan(0);
      for (const id of citations) expect(ids.has(id), id).toBe(true);
      for (const p of n.playbooks) expect(isPlaybookId(p.id)).toBe(true);
    }
  });

  it('tells the story of the leaked key: who, from where, which tactics, what to do', () => {
    const story = views.find(
      (v) => v.anchor === `principal:arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`,
    );
    expect(story).toBeDefined();
    const n = (story as IncidentView).narrative;
    expect(n.severity).toBe(story?.severity);
    expect(n.claims[0]?.text).toMatch(new RegExp(`^${LEAKED_USER} performed`));
    expect(n.claims.some((c) => c.text.includes(`Access key ${LEAKED_KEY}`))).toBe(true);
    expect(n.claims.some((c) => c.text.includes(ATTACKER_IP))).toBe(true);
    expect(n.claims.some((c) => c.text.startsWith('Exfiltration (TA0010)'))).toBe(true);
    expect(n.playbooks.map((p) => `${p.id} ${p.target.id}`).sort()).toEqual([
      `block_ip ${ATTACKER_IP}`,
      `deactivate_access_key ${LEAKED_KEY}`,
      `quarantine_iam_user arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`,
    ]);
  });
});
