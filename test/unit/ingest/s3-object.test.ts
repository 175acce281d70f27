import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { recordsFromObject } from '../../../shared/ingest/s3-object.ts';
import type { S3ObjectToRead } from '../../../shared/ingest/sqs-message.ts';
import { labelledEvents } from '../../support/data.ts';

const cloudTrail = labelledEvents('panther_aws_cloudtrail.ndjson');
const object: S3ObjectToRead = {
  origin: { kind: 's3', id: 's3://bulk/k#v1', bucket: 'bulk', key: 'k', version: 'v1', messageId: 'm1' },
  notification: '{"eventSource":"aws:s3"}',
};
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('recordsFromObject', () => {
  it('reads a gzipped CloudTrail delivery file as one payload of Records', () => {
    const text = JSON.stringify({ Records: cloudTrail.slice(0, 3) });
    expect(recordsFromObject(gzipSync(text), object)).toEqual([
      {
        origin: object.origin,
        payload: { kind: 'parsed', value: { Records: cloudTrail.slice(0, 3) }, text },
      },
    ]);
  });

  it('reads NDJSON line by line, numbering lines from 1, skipping blank ones, tolerating CRLF and a BOM', () => {
    const lines = cloudTrail.slice(0, 3).map((e) => JSON.stringify(e));
    const text = `\uFEFF${lines[0]}\r\n\r\n${lines[1]}\n{"truncated":\n${lines[2]}\n`;

    const inputs = recordsFromObject(utf8(text), object);

    expect(inputs.map((i) => [i.origin.kind === 's3' && i.origin.line, i.payload.kind])).toEqual([
      [1, 'parsed'],
      [3, 'parsed'],
      [4, 'rejected'],
      [5, 'parsed'],
    ]);
    expect(inputs[0]?.payload).toEqual({ kind: 'parsed', value: cloudTrail[0], text: lines[0] });
    expect(inputs[2]?.payload).toEqual({
      kind: 'rejected',
      text: '{"truncated":',
      reason: { message: expect.stringMatching(/^invalid JSON: /), source: 'ingest.parse' },
    });
  });

  it('keeps the notification when the object is gzip that does not decompress', () => {
    const broken = gzipSync('{"Records":[]}').subarray(0, 12);
    expect(recordsFromObject(broken, object)).toEqual([
      {
        origin: object.origin,
        payload: {
          kind: 'rejected',
          text: object.notification,
          reason: { message: expect.stringMatching(/^object is not valid gzip/), source: 'ingest.s3' },
        },
      },
    ]);
  });

  it('stops decompressing at the bound instead of filling memory', () => {
    const bomb = gzipSync(Buffer.alloc(100_000));
    const [input] = recordsFromObject(bomb, object, 10_000);
    expect(input?.payload).toMatchObject({
      kind: 'rejected',
      reason: { message: 'object expands beyond 10000 bytes' },
    });
  });

  it('yields nothing for an empty object', () => {
    expect(recordsFromObject(new Uint8Array(), object)).toEqual([]);
  });
});
