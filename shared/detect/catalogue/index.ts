import type { Detection } from '../types.ts';
import { AWS_DEFENSE_EVASION } from './aws-defense-evasion.ts';
import { AWS_INITIAL_ACCESS } from './aws-initial-access.ts';
import { AWS_PERSISTENCE } from './aws-persistence.ts';
import { AWS_PRIVILEGE_ESCALATION } from './aws-privilege-escalation.ts';

/** Every native detection, in one list. Each module owns one ATT&CK tactic family (or source). */
export const CATALOGUE: readonly Detection[] = [
  ...AWS_INITIAL_ACCESS,
  ...AWS_PERSISTENCE,
  ...AWS_PRIVILEGE_ESCALATION,
  ...AWS_DEFENSE_EVASION,
];
