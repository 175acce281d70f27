import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayHaveAnchor, mightBeInjection, SCREEN } from '../../../shared/narrate/injection.ts';
import { INJECTION_PAYLOADS } from './injection-corpus.ts';

/**
 * `mayHaveAnchor` is a one-pass stand-in for the SCREEN regex on the hot path. It may pass more
 * than SCREEN, never less: a text it rejects would never reach the injection detector.
 */

/** One text each alternative of SCREEN matches (SCREEN has no groups, so `|` splits it). */
const examples = SCREEN.source.split('|').map((alt) =>
  alt
    .replace('[^\\x20-\\x7e]', 'é')
    .replace('%[0-9a-f]{2}', '%2F')
    .replace('[<["]', '<')
    .replace('[sz]', 'z')
    .replace(/\\b/g, '')
    .replace(/\.\?|-\?/g, ''),
);

describe('the one-pass anchor check never rejects what SCREEN accepts', () => {
  it('every SCREEN alternative, in any case and inside other text, passes', () => {
    expect(examples.length).toBeGreaterThan(50);
    for (const word of examples) {
      expect(SCREEN.test(word), word).toBe(true); // the example is faithful
      for (const text of [word, word.toUpperCase(), `x-${word}-y`, `data/${word}.parquet`]) {
        expect(mayHaveAnchor(text), text).toBe(true);
      }
    }
  });

  it('on random texts built from SCREEN words, ids and punctuation', () => {
    const piece = fc.oneof(
      fc.constantFrom(...examples),
      fc.constantFrom('ai', 'AI', 'a', 'i', ' ', '-', '_', '/', '.', '%', '%4', '%4a', 'mail', 'main'),
      fc.string({ maxLength: 6 }),
      fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const text = pieces.join('');
        if (SCREEN.test(text)) expect(mayHaveAnchor(text)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('every payload of the injection corpus passes the whole screen', () => {
    for (const p of INJECTION_PAYLOADS) expect(mightBeInjection(p), p).toBe(true);
  });

  it('lets the identifiers that fill CloudTrail through without the regex', () => {
    for (const id of [
      'i-0abcdef1234567890',
      'arn:aws:s3:::data-3fa9c1/exports/8d2e/part-117.parquet',
      'sg-0d921df5d84f7270a',
      'AKIAQX4EXAMPLE7KEY01',
      'us-east-1',
    ])
      expect(mayHaveAnchor(id), id).toBe(false);
    // "ai" inside a word is not the anchor; as a word of its own it is.
    expect(mayHaveAnchor('maintenance-mail')).toBe(false);
    expect(mayHaveAnchor('ask-the-ai-now')).toBe(true);
  });
});
