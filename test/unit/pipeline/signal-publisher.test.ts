import type {
  SendMessageBatchCommand,
  SendMessageBatchCommandOutput,
  SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Signal } from '../../../shared/detect/types.ts';
import { TransientError, ValidationError } from '../../../shared/errors.ts';
import {
  decodeSignalMessage,
  encodeSignal,
  groupIntoCalls,
  type MessageLimits,
  packSignals,
  SignalMessageSchema,
  SQS_LIMITS,
} from '../../../shared/pipeline/signal-publisher.ts';
import { type SqsBatchSender, sqsSignalPublisher } from '../../../shared/store/sqs-signal-publisher.ts';

const signal = (n: number, evidence: Signal['evidence'] = {}): Signal => ({
  id: `aws.test.rule|event-${n}`,
  rule_id: 'aws.test.rule',
  title: 'Test rule',
  severity: 'medium',
  risk: 20,
  attack: ['T1078'],
  tactic: 'TA0001',
  origin: 'detection',
  source: 'cloudtrail',
  time: 1_795_428_000_000 + n,
  event_uid: `event-${n}`,
  entities: [
    { type: 'principal', id: 'arn:aws:iam::111122223333:user/alice' },
    { type: 'ip', id: '198.51.100.7' },
  ],
  evidence: { operation: 'ListBuckets', ...evidence },
});
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const decode = (body: string): Signal[] => SignalMessageSchema.parse(JSON.parse(body));

describe('packSignals', () => {
  it('puts a small batch in one message that the consumer schema reads back unchanged', () => {
    const signals = [signal(1), signal(2), signal(3)];
    const bodies = packSignals(signals);
    expect(bodies).toHaveLength(1);
    expect(decode(bodies[0]!)).toEqual(signals);
  });

  it('splits at the size limit, never exceeding it, keeping every signal once and in order', () => {
    const signals = Array.from({ length: 300 }, (_, i) =>
      signal(i, { note: 'x'.repeat(400 + (i % 7) * 50) }),
    );
    const limit = 8_192;
    const bodies = packSignals(signals, limit);
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) expect(bytes(body)).toBeLessThanOrEqual(limit);
    expect(bodies.flatMap(decode)).toEqual(signals);
  });

  it('counts bytes, not characters: multi-byte evidence still fits the limit', () => {
    const signals = Array.from({ length: 50 }, (_, i) => signal(i, { actor: '用户🙂'.repeat(60) }));
    const limit = 4_096;
    const bodies = packSignals(signals, limit);
    for (const body of bodies) expect(bytes(body)).toBeLessThanOrEqual(limit);
    expect(bodies.flatMap(decode)).toEqual(signals);
  });

  it('sends a signal id once even when a batch repeats it (the same event delivered twice)', () => {
    const bodies = packSignals([signal(1), signal(2), signal(1)]);
    expect(bodies.flatMap(decode).map((s) => s.id)).toEqual([signal(1).id, signal(2).id]);
  });

  it('escapes U+FFFE and U+FFFF, which SQS refuses in a body, without changing the value', () => {
    const hostile = signal(1, { user_agent: 'curl\uFFFF/8\uFFFE' });
    const text = encodeSignal(hostile);
    expect(text).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(JSON.parse(text)).toEqual(hostile);
  });

  it('clips the evidence of a signal too large for a message on its own, and says so', () => {
    const huge = signal(1, { policy: 'p'.repeat(20_000) });
    const bodies = packSignals([huge, signal(2)], 4_096);
    for (const body of bodies) expect(bytes(body)).toBeLessThanOrEqual(4_096);
    const [clipped, other] = bodies.flatMap(decode);
    expect(clipped?.id).toBe(huge.id);
    expect(clipped?.evidence.evidence_clipped).toBe(true);
    expect(String(clipped?.evidence.policy).length).toBeLessThanOrEqual(257);
    expect(other).toEqual(signal(2));
  });

  it('refuses, naming the rule, a signal that does not fit even with its evidence clipped', () => {
    const monster = {
      ...signal(1),
      entities: Array.from({ length: 500 }, (_, i) => ({
        type: 'ip' as const,
        id: `10.0.${i >> 8}.${i & 255}`,
      })),
    };
    expect(() => packSignals([monster], 4_096)).toThrow(ValidationError);
    try {
      packSignals([monster], 4_096);
    } catch (e) {
      expect((e as ValidationError).context.rule_id).toBe('aws.test.rule');
    }
  });
});

describe('decodeSignalMessage', () => {
  it('reads back what packSignals wrote', () => {
    const signals = [
      signal(1, { user_agent: 'x\uFFFF' }),
      { ...signal(2), attribution: 'Sigma rule by someone, DRL 1.1' },
    ];
    expect(packSignals(signals).map(decodeSignalMessage)).toEqual([{ ok: true, signals }]);
  });

  it.each([
    ['{"not json', 'body is not JSON'],
    ['{"id":"SECRET-VALUE"}', 'body is not a list of signals ((root): invalid_type)'],
    [
      JSON.stringify([{ ...signal(1), risk: 'SECRET-VALUE' }]),
      'body is not a list of signals (0.risk: invalid_type)',
    ],
    [
      JSON.stringify([{ ...signal(1), tactic: 'SECRET-VALUE' }]),
      'body is not a list of signals (0.tactic: invalid_value)',
    ],
  ])('refuses %s with a reason that never echoes the body', (body, reason) => {
    expect(decodeSignalMessage(body)).toEqual({ ok: false, reason });
  });
});

describe('groupIntoCalls', () => {
  it('puts at most 10 messages in a call', () => {
    const calls = groupIntoCalls(Array.from({ length: 23 }, (_, i) => `[${i}]`));
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
  });

  it('keeps the bodies of one call within the call size limit', () => {
    const limits: MessageLimits = { maxMessageBytes: 1_000, maxEntriesPerCall: 10, maxCallBytes: 2_500 };
    const bodies = Array.from({ length: 7 }, (_, i) => 'x'.repeat(900 + i));
    const calls = groupIntoCalls(bodies, limits);
    for (const call of calls) expect(call.reduce((n, b) => n + bytes(b), 0)).toBeLessThanOrEqual(2_500);
    expect(calls.flat()).toEqual(bodies);
  });

  it('uses the SQS limits by default: 10 entries, 256 KiB per message and per call', () => {
    expect(SQS_LIMITS).toEqual({ maxMessageBytes: 262_144, maxEntriesPerCall: 10, maxCallBytes: 262_144 });
  });
});

/**
 * SQS at the port boundary: records every SendMessageBatch and answers with the script's
 * outcome for each attempt (entries it refuses, or an error it throws).
 */
function fakeSqs(
  script: ((
    entries: SendMessageBatchRequestEntry[],
    call: number,
  ) => SendMessageBatchCommandOutput | Error)[] = [],
) {
  const calls: { queueUrl: string | undefined; entries: SendMessageBatchRequestEntry[] }[] = [];
  const client: SqsBatchSender = {
    async send(command: SendMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      calls.push({ queueUrl: command.input.QueueUrl, entries });
      const step = script[calls.length - 1];
      const outcome = step ? step(entries, calls.length) : accept(entries);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return { client, calls };
}
const accept = (entries: SendMessageBatchRequestEntry[]): SendMessageBatchCommandOutput => ({
  $metadata: {},
  Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
  Failed: [],
});
const refuse =
  (ids: string[], senderFault = false, code = 'InternalError') =>
  (entries: SendMessageBatchRequestEntry[]): SendMessageBatchCommandOutput => ({
    $metadata: {},
    Successful: entries
      .filter((e) => !ids.includes(e.Id!))
      .map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
    Failed: entries
      .filter((e) => ids.includes(e.Id!))
      .map((e) => ({ Id: e.Id, SenderFault: senderFault, Code: code, Message: 'refused' })),
  });

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/vigil-dev-signals';
const noWait = { sleep: async () => {}, random: () => 0.5 };
const manySignals = (n: number) => Array.from({ length: n }, (_, i) => signal(i, { note: 'y'.repeat(300) }));
const small: MessageLimits = { maxMessageBytes: 2_048, maxEntriesPerCall: 10, maxCallBytes: 16_384 };

describe('sqsSignalPublisher', () => {
  it('sends nothing for no signals', async () => {
    const sqs = fakeSqs();
    await sqsSignalPublisher({ client: sqs.client, queueUrl: QUEUE }).publish([]);
    expect(sqs.calls).toHaveLength(0);
  });

  it('sends every signal to the queue, at most 10 entries and the call limit per call', async () => {
    const sqs = fakeSqs();
    const signals = manySignals(120);
    await sqsSignalPublisher({ client: sqs.client, queueUrl: QUEUE, limits: small, ...noWait }).publish(
      signals,
    );
    expect(sqs.calls.length).toBeGreaterThan(1);
    for (const call of sqs.calls) {
      expect(call.queueUrl).toBe(QUEUE);
      expect(call.entries.length).toBeLessThanOrEqual(10);
      expect(new Set(call.entries.map((e) => e.Id)).size).toBe(call.entries.length);
      expect(call.entries.reduce((n, e) => n + bytes(e.MessageBody!), 0)).toBeLessThanOrEqual(
        small.maxCallBytes,
      );
    }
    const delivered = sqs.calls.flatMap((c) => c.entries.flatMap((e) => decode(e.MessageBody!)));
    expect(delivered).toEqual(signals);
  });

  it('resends only the entries SQS refused, with growing backoff, until they are accepted', async () => {
    const waits: number[] = [];
    const sqs = fakeSqs([refuse(['1', '3']), refuse(['3'])]);
    const signals = manySignals(30);
    await sqsSignalPublisher({
      client: sqs.client,
      queueUrl: QUEUE,
      limits: small,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.999,
    }).publish(signals);
    expect(sqs.calls[1]!.entries.map((e) => e.Id)).toEqual(['1', '3']);
    expect(sqs.calls[2]!.entries.map((e) => e.Id)).toEqual(['3']);
    expect(sqs.calls[1]!.entries[0]!.MessageBody).toBe(sqs.calls[0]!.entries[1]!.MessageBody);
    expect(waits).toEqual([99, 199]);
    // Every signal arrived exactly once among the accepted entries.
    const accepted = [
      ...sqs.calls[0]!.entries.filter((e) => !['1', '3'].includes(e.Id!)),
      sqs.calls[1]!.entries[0]!,
      ...sqs.calls[2]!.entries,
      ...sqs.calls.slice(3).flatMap((c) => c.entries),
    ];
    expect(
      accepted
        .flatMap((e) => decode(e.MessageBody!))
        .map((s) => s.id)
        .sort(),
    ).toEqual(signals.map((s) => s.id).sort());
  });

  it('throws TransientError once the attempts are spent, so the input is redelivered', async () => {
    const always = refuse(['0'], false, 'ServiceUnavailable');
    const sqs = fakeSqs([always, always, always, always]);
    const publish = sqsSignalPublisher({ client: sqs.client, queueUrl: QUEUE, maxAttempts: 4, ...noWait });
    const error = await publish.publish([signal(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).context).toMatchObject({
      refused: 1,
      attempts: 4,
      codes: 'ServiceUnavailable',
    });
    expect(sqs.calls).toHaveLength(4);
  });

  it('does not resend entries SQS refused as the sender’s fault: that is a defect, not weather', async () => {
    const sqs = fakeSqs([refuse(['0'], true, 'InvalidMessageContents')]);
    const error = await sqsSignalPublisher({ client: sqs.client, queueUrl: QUEUE, ...noWait })
      .publish([signal(1)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).context.codes).toBe('InvalidMessageContents');
    expect(sqs.calls).toHaveLength(1);
  });

  it('turns a throttled call (after the SDK’s own retries) into TransientError', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const sqs = fakeSqs([() => throttled]);
    const error = await sqsSignalPublisher({ client: sqs.client, queueUrl: QUEUE, ...noWait })
      .publish([signal(1)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(sqs.calls).toHaveLength(1);
  });

  it('lets a non-transient call failure through unchanged', async () => {
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const sqs = fakeSqs([() => denied]);
    await expect(
      sqsSignalPublisher({ client: sqs.client, queueUrl: QUEUE, ...noWait }).publish([signal(1)]),
    ).rejects.toBe(denied);
  });
});
