// PLACEHOLDER — replaced by the real normaliser; exists only so the dispatcher compiles meanwhile.
import { ValidationError } from '../errors.ts';
import { fail, type Normaliser } from './types.ts';

export const normaliseCloudTrail: Normaliser = (record) =>
  fail('cloudtrail', new ValidationError('not implemented yet', 'normalise.cloudtrail'), record);
