import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { describeError } from '../errors.ts';
import { issue, SigmaInvalidRuleError, type SigmaIssue } from './issues.ts';

/**
 * Sigma rule YAML → a validated rule model. Rule files are input from outside (SigmaHQ, a
 * customer's own folder), so everything is checked before the compiler sees it: size, YAML
 * syntax (duplicate keys are errors — a silently overridden selection key would change the
 * rule), alias expansion (bounded against "billion laughs"), and the shape of every attribute.
 *
 * Not supported, and reported as such (not as invalid): multi-document files — Sigma 1.0 rule
 * collections (`action: global` / `reset` / `repeat`), deprecated in Sigma 2.0 and absent from
 * SigmaHQ's cloud rules — and correlation or filter meta-rules.
 */

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

export interface SigmaRule {
  readonly title: string;
  readonly id?: string;
  readonly status?: string;
  readonly description?: string;
  readonly author?: string;
  readonly license?: string;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly level?: SigmaLevel;
  readonly logsource: { readonly product?: string; readonly service?: string; readonly category?: string };
  readonly detection: {
    /** Search identifiers → their definitions (validated by the compiler). */
    readonly selections: Readonly<Record<string, unknown>>;
    /** One or more conditions; a list is joined with OR. */
    readonly conditions: readonly string[];
    readonly timeframe?: string;
  };
  readonly falsepositives: readonly string[];
  /** Where the rule came from, as given by the loader. */
  readonly file: string;
}

export type ParseOutcome =
  | { ok: true; rule: SigmaRule }
  | { ok: false; kind: 'invalid'; reason: string; title?: string; product?: string }
  | { ok: false; kind: 'unsupported'; issue: SigmaIssue; title?: string; product?: string };

export const MAX_RULE_BYTES = 256 * 1024;
const MAX_ALIASES = 50;

const text = (max: number) => z.string().max(max);
/** Lists in the wild hold the odd number or date; they are kept as text. */
const textList = z
  .union([z.string(), z.array(z.union([z.string(), z.number(), z.boolean()]))])
  .transform((v) => (Array.isArray(v) ? v.map(String) : [v]));

const RuleSchema = z.object({
  title: text(256).min(1),
  id: z
    .union([text(128), z.number()])
    .transform(String)
    .optional(),
  status: text(32).optional(),
  description: text(8192).optional(),
  author: z
    .union([text(1024), z.array(text(256))])
    .transform((a) => (Array.isArray(a) ? a.join(', ') : a))
    .optional(),
  license: text(256).optional(),
  references: textList.optional(),
  tags: z.array(text(128)).max(256).optional(),
  level: z.enum(['informational', 'low', 'medium', 'high', 'critical']).optional(),
  logsource: z.object({
    product: text(64).optional(),
    service: text(64).optional(),
    category: text(64).optional(),
  }),
  detection: z
    .record(z.string().max(256), z.unknown())
    .refine((d) => Object.keys(d).length <= 257, 'more than 256 search identifiers'),
  falsepositives: textList.optional(),
});

const ConditionSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(64)]);

export function parseSigmaRule(yamlText: string, file: string): ParseOutcome {
  if (yamlText.length > MAX_RULE_BYTES)
    return { ok: false, kind: 'invalid', reason: `larger than ${MAX_RULE_BYTES} bytes` };
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(yamlText, { uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    return { ok: false, kind: 'invalid', reason: `YAML: ${describeError(e)}` };
  }
  if (!Array.isArray(documents) || documents.length === 0)
    return { ok: false, kind: 'invalid', reason: 'empty file' };
  const first = documents[0];
  const broken = documents.find((d) => d.errors.length > 0);
  if (broken) return { ok: false, kind: 'invalid', reason: `YAML: ${broken.errors[0]?.message ?? 'error'}` };

  let data: unknown;
  try {
    data = first?.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    return { ok: false, kind: 'invalid', reason: `YAML: ${describeError(e)}` };
  }
  const head = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const title = typeof head.title === 'string' ? head.title : undefined;
  const product = productOf(head);

  if (documents.length > 1) {
    const action = head.action;
    const detail =
      action === 'global'
        ? `rule collection (${documents.length} YAML documents, 'action: global')`
        : `multi-document YAML (${documents.length} documents)`;
    return unsupported(issue('rule-collection', detail), title, product);
  }
  if ('correlation' in head)
    return unsupported(issue('meta-rule', 'correlation rule (meta-rule)'), title, product);
  if ('filter' in head && !('detection' in head)) {
    return unsupported(issue('meta-rule', 'Sigma filter (meta-filter)'), title, product);
  }

  const invalid = (reason: string): ParseOutcome => ({
    ok: false,
    kind: 'invalid',
    reason,
    ...(title !== undefined ? { title } : {}),
    ...(product !== undefined ? { product } : {}),
  });
  const parsed = RuleSchema.safeParse(data);
  if (!parsed.success) return invalid(z.prettifyError(parsed.error).replace(/\n/g, ' '));
  const r = parsed.data;

  const { condition, timeframe, ...selections } = r.detection;
  const conditions = ConditionSchema.safeParse(condition);
  if (!conditions.success)
    return invalid('detection.condition must be a non-empty string or list of strings');
  if (timeframe !== undefined && typeof timeframe !== 'string') {
    return invalid('detection.timeframe must be a string like 10m');
  }
  if (Object.keys(selections).length === 0) return invalid('detection has no search identifiers');

  return {
    ok: true,
    rule: {
      title: r.title,
      ...(r.id !== undefined ? { id: r.id } : {}),
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.description !== undefined ? { description: r.description } : {}),
      ...(r.author !== undefined ? { author: r.author } : {}),
      ...(r.license !== undefined ? { license: r.license } : {}),
      references: r.references ?? [],
      tags: r.tags ?? [],
      ...(r.level !== undefined ? { level: r.level } : {}),
      logsource: r.logsource,
      detection: {
        selections,
        conditions: typeof conditions.data === 'string' ? [conditions.data] : conditions.data,
        ...(timeframe !== undefined ? { timeframe } : {}),
      },
      falsepositives: r.falsepositives ?? [],
      file,
    },
  };
}

/** The product a raw rule object names, when it names one (used to route even broken rules). */
function productOf(head: Record<string, unknown>): string | undefined {
  const logsource = head.logsource;
  if (typeof logsource !== 'object' || logsource === null) return undefined;
  const product = (logsource as Record<string, unknown>).product;
  return typeof product === 'string' ? product : undefined;
}

const unsupported = (
  i: SigmaIssue,
  title: string | undefined,
  product: string | undefined,
): ParseOutcome => ({
  ok: false,
  kind: 'unsupported',
  issue: i,
  ...(title !== undefined ? { title } : {}),
  ...(product !== undefined ? { product } : {}),
});

/** For callers that prefer an exception (e.g. a CLI validating one file). */
export function parseSigmaRuleOrThrow(yamlText: string, file: string): SigmaRule {
  const outcome = parseSigmaRule(yamlText, file);
  if (outcome.ok) return outcome.rule;
  const reason = outcome.kind === 'invalid' ? outcome.reason : `unsupported: ${outcome.issue.detail}`;
  throw new SigmaInvalidRuleError(reason, 'sigma.parse', { file });
}
