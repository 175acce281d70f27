import type { Detection } from '../types.ts';
import { AWS_AI } from './aws-ai.ts';
import { AWS_CREDENTIAL_ACCESS } from './aws-credential-access.ts';
import { AWS_DEFENSE_EVASION } from './aws-defense-evasion.ts';
import { AWS_DISCOVERY } from './aws-discovery.ts';
import { AWS_EXFILTRATION } from './aws-exfiltration.ts';
import { AWS_FINDINGS } from './aws-findings.ts';
import { AWS_IMPACT } from './aws-impact.ts';
import { AWS_INITIAL_ACCESS } from './aws-initial-access.ts';
import { AWS_LATERAL_EXECUTION } from './aws-lateral-execution.ts';
import { AWS_OPERATIONS } from './aws-operations.ts';
import { AWS_PERSISTENCE } from './aws-persistence.ts';
import { AWS_PRIVILEGE_ESCALATION } from './aws-privilege-escalation.ts';
import { GITHUB_DETECTIONS } from './github.ts';
import { OKTA_DETECTIONS } from './okta.ts';
import { VIGIL_INJECTION } from './vigil-injection.ts';

/** Every native detection, in one list. Each module owns one ATT&CK tactic family (or source). */
export const CATALOGUE: readonly Detection[] = [
  ...AWS_INITIAL_ACCESS,
  ...AWS_PERSISTENCE,
  ...AWS_PRIVILEGE_ESCALATION,
  ...AWS_DEFENSE_EVASION,
  ...AWS_CREDENTIAL_ACCESS,
  ...AWS_DISCOVERY,
  ...AWS_LATERAL_EXECUTION,
  ...AWS_EXFILTRATION,
  ...AWS_IMPACT,
  ...AWS_AI,
  ...AWS_OPERATIONS,
  ...AWS_FINDINGS,
  ...OKTA_DETECTIONS,
  ...GITHUB_DETECTIONS,
  ...VIGIL_INJECTION,
];
