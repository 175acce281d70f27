/**
 * Safe readers for raw records, which are hostile and untyped: never throw, never coerce
 * surprising types into matches.
 */
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a dotted path (`requestParameters.policyArn`); undefined when any step is missing. */
export const get = (record: unknown, path: string): unknown => {
  let cur: unknown = record;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
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
