import type { Analyst } from './auth.ts';

/**
 * The console's hono environment. `analyst` is set for every request (undefined when nobody is
 * signed in). Bindings: on Lambda, hono's adapter passes the API Gateway event as `event`.
 */
export interface ConsoleEnv {
  Bindings: { event?: unknown };
  Variables: { analyst: Analyst | undefined };
}
