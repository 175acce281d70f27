import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localDetection, sigmaDetections } from '../../../local/detection-runtime.ts';
import { DEFAULT_POLICY } from '../../../shared/correlate/policy.ts';
import type { IncidentRecord } from '../../../shared/correlate/store.ts';
import { summariseIncident } from '../../../shared/correlate/summary.ts';
import type { StoredSignal } from '../../../shared/correlate/types.ts';
import { entityKey } from '../../../shared/correlate/types.ts';
import { incidentView } from '../../../shared/correlate/view.ts';
import { SEVERITY_ORDER } from '../../../shared/detect/types.ts';
import { memoryWindow } from '../../../shared/detect/window.ts';
import { escapeHtml } from '../../../shared/narrate/escape.ts';
import { buildEvidencePack, LOCAL_PACK_BUDGET } from '../../../shared/narrate/evidence-pack.ts';
import { detectInjection } from '../../../shared/narrate/injection.ts';
import { narrate } from '../../../shared/narrate/narrator.ts';
import { isPlaybookId } from '../../../shared/narrate/playbooks.ts';
import type { Narrative } from '../../../shared/narrate/schema.ts';
import { narrativeContext, validateNarrative } from '../../../shared/narrate/validate.ts';
import { DATA_DIR, labelledEvents } from '../../support/data.ts';
import { INJECTION_PAYLOADS, PLANTINGS, plant } from './injection-corpus.ts';
import { incidentsOf, normaliseAll } from './memory-pipeline.ts';

const detection = localDetection({ extra: sigmaDetections() });

/** An incident around the signals one record raises, summarised as the store would. */
function incidentOf(record: unknown): IncidentRecord | undefined {
  const signals: StoredSignal[] = normaliseAll([record]).flatMap((ev) => {
    detection.learnAccount(ev.ocsf.cloud?.account?.uid);
    return detection.engine
      .run(ev, { window: memoryWindow(), config: detection.config })
      .map((s) => ({ ...s, detected_at: s.time }));
  });
  const anchor = signals
    .flatMap((s) => s.entities)
    .find((e) => e.type === 'principal' || e.type === 'access_key');
  if (!anchor) return undefined;
  const summary = summariseIncident('inc-planted', entityKey(anchor), signals, DEFAULT_POLICY);
  return {
    ...summary,
    status: 'open',
    opened_at: summary.first_signal_at,
    opened_reason: 'severity',
    signals,
  };
}

/** Everything a reader sees as prose (ids and playbook targets are exact values, escaped where shown). */
const proseOf = (n: Narrative): string[] => [
  n.summary,
  ...n.claims.map((c) => c.text),
  ...n.timeline.map((t) => t.text),
  ...n.hypotheses.map((h) => h.text),
  ...n.playbooks.map((p) => p.reason),
  ...n.open_questions,
];

const LINK_OR_MARKUP = /[a-z][a-z0-9+.-]*:\/\/|\b(?:javascript|vbscript|data):|\bwww\.|<\s*[a-z!/?]|\]\(/i;
/** Hostnames a payload names: none may reach the prose in a form an autolinker would pick up. */
const hostsOf = (payload: string): string[] => payload.match(/\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b/gi) ?? [];

describe('detectInjection', () => {
  it('flags every payload of the corpus, alone and appended to a real user agent', () => {
    expect(INJECTION_PAYLOADS.length).toBeGreaterThanOrEqual(30);
    for (const p of INJECTION_PAYLOADS) {
      expect(detectInjection(p).suspicious, p).toBe(true);
      expect(detectInjection(`Mozilla/5.0 (Macintosh) ${p}`).suspicious, p).toBe(true);
    }
  });

  it('stays quiet on every string value of the labelled vendor records', () => {
    const strings = (v: unknown, out: string[]): string[] => {
      if (typeof v === 'string') out.push(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
      return out;
    };
    const dir = path.join(DATA_DIR, 'labelled');
    const flagged: string[] = [];
    let scanned = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ndjson')))
      for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        for (const s of strings((JSON.parse(line) as { event: unknown }).event, [])) {
          scanned++;
          if (detectInjection(s).suspicious) flagged.push(`${file}: ${s.slice(0, 80)}`);
        }
      }
    expect(scanned).toBeGreaterThan(10_000);
    expect(flagged).toEqual([]);
  });
});

describe.each(PLANTINGS)('payloads planted in $name', (planting) => {
  const original = labelledEvents(planting.file)[planting.line - 1];
  const baseline = incidentOf(original);

  it('the clean record raises an incident to compare against', () => {
    expect(baseline).toBeDefined();
  });

  it.each(INJECTION_PAYLOADS.map((p, i) => [i, p] as const))('payload %i', (_i, payload) => {
    const planted = incidentOf(plant(original, planting.path, payload));
    expect(planted).toBeDefined();
    const inc = planted as IncidentRecord;
    const base = baseline as IncidentRecord;

    // Scoring does not move: a payload can neither lower severity nor risk.
    expect(SEVERITY_ORDER[inc.severity]).toBeGreaterThanOrEqual(SEVERITY_ORDER[base.severity]);
    expect(inc.risk).toBeGreaterThanOrEqual(base.risk);

    // The field surfaces as evidence, flagged: the injection signal of the narrative.
    const pack = buildEvidencePack(inc, LOCAL_PACK_BUDGET);
    const flagged = pack.evidence.filter((e) => e.suspected_injection?.includes(planting.fact));
    expect(flagged.length, `fact ${planting.fact} flagged`).toBeGreaterThan(0);
    const n = narrate(pack);
    const injectionClaim = n.claims.find((c) =>
      c.text.includes('reads like instructions to an AI assistant'),
    );
    expect(injectionClaim?.evidence).toEqual([flagged[0]?.id]);

    // The narrative keeps the floor, stays within the catalogue and its own grounding rules.
    expect(n.severity).toBe(inc.severity);
    for (const p of n.playbooks) expect(isPlaybookId(p.id)).toBe(true);
    const { generated_by: _by, ...body } = n;
    expect(
      validateNarrative(
        body,
        narrativeContext(pack, () => false),
      ),
    ).toMatchObject({ ok: true });

    // No link or markup that the payload carried reaches the prose, escaped or not.
    for (const text of proseOf(n)) {
      expect(text).not.toMatch(LINK_OR_MARKUP);
      for (const host of hostsOf(payload)) expect(text).not.toContain(host);
      expect(escapeHtml(text)).not.toMatch(/</);
    }
  });
});

describe('payloads planted across the attack story', () => {
  it('the story keeps its severity, risk and playbooks, and its narrative names the planted text as suspect', async () => {
    const story = (await import('../../../local/story/attack-story.ts')).attackStory();
    const clean = (await incidentsOf(story))[0] as IncidentRecord;
    // Every attacker request of the story carries a payload in its user agent and its parameters.
    const payloads = INJECTION_PAYLOADS.slice(0, 12);
    let k = 0;
    const poisoned = story.map((record) => {
      const detail = (record as { detail?: Record<string, unknown> }).detail;
      if (detail?.sourceIPAddress !== '198.51.100.77') return record;
      const copy = structuredClone(record) as { detail: Record<string, unknown> };
      copy.detail.userAgent = `${detail.userAgent as string} ${payloads[k++ % payloads.length]}`;
      return copy;
    });
    expect(k).toBeGreaterThan(5);
    const dirty = (await incidentsOf(poisoned))[0] as IncidentRecord;
    expect(dirty.id).toBe(clean.id);
    // Nothing planted lowers the verdict; the attempt itself is a signal, so risk can only rise.
    expect(SEVERITY_ORDER[dirty.severity]).toBeGreaterThanOrEqual(SEVERITY_ORDER[clean.severity]);
    expect(dirty.risk).toBeGreaterThanOrEqual(clean.risk);
    expect(dirty.signals.some((s) => s.rule_id === 'vigil.log.assistant_directed_text')).toBe(true);
    expect(clean.signals.some((s) => s.rule_id === 'vigil.log.assistant_directed_text')).toBe(false);
    const view = incidentView(dirty);
    // The same playbooks for the same targets: planted text adds none and chooses no target (their
    // evidence lists grow, since the injection signal adds the attacker's quieter events as evidence).
    const choices = (v: typeof view) => v.narrative.playbooks.map((p) => [p.id, p.target]);
    expect(choices(view)).toEqual(choices(incidentView(clean)));
    expect(
      view.narrative.claims.filter((c) => c.text.includes('instructions to an AI assistant')).length,
    ).toBeGreaterThan(0);
    for (const text of proseOf(view.narrative)) expect(text).not.toMatch(LINK_OR_MARKUP);
  });

  it('never targets a protected resource, whatever the planted text asks for', async () => {
    const story = (await import('../../../local/story/attack-story.ts')).attackStory();
    // Every payload, planted in the leaked user's user agent across the story.
    let k = 0;
    const poisoned = story.map((record) => {
      const detail = (record as { detail?: Record<string, unknown> }).detail;
      if (detail?.sourceIPAddress !== '198.51.100.77') return record;
      const copy = structuredClone(record) as { detail: Record<string, unknown> };
      copy.detail.userAgent = INJECTION_PAYLOADS[k++ % INJECTION_PAYLOADS.length];
      return copy;
    });
    const incident = (await incidentsOf(poisoned))[0] as IncidentRecord;
    // The leaked principal and its key are declared protected (say, a break-glass identity).
    const isProtected = (t: { type: string; id: string }) =>
      (t.type === 'principal' && t.id.endsWith(':user/ci-deployer')) ||
      (t.type === 'access_key' && t.id.startsWith('AKIAQXAMPLE7LEAKED'));
    const pack = buildEvidencePack(incident, LOCAL_PACK_BUDGET);
    const n = narrate(pack, { isProtected });
    const targets = n.playbooks.map((p) => `${p.target.type}:${p.target.id}`);
    expect(targets.some((t) => t.endsWith(':user/ci-deployer') || t.includes('AKIAQXAMPLE7LEAKED'))).toBe(
      false,
    );
    // The validator checks model output, which never carries `generated_by` (Vigil sets it).
    const { generated_by: _by, ...body } = n;
    expect(validateNarrative(body, narrativeContext(pack, isProtected)).ok).toBe(true);
    // A narrative (a model's, say) that does target them is rejected.
    const forced = {
      ...n,
      playbooks: [
        {
          ...(n.playbooks[0] ?? { reason: 'x', evidence: [] }),
          id: 'quarantine_iam_user',
          target: { type: 'principal', id: 'arn:aws:iam::111122223333:user/ci-deployer' },
        },
      ],
    };
    const verdict = validateNarrative(forced, narrativeContext(pack, isProtected));
    expect(verdict.ok).toBe(false);
  });
});
