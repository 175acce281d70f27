import type { Context } from 'aws-lambda';

/** The Lambda context as the runtime passes it; the handler only reads ids and the remaining time. */
export const lambdaContext = (functionName = 'vigil-normalise'): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:111122223333:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: '5a1f6b2e-0c4d-4f7e-9d1a-3b2c1d0e9f8a',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/11/23/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
