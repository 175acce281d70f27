import type { Signal } from '../detect/types.ts';
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
