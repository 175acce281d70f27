/**
 * Text in a log field that reads like instructions to an AI assistant. Nobody writes "ignore your
 * previous instructions" into a user agent or a bucket name by accident: it is someone who expects
 * an AI in the SOC and wants to steer it, which is itself worth a signal.
 *
 * Conservative on purpose: each pattern needs an imperative aimed at an assistant, a role marker,
 * or a tool-call shape, so ordinary log values (user agents, ARNs, policy documents) never match.
 * A test runs it over every string value of the labelled vendor records to keep it that way.
 */

export interface InjectionVerdict {
  suspicious: boolean;
  /** Which kinds of instruction-like text were found (stable names, safe to log). */
  reasons: string[];
}

const PATTERNS: readonly { reason: string; re: RegExp }[] = [
  {
    reason: 'override_instructions',
    re: /\b(ignore|disregard|forget|override|bypass|skip|discard)\b[^.\n]{0,40}?\b(previous|prior|above|earlier|preceding|all|any|your|the|these|those|system|safety)\b[^.\n]{0,20}?\b(instructions?|prompts?|rules|directives?|guidelines|guardrails|context|messages|constraints|policies)\b/,
  },
  {
    reason: 'persona_change',
    re: /\b(you are now|you're now|from now on,? you|you will now|you must now|act as (an?|the|my) |pretend (to be|you are|that you)|roleplay as|role-play as|new persona)/,
  },
  {
    reason: 'prompt_reference',
    re: /\b(system prompt|system message|system instructions|developer (message|mode|instructions)|hidden instructions|initial instructions|jailbreak|dan mode|prompt injection)\b/,
  },
  {
    // A role name then colon and a space starts a chat turn; `system:masters` (Kubernetes) does not.
    reason: 'role_tag',
    re: /<\|?\s*\/?\s*(system|assistant|user|human|tool|im_start|im_end|endoftext|start_header_id|end_header_id|eot_id)\s*\|?>|\[\/?(inst|sys)\]|<<\/?sys>>|(^|\n)\s*(#{1,3}\s*)?(human|assistant|system|instruction|instructions)\s*:\s/,
  },
  {
    reason: 'tool_call',
    re: /"(tool_use|tooluse|tool_calls?|function_call|tool_choice|tool_result|toolresult)"\s*:|\{\s*"(name|tool|function|recipient_name)"\s*:\s*"[^"]{1,80}"\s*,\s*"(arguments|input|parameters|args)"\s*:/,
  },
  {
    reason: 'verdict_manipulation',
    re: /\b(mark(ed)?|classif(y|ied)|label(l?ed)?|report(ed)?|treat(ed)?|flag(ged)?|record(ed)?)\b[^.\n]{0,30}?\b(as|is)\s+(benign|safe|harmless|a false positive|false[- ]positive|not malicious|legitimate activity|authori[sz]ed activity)\b|\b(set|change|lower|downgrade|reduce|decrease)\b[^.\n]{0,20}?\b(severity|risk score|priority|confidence)\b|\bdo not\s+(alert|escalate|report|flag|notify|mention|include)\b|\b(close|dismiss|suppress|resolve|ignore)\s+(this|the)\s+(incident|alert|finding|event)\b/,
  },
  {
    reason: 'addresses_assistant',
    re: /\b(ai|assistant|chatbot|llm|language model|claude|chatgpt|gpt-?\d\w*|bedrock|copilot|model)\s*[,:]\s*(please\s+)?(ignore|do|say|respond|reply|output|print|write|mark|set|run|call|execute|recommend|forget|stop|summari[sz]e)\b|\b(note|message|instructions?|attention)\s+(to|for)\s+(the\s+)?(ai|assistant|llm|model|language model|soc (bot|assistant))\b/,
  },
  {
    reason: 'new_instructions',
    re: /\b(new|updated|real|actual|additional|important)\s+instructions?\s*:|\b(end of|begin) (the )?(log|data|context|untrusted|system|user) (data|input|section|prompt|message)?\b|\b(respond|reply|answer|output)\s+only\s+with\b|\brepeat after me\b|\bprint the following\b/,
  },
];

/**
 * A cheap screen that every text `detectInjection` could flag passes: each pattern above needs at
 * least one of these anchors (a keyword, `<`, `[`, a quote), and text that is not plain ASCII or is
 * percent-encoded is always passed on, since normalisation could turn it into one. Keep it in step
 * with PATTERNS: a test plants the whole corpus behind it.
 */
export const SCREEN =
  /instruction|prompt|rules|directive|guideline|guardrail|context|message|constraint|polic|you are|you're|from now|you will|you must|act as|pretend|role-?play|persona|developer|jailbreak|dan mode|[<["]|human|assistant|system|benign|safe|harmless|false.?positive|malicious|legitimate|authori[sz]ed|severity|risk score|priority|confidence|do not|close|dismiss|suppress|resolve|ignore|\bai\b|chatbot|llm|language model|claude|gpt|bedrock|copilot|model|end of|begin|only with|repeat after|print the|[^\x20-\x7e]|%[0-9a-f]{2}/i;

/**
 * The screen runs on every attacker-written value of every event (bucket names, object keys, ids),
 * and a regex of sixty alternatives tries each of them at every position. `mayHaveAnchor` answers
 * the same question with one pass over the characters: every word anchor of SCREEN starts with one
 * of these three-character prefixes (letters and spaces, compared without case), and the other
 * anchors are single characters it looks for directly. It may pass text that SCREEN rejects, never
 * the reverse; SCREEN then decides.
 */
const ANCHOR_STARTS = (
  'ins|pro|rul|dir|gui|gua|con|mes|pol|you|fro|act|pre|rol|per|dev|jai|dan|hum|ass|sys|ben|saf|har|fal|' +
  'mal|leg|aut|sev|ris|pri|do |clo|dis|sup|res|ign|cha|llm|lan|cla|gpt|bed|cop|mod|end|beg|onl|rep'
).split('|');

/** a–z (either case) to 1–26, space to 27, anything else to 0 (which no prefix contains). */
const letterCode = (c: number): number =>
  c >= 97 && c <= 122 ? c - 96 : c >= 65 && c <= 90 ? c - 64 : c === 32 ? 27 : 0;
const trigram = (a: number, b: number, c: number): number => (a << 10) | (b << 5) | c;
const STARTS = new Uint8Array(1 << 15);
for (const p of ANCHOR_STARTS)
  STARTS[trigram(letterCode(p.charCodeAt(0)), letterCode(p.charCodeAt(1)), letterCode(p.charCodeAt(2)))] = 1;

const isWordChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * What the screen needs of each printable ASCII character, in one table lookup rather than a
 * chain of comparisons: the low five bits hold `letterCode`, the flags above mark the characters
 * that need a closer look. This loop meets every character of every outsider-written value.
 */
const ALARM = 32; // < [ " and control characters: an anchor by itself
const PERCENT = 64; // may start a %XX escape
const LETTER_I = 128; // may end the word "ai"
const CHAR_CLASS = new Uint8Array(0x7f);
for (let c = 0; c < 0x7f; c++) {
  CHAR_CLASS[c] =
    c < 0x20 || c === 60 || c === 91 || c === 34
      ? ALARM
      : letterCode(c) | (c === 37 ? PERCENT : 0) | (c === 105 || c === 73 ? LETTER_I : 0);
}

/** Exported for the test that holds it to SCREEN; callers use `mightBeInjection`. */
export function mayHaveAnchor(text: string): boolean {
  let window = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e) return true; // not plain ASCII: normalisation could reveal anything
    const k = CHAR_CLASS[c] as number;
    if (k > 31) {
      if (k === ALARM) return true;
      if (k === PERCENT && i + 2 < n && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2)))
        return true;
      // `\bai\b`: "ai" as a word of its own.
      if (k & LETTER_I && i >= 1) {
        const a = text.charCodeAt(i - 1);
        if (
          (a === 97 || a === 65) &&
          (i < 2 || !isWordChar(text.charCodeAt(i - 2))) &&
          (i + 1 >= n || !isWordChar(text.charCodeAt(i + 1)))
        )
          return true;
      }
    }
    window = ((window << 5) | (k & 31)) & 0x7fff;
    if (i >= 2 && STARTS[window] === 1) return true;
  }
  return false;
}

/** True when `detectInjection` might flag `text`; false means it certainly would not. */
export const mightBeInjection = (text: string): boolean => mayHaveAnchor(text) && SCREEN.test(text);

// Hidden characters can split a keyword so that a pattern misses it; readers (and models) skip them.
const INVISIBLE = /\p{Cf}/gu;

const decodePercent = (text: string): string => {
  if (!/%[0-9a-f]{2}/i.test(text)) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
};

/** Bounded input: log facts are clipped upstream; this keeps a pathological value cheap. */
const MAX_SCAN = 4096;

export function detectInjection(text: string): InjectionVerdict {
  const folded = decodePercent(text.slice(0, MAX_SCAN))
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .toLowerCase()
    .replace(/[ \t\f\v\r]+/g, ' ');
  const reasons = PATTERNS.filter((p) => p.re.test(folded)).map((p) => p.reason);
  return { suspicious: reasons.length > 0, reasons };
}
