/**
 * TokenSealer over KMS: the task token is encrypted under a customer managed key with the approval
 * id as encryption context, so a sealed token copied to another request does not decrypt (and
 * CloudTrail records which approval each Decrypt was for). Output: `kms1.<ciphertext, base64url>`.
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ValidationError } from '../errors.ts';
import type { TokenSealer } from '../respond/token-sealer.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.kms-token-sealer';
const PREFIX = 'kms1.';
/** KMS Encrypt takes at most 4096 bytes of plaintext. */
const MAX_PLAINTEXT = 4096;

export interface KmsTokenSealerOptions {
  client: KMSClient;
  /** Key id, ARN or alias of the symmetric key. */
  keyId: string;
}

export function kmsTokenSealer(options: KmsTokenSealerOptions): TokenSealer {
  const { client, keyId } = options;
  const context = (approvalId: string) => ({ approval_id: approvalId });
  return {
    async seal(token, approvalId) {
      const plaintext = Buffer.from(token, 'utf8');
      if (plaintext.length === 0 || plaintext.length > MAX_PLAINTEXT)
        throw new ValidationError('the token to seal is empty or too long', SOURCE);
      let blob: Uint8Array | undefined;
      try {
        const out = await client.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context(approvalId) }),
        );
        blob = out.CiphertextBlob;
      } catch (e) {
        rethrowAwsError(e, SOURCE, { operation: 'Encrypt' });
      }
      if (!blob || blob.length === 0) throw new ValidationError('KMS returned no ciphertext', SOURCE);
      return `${PREFIX}${Buffer.from(blob).toString('base64url')}`;
    },
    async open(sealed, approvalId) {
      const blob = sealed.startsWith(PREFIX)
        ? Buffer.from(sealed.slice(PREFIX.length), 'base64url')
        : undefined;
      if (!blob || blob.length === 0) throw new ValidationError('not a KMS-sealed token', SOURCE);
      let plaintext: Uint8Array | undefined;
      try {
        const out = await client.send(
          new DecryptCommand({ KeyId: keyId, CiphertextBlob: blob, EncryptionContext: context(approvalId) }),
        );
        plaintext = out.Plaintext;
      } catch (e) {
        if (
          e instanceof Error &&
          (e.name === 'InvalidCiphertextException' || e.name === 'IncorrectKeyException')
        )
          throw new ValidationError('the sealed token does not open with this key and context', SOURCE);
        rethrowAwsError(e, SOURCE, { operation: 'Decrypt' });
      }
      if (!plaintext) throw new ValidationError('KMS returned no plaintext', SOURCE);
      return Buffer.from(plaintext).toString('utf8');
    },
  };
}
