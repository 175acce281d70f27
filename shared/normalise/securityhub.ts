// PLACEHOLDER — replaced by the real normaliser; exists only so the dispatcher compiles meanwhile.
import { ValidationError } from '../errors.ts';
import { fail, type Normaliser } from './types.ts';

export const normaliseSecurityHub: Normaliser = (record) =>
  fail('securityhub', new ValidationError('not implemented yet', 'normalise.securityhub'), record);
