/**
 * Builds a handler on first invocation instead of at import. The response handler modules are also
 * imported by the local runtime, which binds their step functions to local ports and must not need
 * the Lambda environment; in Lambda the cost is the same (the first invocation is the cold start).
 */
export function lazyHandler<E, R, C>(build: () => (event: E, context: C) => Promise<R>) {
  let built: ((event: E, context: C) => Promise<R>) | undefined;
  return (event: E, context: C): Promise<R> => {
    built ??= build();
    return built(event, context);
  };
}
