import type { z } from 'zod';
import { type EntityRef, SEVERITY_ORDER, type Severity } from '../detect/types.ts';
import { eligiblePlaybooks } from './eligibility.ts';
import type { EvidencePack } from './evidence-pack.ts';
import { deterministicConfidence } from './narrator.ts';
import { CONFIDENCE_ORDER, type Confidence, type NarrativeBody, NarrativeBodySchema } from './schema.ts';

export type NarrativeIssueCode =
  | 'schema'
  | 'unknown_evidence'
  | 'uncited_claim'
  | 'unknown_playbook'
  | 'playbook_not_eligible'
  | 'protected_target'
  | 'severity_below_floor'
  | 'confidence_below_floor'
  | 'link_in_text';

/** One reason to reject; precise enough to send back to the model in the retry. */
export interface NarrativeIssue {
  code: NarrativeIssueCode;
  /** Where in the answer, e.g. `claims.3.evidence.0`. */
  path: string;
  message: string;
}

export type NarrativeVerdict =
  | { ok: true; narrative: NarrativeBody }
  | { ok: false; errors: NarrativeIssue[] };

/** What an answer is checked against: all of it comes from the pack and the scoring, none from the model. */
export interface NarrativeContext {
  evidenceIds: ReadonlySet<string>;
  /** The (playbook, target) pairs the incident supports; a model may only choose among them. */
  eligible: readonly { id: string; target: EntityRef }[];
  floor: { severity: Severity; confidence: Confidence };
  isProtected: (target: EntityRef) => boolean;
}

export function narrativeContext(
  pack: EvidencePack,
  isProtected: (target: EntityRef) => boolean,
): NarrativeContext {
  return {
    evidenceIds: new Set(pack.evidence.map((e) => e.id)),
    eligible: eligiblePlaybooks(pack).map(({ id, target }) => ({ id, target })),
    floor: { severity: pack.incident.severity, confidence: deterministicConfidence(pack) },
    isProtected,
  };
}

const MAX_ISSUES = 50;
// Hostile text may be echoed by the model into an id field: errors go back into the retry prompt and
// into logs, so repeat only a short piece in the characters ids are made of.
const show = (v: unknown): string =>
  `"${String(v)
    .slice(0, 64)
    .replace(/[^A-Za-z0-9._:/@+=,-]/g, '?')}"`;
const pathOf = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** A model never needs a link: one in its prose came from a log line or an attacker's request. */
const LINK = /\b(?:[a-z][a-z0-9+.-]{1,19}):\/\/|\b(?:javascript|vbscript|data):|\bwww\.|<\s*[a-z!/]|\]\(/i;

function fromZod(error: z.ZodError): NarrativeIssue[] {
  return error.issues.map((issue) => {
    const path = pathOf(issue.path);
    const last = issue.path[issue.path.length - 1];
    if (last === 'evidence' && issue.code === 'too_small')
      return {
        code: 'uncited_claim',
        path,
        message: 'every claim and entry must cite at least one evidence id',
      };
    if (issue.path[0] === 'playbooks' && last === 'id')
      return { code: 'unknown_playbook', path, message: 'playbook is not in the response catalogue' };
    return { code: 'schema', path, message: issue.message };
  });
}

/**
 * Checks a narrator's answer before anything stores or shows it. Model output is untrusted: zod
 * first (shape, enums, lengths), then the grounding rules — cited ids exist in the pack, playbooks
 * and targets come from the incident's menu and are not protected, and severity and confidence do
 * not fall below what the deterministic scoring established (the model is advisory).
 */
export function validateNarrative(output: unknown, ctx: NarrativeContext): NarrativeVerdict {
  const parsed = NarrativeBodySchema.safeParse(output);
  if (!parsed.success) return { ok: false, errors: fromZod(parsed.error).slice(0, MAX_ISSUES) };
  const n = parsed.data;
  const errors: NarrativeIssue[] = [];

  const cited: [string, string[]][] = [
    ...n.claims.map((c, i): [string, string[]] => [`claims.${i}`, c.evidence]),
    ...n.timeline.map((c, i): [string, string[]] => [`timeline.${i}`, c.evidence]),
    ...n.attack.map((c, i): [string, string[]] => [`attack.${i}`, c.evidence]),
    ...n.affected_assets.map((c, i): [string, string[]] => [`affected_assets.${i}`, c.evidence]),
    ...n.hypotheses.map((c, i): [string, string[]] => [`hypotheses.${i}`, c.evidence]),
    ...n.playbooks.map((c, i): [string, string[]] => [`playbooks.${i}`, c.evidence]),
  ];
  for (const [path, ids] of cited)
    ids.forEach((id, j) => {
      if (!ctx.evidenceIds.has(id))
        errors.push({
          code: 'unknown_evidence',
          path: `${path}.evidence.${j}`,
          message: `evidence id ${show(id)} is not in the evidence pack`,
        });
    });

  n.playbooks.forEach((p, i) => {
    const path = `playbooks.${i}`;
    if (ctx.isProtected(p.target))
      errors.push({
        code: 'protected_target',
        path: `${path}.target`,
        message: 'target is a protected resource',
      });
    const listed = ctx.eligible.some(
      (e) => e.id === p.id && e.target.type === p.target.type && e.target.id === p.target.id,
    );
    if (!listed)
      errors.push({
        code: 'playbook_not_eligible',
        path,
        message: `${p.id} on ${p.target.type} ${show(p.target.id)} is not among the incident's eligible playbooks`,
      });
  });

  if (SEVERITY_ORDER[n.severity] < SEVERITY_ORDER[ctx.floor.severity])
    errors.push({
      code: 'severity_below_floor',
      path: 'severity',
      message: `severity ${n.severity} is below the scored severity ${ctx.floor.severity}`,
    });
  if (CONFIDENCE_ORDER[n.confidence] < CONFIDENCE_ORDER[ctx.floor.confidence])
    errors.push({
      code: 'confidence_below_floor',
      path: 'confidence',
      message: `confidence ${n.confidence} is below the evidence-based confidence ${ctx.floor.confidence}`,
    });

  const prose: [string, string][] = [
    ['summary', n.summary],
    ...n.claims.map((c, i): [string, string] => [`claims.${i}.text`, c.text]),
    ...n.timeline.map((c, i): [string, string] => [`timeline.${i}.text`, c.text]),
    ...n.hypotheses.map((c, i): [string, string] => [`hypotheses.${i}.text`, c.text]),
    ...n.playbooks.map((c, i): [string, string] => [`playbooks.${i}.reason`, c.reason]),
    ...n.open_questions.map((q, i): [string, string] => [`open_questions.${i}`, q]),
  ];
  for (const [path, text] of prose)
    if (LINK.test(text))
      errors.push({
        code: 'link_in_text',
        path,
        message: 'text contains a link or markup; quote addresses defanged (hxxp[:]//example[.]com)',
      });

  return errors.length ? { ok: false, errors: errors.slice(0, MAX_ISSUES) } : { ok: true, narrative: n };
}
