/** TaskTokens over Step Functions. The token is a credential: it goes to the API and nowhere else. */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskTokens } from '../respond/task-tokens.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.sfn-task-tokens';

export function sfnTaskTokens(client: SFNClient): TaskTokens {
  return {
    async succeed(token, output) {
      try {
        await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      } catch (e) {
        rethrowAwsError(e, SOURCE, { operation: 'SendTaskSuccess' });
      }
    },
    async fail(token, error, cause) {
      try {
        await client.send(
          new SendTaskFailureCommand({
            taskToken: token,
            error: error.slice(0, 256),
            cause: cause.slice(0, 32_768),
          }),
        );
      } catch (e) {
        rethrowAwsError(e, SOURCE, { operation: 'SendTaskFailure' });
      }
    },
  };
}
