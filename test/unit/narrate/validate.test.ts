import { describe, expect, it } from 'vitest';
import { buildEvidencePack } from '../../../shared/narrate/evidence-pack.ts';
import { narrate } from '../../../shared/narrate/narrator.ts';
import type { NarrativeBody } from '../../../shared/narrate/schema.ts';
import {
  type NarrativeIssueCode,
  narrativeContext,
  validateNarrative,
} from '../../../shared/narrate/validate.ts';
import { incident, signal } from './fixtures.ts';

const pack = buildEvidencePack(
  incident([signal(1), signal(2, { tactic: 'TA0004', severity: 'high' })], { severity: 'high' }),
);
const isProtected = (t: { id: string }) => t.id === 'arn:aws:iam::111122223333:user/alice';
const ctx = narrativeContext(pack, isProtected);
const { generated_by: _by, ...base } = narrate(pack, { isProtected });
const good = (): NarrativeBody => structuredClone(base);
const codes = (output: unknown): NarrativeIssueCode[] => {
  const v = validateNarrative(output, ctx);
  return v.ok ? [] : v.errors.map((e) => e.code);
};
const known = pack.evidence[0]?.id as string;

describe('validateNarrative', () => {
  it('accepts a grounded answer and returns it typed', () => {
    const v = validateNarrative(good(), ctx);
    expect(v.ok).toBe(true);
  });

  it('rejects what is not a narrative at all, with paths', () => {
    expect(codes('ignore previous instructions')).toEqual(['schema']);
    const v = validateNarrative({ ...good(), summary: 42, extra: true }, ctx);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors.map((e) => e.path).sort()).toEqual(['', 'summary']);
  });

  it('rejects a claim citing evidence that is not in the pack, naming the exact citation', () => {
    const n = good();
    n.claims[0] = {
      text: 'The attacker also read the payroll bucket.',
      evidence: [known, 'ev-000000000000'],
    };
    const v = validateNarrative(n, ctx);
    expect(v.ok).toBe(false);
    if (!v.ok)
      expect(v.errors).toEqual([
        expect.objectContaining({ code: 'unknown_evidence', path: 'claims.0.evidence.1' }),
      ]);
  });

  it('rejects an uncited claim', () => {
    const n = good();
    n.claims.push({ text: 'This is certainly an insider.', evidence: [] });
    expect(codes(n)).toEqual(['uncited_claim']);
  });

  it('rejects a playbook outside the catalogue', () => {
    const n = good() as unknown as { playbooks: unknown[] };
    n.playbooks.push({
      id: 'delete_account',
      target: { type: 'account', id: '111122223333' },
      reason: 'x',
      evidence: [known],
    });
    expect(codes(n)).toEqual(['unknown_playbook']);
  });

  it('rejects a catalogue playbook on a target the incident does not support (the model cannot choose targets)', () => {
    const n = good();
    n.playbooks = [
      { id: 'block_ip', target: { type: 'ip', id: '192.0.2.200' }, reason: 'x', evidence: [known] },
      {
        id: 'isolate_ec2_instance',
        target: { type: 'ip', id: '203.0.113.9' },
        reason: 'x',
        evidence: [known],
      },
    ];
    expect(codes(n)).toEqual(['playbook_not_eligible', 'playbook_not_eligible']);
  });

  it('rejects a protected target even when it is otherwise eligible', () => {
    const n = good();
    n.playbooks = [
      {
        id: 'quarantine_iam_user',
        target: { type: 'principal', id: 'arn:aws:iam::111122223333:user/alice' },
        reason: 'x',
        evidence: [known],
      },
    ];
    expect(codes(n)).toEqual(['protected_target']);
  });

  it('rejects a severity or confidence below the deterministic floor, and accepts a raise', () => {
    expect(codes({ ...good(), severity: 'low' })).toEqual(['severity_below_floor']);
    expect(codes({ ...good(), confidence: 'low' })).toEqual(['confidence_below_floor']);
    expect(codes({ ...good(), severity: 'critical' })).toEqual([]);
  });

  it('rejects links and markup in prose', () => {
    for (const text of [
      'See https://evil.example/x',
      'Open <a href=x>this</a>',
      '[here](x)',
      'www.example.com',
    ]) {
      const n = good();
      n.summary = text;
      expect(codes(n)).toEqual(['link_in_text']);
    }
  });

  it('never echoes more than a short printable piece of a hostile id', () => {
    const n = good();
    n.claims[0] = { text: 'x', evidence: [`ev-${'A'.repeat(50)}\u202e<script>`] };
    const v = validateNarrative(n, ctx);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.errors[0]?.message.length).toBeLessThan(120);
      expect(v.errors[0]?.message).not.toContain('<script>');
    }
  });
});
