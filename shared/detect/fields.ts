/**
 * Safe readers for raw records, which are hostile and untyped: never throw, never coerce
 * surprising types into matches.
 */
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A dotted path split once: its keys and their all-lowercase spellings (the readers' fallback). */
export interface PathSteps {
  readonly keys: readonly string[];
  readonly lower: readonly string[];
  /**
   * Some key (or its lowercase spelling) names a member every object inherits (`constructor`,
   * `toString`, `__proto__`): a plain property read would find the inherited one where the record
   * has none, so such paths check own properties at each step.
   */
  readonly inherited: boolean;
}

const inheritedName = (key: string): boolean => key in Object.prototype;

const MAX_CACHED_PATHS = 4096;
const steps = new Map<string, PathSteps>();

/**
 * The steps of a dotted path, cached: readers run on every event with a few hundred distinct
 * constant paths, so splitting once saves an array and its strings per read. Bounded, since
 * some paths are built at run time; past the bound a path is split on each call.
 */
export function pathSteps(path: string): PathSteps {
  const hit = steps.get(path);
  if (hit !== undefined) return hit;
  const keys = path.split('.');
  const lower = keys.map((k) => k.toLowerCase());
  const made: PathSteps = { keys, lower, inherited: keys.some(inheritedName) || lower.some(inheritedName) };
  if (steps.size < MAX_CACHED_PATHS) steps.set(path, made);
  return made;
}

/** Reads a dotted path (`requestParameters.policyArn`); undefined when any step is missing. */
export const get = (record: unknown, path: string): unknown => {
  const { keys } = pathSteps(path);
  let cur: unknown = record;
  for (let i = 0; i < keys.length; i++) {
    if (!isObject(cur)) return undefined;
    cur = cur[keys[i] as string];
  }
  return cur;
};

export const str = (record: unknown, path: string): string | undefined => {
  const v = get(record, path);
  return typeof v === 'string' ? v : undefined;
};

export const num = (record: unknown, path: string): number | undefined => {
  const v = get(record, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** Arrays stay arrays; a single value becomes a one-element array; missing becomes empty. */
export const list = (record: unknown, path: string): unknown[] => {
  const v = get(record, path);
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
};

/** Parses a JSON-in-a-string field (IAM policy documents, bucket policies) without throwing. */
export const jsonField = (record: unknown, path: string): unknown => {
  const v = get(record, path);
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(decodeURIComponent(v));
  } catch {
    try {
      return JSON.parse(v);
    } catch {
      return undefined;
    }
  }
};
