import { describe, expect, it } from 'vitest';
import type { EntityRef } from '../../../shared/detect/types.ts';
import { buildEvidencePack } from '../../../shared/narrate/evidence-pack.ts';
import { narrate } from '../../../shared/narrate/narrator.ts';
import { NarrativeBodySchema } from '../../../shared/narrate/schema.ts';
import { narrativeContext, validateNarrative } from '../../../shared/narrate/validate.ts';
import { incident, signal } from './fixtures.ts';

const withEntities = (entities: EntityRef[], tactic: 'TA0001' | 'TA0010' | 'TA0040' = 'TA0001') =>
  buildEvidencePack(incident([signal(1, { entities, tactic })]));
const playbooksOf = (entities: EntityRef[], tactic?: 'TA0001' | 'TA0010' | 'TA0040') =>
  narrate(withEntities(entities, tactic)).playbooks.map((p) => `${p.id} ${p.target.id}`);

describe('the deterministic narrator', () => {
  it('writes claims that each cite evidence of the pack, and passes its own validator', () => {
    const pack = buildEvidencePack(
      incident([
        signal(1),
        signal(2, { tactic: 'TA0004', severity: 'high', title: 'Admin policy attached' }),
      ]),
    );
    const n = narrate(pack);
    expect(n.generated_by).toBe('deterministic');
    const ids = new Set(pack.evidence.map((e) => e.id));
    expect(n.claims.length).toBeGreaterThan(0);
    for (const c of n.claims) {
      expect(c.evidence.length).toBeGreaterThan(0);
      for (const id of c.evidence) expect(ids.has(id)).toBe(true);
    }
    const { generated_by: _by, ...body } = n;
    expect(
      validateNarrative(
        body,
        narrativeContext(pack, () => false),
      ),
    ).toMatchObject({ ok: true });
    // Who wrote a narrative is recorded by Vigil, never claimed by the narrator's answer.
    expect(NarrativeBodySchema.safeParse(n).success).toBe(false);
  });

  it('tells who, from where and in which order, tactic by tactic in kill-chain order', () => {
    const pack = buildEvidencePack(
      incident([
        signal(1, { tactic: 'TA0010', title: 'Snapshot shared' }),
        signal(2, { tactic: 'TA0007', title: 'Enumeration' }),
      ]),
    );
    const text = narrate(pack).claims.map((c) => c.text);
    expect(text[0]).toMatch(/^alice performed the 2 recorded event\(s\)/);
    expect(text.some((t) => t.includes('Access key AKIAEXAMPLEALICE0001'))).toBe(true);
    expect(text.some((t) => t.includes('The requests came from 203.0.113.9'))).toBe(true);
    const discovery = text.findIndex((t) => t.startsWith('Discovery (TA0007): Enumeration'));
    const exfil = text.findIndex((t) => t.startsWith('Exfiltration (TA0010): Snapshot shared'));
    expect(discovery).toBeGreaterThan(-1);
    expect(exfil).toBeGreaterThan(discovery);
    expect(narrate(pack).timeline.map((t) => t.text.split(' — ')[0])).toEqual([
      'alice: Op1 from 203.0.113.9',
      'alice: Op2 from 203.0.113.9',
    ]);
  });

  it('recommends a playbook only for an entity of the right kind', () => {
    expect(
      playbooksOf([
        { type: 'principal', id: 'arn:aws:iam::111122223333:user/alice' },
        { type: 'access_key', id: 'AKIAEXAMPLEALICE0001' },
        { type: 'ip', id: '203.0.113.9' },
      ]),
    ).toEqual([
      'quarantine_iam_user arn:aws:iam::111122223333:user/alice',
      'deactivate_access_key AKIAEXAMPLEALICE0001',
      'block_ip 203.0.113.9',
    ]);
    expect(
      playbooksOf(
        [
          { type: 'principal', id: 'arn:aws:sts::111122223333:assumed-role/deploy/ci-run-7' },
          { type: 'access_key', id: 'ASIAEXAMPLETEMPORARY' },
          { type: 'ip', id: '10.1.2.3' },
          { type: 'principal', id: 'okta:00u123' },
          { type: 'resource', id: 'snap-0123456789abcdef0' },
        ],
        'TA0010',
      ),
    ).toEqual(['revoke_role_sessions arn:aws:sts::111122223333:assumed-role/deploy/ci-run-7']);
    expect(
      playbooksOf([
        { type: 'resource', id: 'arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890' },
      ]),
    ).toEqual(['isolate_ec2_instance arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890']);
  });

  it('offers to close a bucket only when an exfiltration signal names it', () => {
    const bucket = [{ type: 'resource' as const, id: 'arn:aws:s3:::customer-exports' }];
    expect(playbooksOf(bucket, 'TA0010')).toEqual(['close_public_bucket arn:aws:s3:::customer-exports']);
    expect(playbooksOf(bucket, 'TA0040')).toEqual([]);
  });

  it('asks a person to revert an exposure no playbook can close', () => {
    const n = narrate(withEntities([{ type: 'resource', id: 'snap-0123456789abcdef0' }], 'TA0010'));
    expect(n.open_questions.some((q) => q.includes('closes the exposure of snap-0123456789abcdef0'))).toBe(
      true,
    );
  });

  it('recommends nothing against a protected resource', () => {
    const pack = withEntities([
      { type: 'principal', id: 'arn:aws:iam::111122223333:user/break-glass' },
      { type: 'ip', id: '203.0.113.9' },
    ]);
    const n = narrate(pack, { isProtected: (t) => t.id.endsWith('/break-glass') });
    expect(n.playbooks.map((p) => p.id)).toEqual(['block_ip']);
  });

  it('keeps the scored severity and says what the budget left out', () => {
    const signals = Array.from({ length: 40 }, (_, i) => signal(i));
    const pack = buildEvidencePack(incident(signals, { severity: 'critical' }), 800);
    const n = narrate(pack);
    expect(n.severity).toBe('critical');
    expect(n.summary).toContain(`${pack.omitted.count} lower-risk evidence item(s) are not covered here.`);
    expect(n.open_questions.some((q) => q.includes(pack.omitted.reason))).toBe(true);
  });
});
