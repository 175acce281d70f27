/**
 * JSON parsing for bodies that arrive from outside. Never throws: a body that is not JSON is a
 * result with a reason, so the caller can quarantine it and go on with the batch.
 */
export type JsonParse = { ok: true; value: unknown } | { ok: false; reason: string };

const MAX_REASON_CHARS = 200;

export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: `invalid JSON: ${describeJsonError(e)}` };
  }
}

/**
 * V8 quotes a piece of the input in some messages (`Unexpected token 'x', "xyz…" is not valid
 * JSON`). Reasons are logged and shown to analysts, and the input is hostile, so the quote goes and
 * the offending character is named by code point instead.
 */
export function describeJsonError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const token = /^Unexpected token '([\s\S]+?)', [\s\S]* is not valid JSON$/.exec(message);
  if (token?.[1]) return `unexpected character ${codePoint(token[1])}`;
  return message.replace(/"[\s\S]*"(\.\.\.)?/g, '<input>').slice(0, MAX_REASON_CHARS);
}

const codePoint = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
