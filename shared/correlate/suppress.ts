import type { Signal } from '../detect/types.ts';
import { ValidationError } from '../errors.ts';
import { entityKey, type Suppression } from './types.ts';

const cache = new Map<string, RegExp>();
/** `*` matches any run of characters; everything else literally. Compiled once per pattern. */
export const globMatch = (pattern: string, value: string): boolean => {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
};

/** The first live suppression scoped to this signal's rule and one of its entities. */
export function matchSuppression(
  signal: Signal,
  suppressions: readonly Suppression[],
  now: number,
): Suppression | undefined {
  for (const s of suppressions) {
    if (s.expires_at <= now) continue;
    if (s.rule_id !== signal.rule_id && s.rule_id !== '*') continue;
    if (signal.entities.some((e) => globMatch(s.entity_pattern, entityKey(e)))) return s;
  }
  return undefined;
}

export interface FalsePositiveVerdict {
  /** The signal the analyst judged. */
  signal: Signal;
  analyst: string;
  reason: string;
  /** How long the suppression lasts; 30 days unless the analyst says otherwise. */
  forMs?: number;
}

const DEFAULT_SUPPRESSION_MS = 30 * 24 * 3_600_000;
const SCOPE_ORDER = ['principal', 'access_key', 'ip', 'resource', 'account'] as const;

/**
 * An analyst's false-positive verdict on a signal, as a suppression scoped as narrowly as the
 * signal allows: the same rule, for the most specific entity it names (its principal, else its
 * access key, …), with an expiry — never a rule switched off for everyone, never forever.
 */
export function suppressionFromVerdict(v: FalsePositiveVerdict, now: number, id: string): Suppression {
  const scope = SCOPE_ORDER.map((t) => v.signal.entities.find((e) => e.type === t)).find(
    (e) => e !== undefined,
  );
  if (!scope)
    throw new ValidationError(
      'a signal without entities cannot be suppressed narrowly',
      'correlate.suppress',
    );
  // `*` is the pattern's wildcard: an entity id containing one would widen the scope, so it is refused.
  if (scope.id.includes('*'))
    throw new ValidationError(
      'entity id contains "*": cannot scope a suppression to it',
      'correlate.suppress',
    );
  return {
    id,
    rule_id: v.signal.rule_id,
    entity_pattern: entityKey(scope),
    expires_at: now + (v.forMs ?? DEFAULT_SUPPRESSION_MS),
    reason: v.reason,
    created_by: v.analyst,
  };
}
