import type { Detection } from '../types.ts';

/** Every native detection, in one list. Each module owns one ATT&CK tactic family (or source). */
export const CATALOGUE: readonly Detection[] = [];
