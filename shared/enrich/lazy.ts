/**
 * A value built on first use, for data sets that must not load at Lambda cold start unless an
 * event needs them. If `init` throws, the error is rethrown to that first caller only and
 * `fallback` serves every later call: a missing optional data set is reported once, not once per
 * event, and ingest goes on without it.
 */
export function lazyOnce<T>(init: () => T, fallback: T): () => T {
  let state: { value: T } | undefined;
  return () => {
    if (state) return state.value;
    try {
      state = { value: init() };
    } catch (e) {
      state = { value: fallback };
      throw e;
    }
    return state.value;
  };
}
