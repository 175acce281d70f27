const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Test corpora and exports often wrap a record as `{"event": {...}, ...labels}`. A record that
 * merely has an `event` field of its own (GitHub audit entries do, as a string) is not a wrapper:
 * only an object-valued `event` beside no EventBridge or CloudTrail markers counts.
 */
export const unwrapEvent = (value: unknown): unknown => {
  if (!isObject(value) || !isObject(value.event)) return value;
  if ('detail-type' in value || 'eventSource' in value || 'eventName' in value) return value;
  return value.event;
};
