import type { DetectionConfig, DetectionContext } from '../../shared/detect/types.ts';
import { memoryWindow } from '../../shared/detect/window.ts';

/** The deployment the detection cases assume: two org accounts, a 10/8 corporate network. */
export const testConfig: DetectionConfig = {
  orgAccounts: new Set(['111122223333', '123456789012']),
  isTrustedNetwork: (ip) => ip.startsWith('10.'),
};

export const freshContext = (): DetectionContext => ({ window: memoryWindow(), config: testConfig });
