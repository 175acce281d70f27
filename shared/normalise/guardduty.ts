// PLACEHOLDER — replaced by the real normaliser; exists only so the dispatcher compiles meanwhile.
import { ValidationError } from '../errors.ts';
import { fail, type Normaliser } from './types.ts';

export const normaliseGuardDuty: Normaliser = (record) =>
  fail('guardduty', new ValidationError('not implemented yet', 'normalise.guardduty'), record);
