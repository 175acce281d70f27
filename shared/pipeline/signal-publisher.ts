/**
 * The hand-off from detection (inside the normaliser) to correlation (its own function, behind a
 * queue): the port, the wire format both sides agree on, and how signals are packed into messages.
 *
 * Wire format: a message body is a JSON array of signals. Signal ids are deterministic (rule id +
 * event id), so a message delivered twice, or a signal published twice, changes nothing downstream.
 */
import { z } from 'zod';
import { SEVERITY_ORDER, type Severity, type Signal, TACTICS, type Tactic } from '../detect/types.ts';
import { ValidationError } from '../errors.ts';

/** Where detection hands its signals on. */
export interface SignalPublisher {
  /**
   * Hands every signal on or throws: TransientError when a later attempt may succeed. Safe to call
   * again with the same signals (at-least-once delivery upstream means it will be).
   */
  publish(signals: readonly Signal[]): Promise<void>;
}

const SOURCE = 'pipeline.signal-publisher';

// ── wire format ──────────────────────────────────────────────────────────────────────────────

const nonEmpty = z.string().min(1);
const EntityRefSchema = z.object({
  type: z.enum(['principal', 'access_key', 'ip', 'resource', 'account']),
  id: nonEmpty,
});

/** A signal as it crosses the queue. Unknown keys are dropped, so a newer producer cannot break an older consumer. */
export const SignalSchema = z.object({
  id: nonEmpty,
  rule_id: nonEmpty,
  title: z.string(),
  severity: z.enum(Object.keys(SEVERITY_ORDER) as [Severity, ...Severity[]]),
  risk: z.number().nonnegative(),
  attack: z.array(z.string()),
  tactic: z.enum(Object.keys(TACTICS) as [Tactic, ...Tactic[]]),
  origin: z.enum(['detection', 'sigma', 'baseline', 'intel', 'finding']),
  source: z.enum(['cloudtrail', 'guardduty', 'securityhub', 'okta', 'github', 'generic']),
  time: z.number().int(),
  event_uid: nonEmpty,
  entities: z.array(EntityRefSchema),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  attribution: z.string().optional(),
}) satisfies z.ZodType<Signal>;

/** One message body: the signals of one publish call (or part of them). */
export const SignalMessageSchema = z.array(SignalSchema);

export type DecodedSignalMessage = { ok: true; signals: Signal[] } | { ok: false; reason: string };

/**
 * Reads a message body back into signals. A body that does not decode says why in terms safe to
 * log: zod paths and codes, never the received values (the body may be forged or carry hostile
 * evidence).
 */
export function decodeSignalMessage(body: string): DecodedSignalMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = SignalMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, signals: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
  return { ok: false, reason: `body is not a list of signals (${issues.join('; ')})` };
}

// ── packing ──────────────────────────────────────────────────────────────────────────────────

export interface MessageLimits {
  /** Largest message body, in UTF-8 bytes. */
  maxMessageBytes: number;
  /** Most messages one batch send may carry. */
  maxEntriesPerCall: number;
  /** Largest sum of the bodies of one batch send, in bytes. */
  maxCallBytes: number;
}

/**
 * SendMessageBatch: at most 10 entries, and 256 KiB per message and for the whole call. SQS has
 * since raised both sizes to 1 MiB, but 256 KiB is what every queue accepts regardless of its
 * MaximumMessageSize setting, and what a Lambda event source mapping batches comfortably under its
 * 6 MB payload limit.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 */
export const SQS_LIMITS: MessageLimits = {
  maxMessageBytes: 262_144,
  maxEntriesPerCall: 10,
  maxCallBytes: 262_144,
};

/** Evidence values longer than this are clipped, only for a signal too large for one message. */
const OVERSIZED_EVIDENCE_CHARS = 256;

/**
 * SQS accepts only XML characters in a body (#x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD,
 * #x10000-#x10FFFF). JSON.stringify already escapes control characters and lone surrogates, but
 * not U+FFFE and U+FFFF: left raw, one such character in hostile log content (a user agent, say)
 * would make SQS refuse the message, and with it every signal of the event. In JSON text they can
 * only occur inside strings, so escaping them keeps the text valid and the value unchanged.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
const NON_XML_CHARACTERS = /[\uFFFE\uFFFF]/g;
const escapeNonXml = (c: string) => `\\u${c.charCodeAt(0).toString(16)}`;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** One signal as JSON text safe for an SQS body. */
export function encodeSignal(signal: Signal): string {
  return JSON.stringify(signal).replace(NON_XML_CHARACTERS, escapeNonXml);
}

/**
 * Packs signals into as few message bodies as fit the limit, in order, each a JSON array. A
 * signal id seen twice is sent once. A signal too large for a message on its own has its
 * evidence values clipped (and says so in `evidence.evidence_clipped`); one that still does not
 * fit is a defect of its detection and is refused with a ValidationError naming the rule.
 */
export function packSignals(
  signals: readonly Signal[],
  maxMessageBytes = SQS_LIMITS.maxMessageBytes,
): string[] {
  const bodies: string[] = [];
  let parts: string[] = [];
  let bytes = 2; // the brackets
  const seen = new Set<string>();
  for (const signal of signals) {
    if (seen.has(signal.id)) continue;
    seen.add(signal.id);
    const text = fitted(signal, maxMessageBytes);
    const size = utf8Bytes(text);
    const added = parts.length === 0 ? size : size + 1; // the comma
    if (parts.length > 0 && bytes + added > maxMessageBytes) {
      bodies.push(`[${parts.join(',')}]`);
      parts = [];
      bytes = 2;
    }
    bytes += parts.length === 0 ? size : size + 1;
    parts.push(text);
  }
  if (parts.length > 0) bodies.push(`[${parts.join(',')}]`);
  return bodies;
}

function fitted(signal: Signal, maxMessageBytes: number): string {
  const text = encodeSignal(signal);
  const bytes = utf8Bytes(text);
  if (bytes + 2 <= maxMessageBytes) return text;
  const evidence: Signal['evidence'] = { evidence_clipped: true };
  for (const [k, v] of Object.entries(signal.evidence)) {
    evidence[k.slice(0, OVERSIZED_EVIDENCE_CHARS)] =
      typeof v === 'string' && v.length > OVERSIZED_EVIDENCE_CHARS
        ? `${v.slice(0, OVERSIZED_EVIDENCE_CHARS)}…`
        : v;
  }
  const clipped = encodeSignal({ ...signal, evidence });
  if (utf8Bytes(clipped) + 2 <= maxMessageBytes) return clipped;
  throw new ValidationError('a signal is too large for one message even with its evidence clipped', SOURCE, {
    rule_id: signal.rule_id.slice(0, 200),
    bytes,
  });
}

/** Groups message bodies into batch sends: at most `maxEntriesPerCall` each, and at most `maxCallBytes` together. */
export function groupIntoCalls(bodies: readonly string[], limits: MessageLimits = SQS_LIMITS): string[][] {
  const calls: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = utf8Bytes(body);
    if (
      current.length > 0 &&
      (current.length >= limits.maxEntriesPerCall || bytes + size > limits.maxCallBytes)
    ) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}
