import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  type AnswerBlock,
  type ConverseAnswer,
  type ConverseRequest,
  type ModelFailure,
  type NarrativeModel,
  NarrativeModelError,
} from './converse.ts';

export interface BedrockModelConfig {
  region: string;
  /** A Bedrock Runtime endpoint other than the Region's (a VPC endpoint, or a local test server). */
  endpoint?: string;
  /**
   * Deadline for one narrative call, retries included. A narrative is worth waiting for, not worth
   * holding a Lambda for: a throttled or slow model degrades to the deterministic narrative instead.
   */
  timeoutMs?: number;
  /** SDK attempts per call (standard retry mode backs off on throttling and 5xx). */
  maxAttempts?: number;
  credentials?: BedrockRuntimeClientConfig['credentials'];
}

/** Haiku-class models answer a narrative in seconds; 30 s leaves room for one SDK retry. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** One SDK retry: the orchestrator already falls back, so a longer retry chain only adds latency. */
const DEFAULT_MAX_ATTEMPTS = 2;

/**
 * The Bedrock Runtime client. It defaults to an HTTP/2 handler, which a VPC endpoint serves but a
 * plain HTTP endpoint (the local Converse test server) does not, so a configured endpoint gets the
 * HTTP/1.1 handler. `throwOnRequestTimeout`: without it the handler only warns when a request
 * outlives `requestTimeout`, and the call would wait for the socket.
 */
export function bedrockRuntimeClient(config: BedrockModelConfig): BedrockRuntimeClient {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new BedrockRuntimeClient({
    region: config.region,
    maxAttempts: config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.endpoint
      ? {
          endpoint: config.endpoint,
          requestHandler: new NodeHttpHandler({
            connectionTimeout: Math.min(timeoutMs, 5_000),
            requestTimeout: timeoutMs,
            throwOnRequestTimeout: true,
          }),
        }
      : { requestHandler: { requestTimeout: timeoutMs } }),
  });
}

const THROTTLED = new Set([
  'ThrottlingException',
  'ServiceQuotaExceededException',
  'TooManyRequestsException',
]);
const TIMED_OUT = new Set(['TimeoutError', 'AbortError', 'ModelTimeoutException', 'RequestTimeout']);

/** Sorts an SDK or network error into the port's failures. */
export function classifyBedrockError(e: unknown): NarrativeModelError {
  const err = (e ?? {}) as {
    name?: string;
    code?: string;
    $fault?: 'client' | 'server';
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof err.name === 'string' ? err.name : 'Error';
  const status = err.$metadata?.httpStatusCode;
  let failure: ModelFailure;
  if (THROTTLED.has(name) || status === 429) failure = 'throttled';
  else if (TIMED_OUT.has(name) || err.code === 'ETIMEDOUT' || status === 408) failure = 'timeout';
  else if (err.$fault === 'client' || (status !== undefined && status >= 400 && status < 500))
    failure = 'request_rejected';
  else failure = 'service_error';
  return new NarrativeModelError(failure, `Bedrock Converse failed: ${name}`, {
    error: name,
    http_status: status,
  });
}

const blocksOf = (output: ConverseCommandOutput): AnswerBlock[] =>
  (output.output?.message?.content ?? []).map((b) => ({
    ...(b.text !== undefined ? { text: b.text } : {}),
    ...(b.toolUse
      ? { toolUse: { toolUseId: b.toolUse.toolUseId, name: b.toolUse.name, input: b.toolUse.input } }
      : {}),
  }));

/**
 * The NarrativeModel port on the real Bedrock Runtime client. It logs nothing: the request is the
 * prompt, and the prompt is log data.
 */
export function bedrockNarrativeModel(
  config: BedrockModelConfig,
  client: BedrockRuntimeClient = bedrockRuntimeClient(config),
): NarrativeModel {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async converse(request: ConverseRequest): Promise<ConverseAnswer> {
      // Our request shape is the Converse wire shape; this assignment is where the compiler checks it.
      const input: ConverseCommandInput = request;
      let output: ConverseCommandOutput;
      try {
        // The overall deadline covers SDK retries and the HTTP/2 handler, which has no throw option.
        output = await client.send(new ConverseCommand(input), {
          abortSignal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        throw classifyBedrockError(e);
      }
      const usage = output.usage;
      return {
        content: blocksOf(output),
        stopReason: output.stopReason ?? 'unknown',
        ...(usage?.inputTokens !== undefined && usage.outputTokens !== undefined
          ? { usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } }
          : {}),
      };
    },
  };
}
