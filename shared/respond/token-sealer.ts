/**
 * Step Functions task tokens are bearer credentials: whoever holds one can complete the approval
 * task. They are stored sealed (encrypted, bound to their approval id) and opened only to answer
 * the task. In AWS the sealer is KMS (shared/store/kms-token-sealer.ts); locally AES-256-GCM with
 * a key kept under the data directory.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.ts';

export interface TokenSealer {
  /** `context` (the approval id) is bound to the ciphertext: a sealed token moved to another request will not open. */
  seal(token: string, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<string>;
}

const SOURCE = 'respond.token-sealer';

/** AES-256-GCM with a 32-byte key; the context is additional authenticated data. */
export function aesTokenSealer(key: Uint8Array): TokenSealer {
  if (key.length !== 32) throw new ValidationError('the sealing key must be 32 bytes', SOURCE);
  return {
    async seal(token, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    async open(sealed, context) {
      const raw = sealed.startsWith('v1.') ? Buffer.from(sealed.slice(3), 'base64url') : Buffer.alloc(0);
      if (raw.length < 29) throw new ValidationError('not a sealed token', SOURCE);
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new ValidationError('the sealed token does not open with this key and context', SOURCE);
      }
    },
  };
}
