/** Reads bulk-delivered objects (S3 in AWS; a fake or a folder elsewhere). */
export interface ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface ObjectReader {
  /**
   * The object's bytes, exactly as stored (no decompression). Throws ValidationError when the object
   * does not exist (retrying cannot help), TransientError when the store is briefly unavailable.
   */
  read(ref: ObjectRef): Promise<Uint8Array>;
}
