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
const SCREEN =
  /instruction|prompt|rules|directive|guideline|guardrail|context|message|constraint|polic|you are|you're|from now|you will|you must|act as|pretend|role-?play|persona|developer|jailbreak|dan mode|[<["]|human|assistant|system|benign|safe|harmless|false.?positive|malicious|legitimate|authori[sz]ed|severity|risk score|priority|confidence|do not|close|dismiss|suppress|resolve|ignore|\bai\b|chatbot|llm|language model|claude|gpt|bedrock|copilot|model|end of|begin|only with|repeat after|print the|[^\x20-\x7e]|%[0-9a-f]{2}/i;

/** True when `detectInjection` might flag `text`; false means it certainly would not. */
export const mightBeInjection = (text: string): boolean => SCREEN.test(text);

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
