/**
 * The S3 adapter against a loopback HTTP endpoint that answers GetObject as S3 does (bytes, or an
 * XML error with S3's status and code): the real SDK parses real responses, so the error mapping
 * is tested on what S3 actually sends, with no AWS account.
 */
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../shared/errors.ts';
import { s3ObjectReader } from '../../shared/store/s3-object-reader.ts';

const delivery = gzipSync(JSON.stringify({ Records: [{ eventName: 'ConsoleLogin' }] }));
const s3Error = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message><RequestId>R1</RequestId></Error>`;

describe('S3 object reader', () => {
  let server: Server;
  let client: S3Client;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const answer = (status: number, body: string | Uint8Array, type = 'application/xml') => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (path === '/trail/AWSLogs/a b.json.gz') answer(200, delivery, 'application/octet-stream');
      else if (path === '/trail/throttled') answer(503, s3Error('SlowDown'));
      else if (path === '/trail/forbidden') answer(403, s3Error('AccessDenied'));
      else answer(404, s3Error('NoSuchKey'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns the stored bytes untouched (no decompression), asking for the named version', async () => {
    const bytes = await s3ObjectReader(client).read({
      bucket: 'trail',
      key: 'AWSLogs/a b.json.gz',
      versionId: 'v7',
    });
    expect(Buffer.from(bytes).equals(delivery)).toBe(true);
    expect(requests.at(-1)).toContain('versionId=v7');
  });

  it('reports a missing object as a ValidationError: retrying cannot bring it back', async () => {
    await expect(s3ObjectReader(client).read({ bucket: 'trail', key: 'gone' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('reports throttling as a TransientError', async () => {
    await expect(s3ObjectReader(client).read({ bucket: 'trail', key: 'throttled' })).rejects.toBeInstanceOf(
      TransientError,
    );
  });

  it('lets other failures through unchanged, so the message lands in the DLQ rather than the quarantine', async () => {
    const error = await s3ObjectReader(client)
      .read({ bucket: 'trail', key: 'forbidden' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AccessDenied' });
    expect(error).not.toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(ValidationError);
  });
});
