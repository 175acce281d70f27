/**
 * Turns the bytes of one S3 object into ingest inputs. CloudTrail and most log shippers write
 * gzipped objects without a Content-Encoding header, so gzip is recognised by its magic bytes.
 * Two layouts: one JSON document (`{"Records": [...]}`, as CloudTrail delivers) or NDJSON, where a
 * bad line is quarantined with its line number and the other lines go on.
 */
import { gunzipSync } from 'node:zlib';
import { parseJson } from './parse-json.ts';
import type { S3ObjectToRead } from './sqs-message.ts';
import type { IngestInput } from './types.ts';

/** Bounds decompression, so a small hostile object cannot expand into all of the function's memory. */
export const MAX_OBJECT_BYTES = 512 * 1024 * 1024;

const REASON_SOURCE = 'ingest.s3';

export function recordsFromObject(
  bytes: Uint8Array,
  object: S3ObjectToRead,
  maxBytes = MAX_OBJECT_BYTES,
): IngestInput[] {
  const text = decodeObject(bytes, maxBytes);
  if (typeof text !== 'string') return [unreadable(object, text.reason)];
  const whole = parseJson(text);
  if (whole.ok) return [{ origin: object.origin, payload: { kind: 'parsed', value: whole.value, text } }];
  return ndjsonInputs(text, object);
}

/** The object itself could not be used: the notification that named it is what is kept. */
export function unreadable(object: S3ObjectToRead, reason: string): IngestInput {
  return {
    origin: object.origin,
    payload: {
      kind: 'rejected',
      text: object.notification,
      reason: { message: reason, source: REASON_SOURCE },
    },
  };
}

function decodeObject(bytes: Uint8Array, maxBytes: number): string | { reason: string } {
  let plain = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      plain = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return {
        reason:
          code === 'ERR_BUFFER_TOO_LARGE'
            ? `object expands beyond ${maxBytes} bytes`
            : `object is not valid gzip (${code ?? 'unknown error'})`,
      };
    }
  }
  const text = new TextDecoder('utf-8').decode(plain);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function ndjsonInputs(text: string, object: S3ObjectToRead): IngestInput[] {
  const inputs: IngestInput[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return; // a blank line holds no record
    const origin = { ...object.origin, line: i + 1 };
    const parsed = parseJson(line);
    inputs.push(
      parsed.ok
        ? { origin, payload: { kind: 'parsed', value: parsed.value, text: line } }
        : {
            origin,
            payload: {
              kind: 'rejected',
              text: line,
              reason: { message: parsed.reason, source: 'ingest.parse' },
            },
          },
    );
  });
  return inputs;
}
