/**
 * The wrapper every Vigil Lambda handler uses: Lambda context on the logger, the input validated
 * against the function's schema before any logic sees it, and errors logged by kind and source
 * (never with the event) before Lambda sees them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { describeError, isVigilError, ValidationError } from '../../shared/errors.ts';

export interface SocHandlerOptions<TInput> {
  logger: Logger;
  /** The shape the function accepts; anything else is rejected before the handler runs. */
  input: z.ZodType<TInput>;
}

export function socHandler<TInput, TResult>(
  run: (input: TInput, context: Context) => Promise<TResult>,
  options: SocHandlerOptions<TInput>,
) {
  // The event is typed `unknown` on purpose: it is whatever the invoker sent, until validateInput has
  // replaced it with the parsed value — the only reason the cast below is sound.
  return middy<unknown, TResult>()
    .use(injectLambdaContext(options.logger) as MiddlewareObj<unknown, TResult>)
    .use(validateInput<TInput, TResult>(options.input))
    .use(logErrors<TResult>(options.logger))
    .handler((input, context) => run(input as TInput, context));
}

function validateInput<TInput, TResult>(schema: z.ZodType<TInput>): MiddlewareObj<unknown, TResult> {
  return {
    before: (request) => {
      const parsed = schema.safeParse(request.event);
      if (!parsed.success) {
        // Paths and codes only: zod messages can echo received values, and the input is untrusted.
        const issues = parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
        throw new ValidationError(
          `input does not match the expected shape (${issues.join('; ')})`,
          'handler.input',
        );
      }
      request.event = parsed.data;
    },
  };
}

function logErrors<TResult>(logger: Logger): MiddlewareObj<unknown, TResult> {
  return {
    onError: (request) => {
      const error = request.error;
      logger.error('invocation failed', {
        failure: describeError(error),
        ...(isVigilError(error) ? { kind: error.kind, source: error.source, context: error.context } : {}),
      });
    },
  };
}
