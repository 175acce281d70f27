import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ValidationError } from '../errors.ts';
import { rethrowAwsError } from './aws-errors.ts';
import type { ObjectReader } from './object-reader.ts';

const SOURCE = 'store.s3';

/** A notification can outlive its object (deleted, or expired by lifecycle): that is final, not transient. */
const GONE = new Set(['NoSuchKey', 'NoSuchVersion']);

export function s3ObjectReader(client: S3Client): ObjectReader {
  return {
    async read({ bucket, key, versionId }) {
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
        );
        if (!out.Body)
          throw new ValidationError('S3 returned an object without a body', SOURCE, { bucket, key });
        return await out.Body.transformToByteArray();
      } catch (e) {
        if (e instanceof Error && GONE.has(e.name)) {
          throw new ValidationError(`S3 object not found (${e.name})`, SOURCE, { bucket, key });
        }
        rethrowAwsError(e, SOURCE, { bucket });
      }
    },
  };
}
