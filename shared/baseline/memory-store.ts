import { applyUpdate, type PrincipalProfile } from './profile.ts';
import type { BaselineStore } from './store.ts';

/**
 * Profiles in memory, with the DynamoDB adapter's merge semantics (profile.ts `applyUpdate`):
 * for tests and for streams that run without a table. Unbounded in principals; a long-lived
 * process should use the DynamoDB store, whose TTL forgets principals gone quiet.
 */
export function memoryBaselineStore(): BaselineStore & {
  readonly profiles: ReadonlyMap<string, PrincipalProfile>;
} {
  const profiles = new Map<string, PrincipalProfile>();
  return {
    profiles,
    async load(principals) {
      const out = new Map<string, PrincipalProfile>();
      for (const p of principals) {
        const profile = profiles.get(p);
        if (profile) out.set(p, profile);
      }
      return out;
    },
    async apply(updates) {
      for (const u of updates) profiles.set(u.principal, applyUpdate(profiles.get(u.principal), u));
      return updates.length;
    },
  };
}
