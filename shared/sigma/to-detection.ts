import type { Detection, DetectionCase, Hit, Severity, Tactic } from '../detect/types.ts';
import type { CompiledSigmaRule } from './compile.ts';
import { deriveExample, type Example, exampleCases } from './examples.ts';
import { PRODUCTS } from './field-map.ts';
import type { SigmaLevel } from './parse.ts';
import { firstText } from './record.ts';
import { requiredKeyTest, requiredTriggers } from './triggers.ts';
import { type SigmaTuning, tuningFor } from './tuning.ts';

/**
 * A compiled Sigma rule as a Vigil `Detection`, so Sigma matches become signals exactly like
 * native detections (the engine marks them `origin: 'sigma'` by the `sigma.` id prefix).
 *
 * Attribution: SigmaHQ rules are under the Detection Rule License 1.1, which requires the author
 * and licence to travel with a rule wherever it is shown. Every Sigma detection carries
 * `attribution` (rule id, author, licence) and puts it in each hit's evidence as
 * `sigma_attribution`, so the Signal — and the analyst view built from it — keeps it.
 */

export interface SigmaDetection extends Detection {
  readonly attribution: string;
  readonly sigma: {
    readonly ruleId?: string;
    readonly title: string;
    readonly file: string;
    readonly author?: string;
    readonly status?: string;
    readonly level?: SigmaLevel;
    readonly product: CompiledSigmaRule['product'];
    readonly references: readonly string[];
    readonly falsepositives: readonly string[];
    /** Vigil's tuning of this rule (shared/sigma/tuning.ts), when it has one. */
    readonly tuning?: string;
  };
  /** The test-case derivation, computed on first use (not at cold start). */
  readonly example: () => Example;
}

export const LICENCE = 'Detection Rule License 1.1';

const SEVERITY: Record<SigmaLevel, Severity> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

export const RISK: Record<Severity, number> = { info: 5, low: 10, medium: 25, high: 50, critical: 80 };

/**
 * ATT&CK tactic tag names → Vigil's tactic ids. ATT&CK v18 split Defense Evasion into
 * `stealth` and `defense-impairment` (SigmaHQ's tags follow); Vigil's kill-chain list predates
 * the split, so both map to TA0005, the tactic they came from.
 */
const TACTIC_BY_NAME: Record<string, Tactic> = {
  reconnaissance: 'TA0043',
  resource_development: 'TA0042',
  initial_access: 'TA0001',
  execution: 'TA0002',
  persistence: 'TA0003',
  privilege_escalation: 'TA0004',
  defense_evasion: 'TA0005',
  stealth: 'TA0005',
  defense_impairment: 'TA0005',
  credential_access: 'TA0006',
  discovery: 'TA0007',
  lateral_movement: 'TA0008',
  collection: 'TA0009',
  command_and_control: 'TA0011',
  exfiltration: 'TA0010',
  impact: 'TA0040',
};

/** Used only when a rule has no tactic tag at all (none of SigmaHQ's cloud rules lacks one). */
export const DEFAULT_TACTIC: Tactic = 'TA0005';

export function techniquesOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(tag.trim());
    if (m) {
      const id = (m[1] as string).toUpperCase();
      if (!out.includes(id)) out.push(id);
    }
  }
  return out;
}

/** The first tactic tag, in the rule's own order (authors list the primary tactic first). */
export function tacticOf(tags: readonly string[]): Tactic {
  for (const tag of tags) {
    const m = /^attack\.([a-z_-]+|ta\d{4})$/i.exec(tag.trim());
    if (!m) continue;
    const name = (m[1] as string).toLowerCase();
    if (/^ta\d{4}$/.test(name) && TACTIC_ID.has(name.toUpperCase())) return name.toUpperCase() as Tactic;
    const tactic = TACTIC_BY_NAME[name.replace(/-/g, '_')];
    if (tactic) return tactic;
  }
  return DEFAULT_TACTIC;
}

const TACTIC_ID = new Set<string>(Object.values(TACTIC_BY_NAME));

export const slug = (text: string): string =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 80) || 'rule';

/** `sigma.<product>.<slug of title>`; the loader appends the rule id's prefix on a clash. */
export const detectionIdFor = (compiled: CompiledSigmaRule): string =>
  `sigma.${compiled.product}.${slug(compiled.rule.title)}`;

export function attributionOf(compiled: CompiledSigmaRule): string {
  const r = compiled.rule;
  const who = r.author ? ` by ${r.author}` : '';
  const id = r.id ? ` (${r.id})` : '';
  return `Sigma rule "${r.title}"${id}${who}, ${r.license ?? LICENCE}`;
}

export function toDetection(
  compiled: CompiledSigmaRule,
  id = detectionIdFor(compiled),
  tuningTable?: Readonly<Record<string, SigmaTuning>>,
): SigmaDetection {
  const r = compiled.rule;
  const profile = PRODUCTS[compiled.product];
  // Vigil's documented tuning (shared/sigma/tuning.ts) lowers or disables a rule; attribution stays.
  const tuning = tuningFor(r.id, r.level, tuningTable);
  const severity = tuning?.severity ?? SEVERITY[r.level ?? 'medium'];
  const attribution = attributionOf(compiled);
  const triggers = tuning?.disabled ? [] : requiredTriggers(compiled);
  // Without exact triggers, a rule whose every branch tests the trigger field some other way
  // (`eventName|startswith`, `eventName: List*`) still meets only the keys that pass that test.
  const acceptsKey = triggers ? undefined : requiredKeyTest(compiled);
  const agg = compiled.aggregation;
  const evidenceBase = {
    sigma_rule_id: r.id ?? '',
    sigma_title: r.title,
    sigma_attribution: attribution,
    ...(tuning ? { sigma_tuning: tuning.summary } : {}),
  };
  const description = (r.description ?? r.title).trim();
  const windowPrefix = `sigma\u0000${id}\u0000`;
  const disabled = tuning?.disabled === true;
  const source = profile.source;
  const matches = compiled.matches;
  const evidenceFor = (raw: unknown): Record<string, string | number | boolean> => ({
    ...evidenceBase,
    sigma_matched: matchedSelections(compiled, raw),
  });

  let example: Example | undefined;
  let cases: DetectionCase[] | undefined;
  const exampleOnce = (): Example => {
    example ??= deriveExample(compiled);
    return example;
  };

  return {
    id,
    title: r.title,
    description: tuning ? `${description}\n\n${tuning.note}` : description,
    attack: techniquesOf(r.tags),
    tactic: tacticOf(r.tags),
    severity,
    risk: RISK[severity],
    sources: [profile.source],
    ...(triggers ? { triggers } : {}),
    ...(acceptsKey ? { acceptsKey } : {}),
    attribution,
    sigma: {
      ...(r.id !== undefined ? { ruleId: r.id } : {}),
      title: r.title,
      file: r.file,
      ...(r.author !== undefined ? { author: r.author } : {}),
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.level !== undefined ? { level: r.level } : {}),
      product: compiled.product,
      references: r.references,
      falsepositives: r.falsepositives,
      ...(tuning ? { tuning: tuning.summary } : {}),
    },
    example: exampleOnce,
    get cases(): DetectionCase[] {
      // A disabled rule fires on nothing, its own positive example included.
      cases ??= exampleCases(compiled, exampleOnce()).map((c) =>
        tuning?.disabled ? { ...c, fires: false } : c,
      );
      return cases;
    },
    detect(ev, ctx): Hit | undefined {
      // Read from constants, not through `tuning` and `compiled`: this runs for every candidate event.
      if (disabled || ev.source !== source || !matches(ev.raw)) return undefined;
      if (!agg) return { evidence: evidenceFor(ev.raw) };
      // A count rule matches far more events than it fires on: the evidence is built only on firing.
      const group = agg.groupBy ? (firstText(ev.raw, agg.groupBy) ?? '') : '';
      const key = `${windowPrefix}${group}`;
      const time = Number.isFinite(ev.ocsf.time) ? ev.ocsf.time : 0;
      let count: number;
      if (agg.distinct) {
        const member = firstText(ev.raw, agg.distinct) ?? '';
        // The burst crosses the threshold only when a value new to the window arrives.
        const fresh = ctx.window.count(`${key}\u0000${member}`, time, agg.windowMs) === 1;
        count = ctx.window.distinct(key, member, time, agg.windowMs);
        if (!fresh) return undefined;
      } else {
        count = ctx.window.count(key, time, agg.windowMs);
      }
      if (count !== agg.fireAt) return undefined;
      return { evidence: { ...evidenceFor(ev.raw), sigma_aggregation: agg.text, sigma_count: count } };
    },
  };
}

/** Names of the selections that hold on the record: the "why" an analyst reads first. */
function matchedSelections(compiled: CompiledSigmaRule, raw: unknown): string {
  const names: string[] = [];
  for (const [name, selection] of compiled.selections) if (selection.test(raw)) names.push(name);
  return names.join(',');
}
