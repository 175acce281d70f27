/**
 * Starts the response state machine for an incident once its narrative recommends playbooks. The
 * execution name is derived from the incident and its recommendations, so redelivered narrate
 * requests start nothing new (Step Functions refuses a second execution of the same name), while a
 * changed recommendation is a new plan and a new execution.
 */
import { createHash } from 'node:crypto';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { PlaybookRecommendation } from '../narrate/schema.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.sfn-response-starter';

export interface ResponseStarter {
  start(
    incidentId: string,
    playbooks: readonly PlaybookRecommendation[],
  ): Promise<'started' | 'already_started' | 'nothing_to_do'>;
}

/** Step Functions execution names: 1–80 of letters, digits, `-` and `_`. */
export function executionName(incidentId: string, playbooks: readonly PlaybookRecommendation[]): string {
  const digest = createHash('sha256')
    .update(incidentId)
    .update(JSON.stringify(playbooks.map((p) => [p.id, p.target.type, p.target.id]).sort()))
    .digest('hex')
    .slice(0, 24);
  return `${incidentId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 50)}-${digest}`;
}

export function sfnResponseStarter(client: SFNClient, stateMachineArn: string): ResponseStarter {
  return {
    async start(incidentId, playbooks) {
      if (playbooks.length === 0) return 'nothing_to_do';
      try {
        await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: executionName(incidentId, playbooks),
            // The incident id only: the plan step reads everything else from the store.
            input: JSON.stringify({ incident_id: incidentId }),
          }),
        );
        return 'started';
      } catch (e) {
        if (e instanceof Error && e.name === 'ExecutionAlreadyExists') return 'already_started';
        return rethrowAwsError(e, SOURCE, { operation: 'StartExecution' });
      }
    },
  };
}
