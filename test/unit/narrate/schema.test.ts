import { describe, expect, it } from 'vitest';
import { PLAYBOOK_IDS, PLAYBOOKS } from '../../../shared/narrate/playbooks.ts';
import { narrativeJsonSchema } from '../../../shared/narrate/schema.ts';

const walk = (node: unknown, visit: (n: Record<string, unknown>) => void): void => {
  if (Array.isArray(node)) for (const x of node) walk(x, visit);
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>);
    for (const v of Object.values(node)) walk(v, visit);
  }
};

describe('the narrative JSON schema for structured output', () => {
  it('closes every object and drops keywords structured output does not accept', () => {
    const objects: Record<string, unknown>[] = [];
    walk(narrativeJsonSchema, (n) => {
      for (const k of ['$schema', 'maxLength', 'minLength', 'maxItems', 'pattern'])
        expect(n).not.toHaveProperty(k);
      if (typeof n.minItems === 'number') expect(n.minItems).toBeLessThanOrEqual(1);
      if (n.type === 'object') objects.push(n);
    });
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) expect(o.additionalProperties).toBe(false);
    expect(() => JSON.parse(JSON.stringify(narrativeJsonSchema))).not.toThrow();
  });

  it('offers exactly the catalogue as playbook ids and requires claims with citations', () => {
    const props = narrativeJsonSchema.properties as Record<string, { items: Record<string, unknown> }>;
    const playbook = props.playbooks?.items.properties as Record<string, { enum: string[] }>;
    expect(playbook.id?.enum).toEqual([...PLAYBOOK_IDS]);
    const claim = props.claims?.items as {
      required: string[];
      properties: { evidence: { minItems: number } };
    };
    expect(claim.required).toEqual(['text', 'evidence']);
    expect(claim.properties.evidence.minItems).toBe(1);
  });

  it('names, for each catalogue playbook, the one entity type it acts on', () => {
    expect(Object.fromEntries(PLAYBOOK_IDS.map((id) => [id, PLAYBOOKS[id].target]))).toEqual({
      deactivate_access_key: 'access_key',
      quarantine_iam_user: 'principal',
      revoke_role_sessions: 'principal',
      isolate_ec2_instance: 'resource',
      block_ip: 'ip',
      close_public_bucket: 'resource',
    });
  });
});
