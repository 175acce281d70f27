// PLACEHOLDER — replaced by the real normaliser; exists only so the dispatcher compiles meanwhile.
import { ValidationError } from '../errors.ts';
import { fail, type Normaliser } from './types.ts';

export const normaliseGeneric: Normaliser = (record) =>
  fail('generic', new ValidationError('not implemented yet', 'normalise.generic'), record);
