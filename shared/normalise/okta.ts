// PLACEHOLDER — replaced by the real normaliser; exists only so the dispatcher compiles meanwhile.
import { ValidationError } from '../errors.ts';
import { fail, type Normaliser } from './types.ts';

export const normaliseOkta: Normaliser = (record) =>
  fail('okta', new ValidationError('not implemented yet', 'normalise.okta'), record);
