import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeJsonError, parseJson } from '../../../shared/ingest/parse-json.ts';

describe('parseJson', () => {
  it('parses JSON of any shape', () => {
    expect(parseJson('{"a":[1,"x",null]}')).toEqual({ ok: true, value: { a: [1, 'x', null] } });
    expect(parseJson('"just a string"')).toEqual({ ok: true, value: 'just a string' });
  });

  it('gives a reason, never a throw, for a body that is not JSON', () => {
    const truncated = parseJson('{"eventName":"ConsoleLogin","userIdentity":{"type"');
    expect(truncated).toEqual({ ok: false, reason: expect.stringMatching(/^invalid JSON: .*position \d+/) });
    expect(parseJson('')).toEqual({ ok: false, reason: 'invalid JSON: Unexpected end of JSON input' });
  });

  it('names the offending character by code point instead of quoting the input', () => {
    expect(parseJson('\u001b[31mSECRET-TOKEN')).toEqual({
      ok: false,
      reason: 'invalid JSON: unexpected character U+001B',
    });
  });

  it('never copies input text into the reason', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (noise) => {
        const body = `CANARY${noise}`; // never valid JSON: starts with a bare word
        const result = parseJson(body);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.reason).not.toContain('CANARY');
      }),
    );
  });

  it('keeps V8 messages that carry only positions', () => {
    expect(describeJsonError(new SyntaxError('Unexpected end of JSON input'))).toBe(
      'Unexpected end of JSON input',
    );
    expect(
      describeJsonError(new SyntaxError('Unexpected non-whitespace character after JSON at position 8')),
    ).toBe('Unexpected non-whitespace character after JSON at position 8');
  });
});
