// PLACEHOLDER — replaced by the real normaliser; exists only so the dispatcher compiles meanwhile.
import { ValidationError } from '../errors.ts';
import { fail, type Normaliser } from './types.ts';

export const normaliseGitHubAudit: Normaliser = (record) =>
  fail('github', new ValidationError('not implemented yet', 'normalise.github'), record);
