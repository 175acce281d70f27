import type { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { narrateConfigFromEnv } from '../../../functions/lib/narrate-config.ts';
import { DEFAULT_MODEL_ID } from '../../../shared/narrate/converse.ts';
import { DEFAULT_NARRATIVE_BUDGET } from '../../../shared/narrate/cost.ts';
import { decodeNarrateMessage, encodeNarrateMessage } from '../../../shared/pipeline/narrate-request.ts';
import { sqsNarrateRequests } from '../../../shared/store/sqs-narrate-requests.ts';

describe('narrator settings from the environment', () => {
  it('defaults to the default model and budgets', () => {
    expect(narrateConfigFromEnv({})).toMatchObject({
      model: { id: DEFAULT_MODEL_ID, scope: 'global' },
      budget: DEFAULT_NARRATIVE_BUDGET,
    });
  });

  it('reads the model and dollar budgets, and refuses what it cannot use', () => {
    const config = narrateConfigFromEnv({
      MODEL_ID: 'us.amazon.nova-micro-v1:0',
      NARRATIVE_INCIDENT_BUDGET_USD: '0.01',
      NARRATIVE_DAY_BUDGET_USD: '2',
    });
    expect(config.model).toEqual({
      id: 'us.amazon.nova-micro-v1:0',
      foundationModel: 'amazon.nova-micro-v1:0',
      scope: 'us',
    });
    expect(config.budget.incident.usd).toBe(0.01);
    expect(config.budget.day.usd).toBe(2);
    expect(() => narrateConfigFromEnv({ MODEL_ID: 'meta.llama3-8b-instruct-v1:0' })).toThrow(
      /MODEL_ID.*no list price/,
    );
    expect(() => narrateConfigFromEnv({ NARRATIVE_DAY_BUDGET_USD: '-1' })).toThrow(
      /NARRATIVE_DAY_BUDGET_USD/,
    );
  });
});

describe('narrate requests on SQS', () => {
  it('round-trips an incident id and refuses anything else as poison', () => {
    expect(decodeNarrateMessage(encodeNarrateMessage('inc-0123456789abcdef'))).toEqual({
      ok: true,
      incidentId: 'inc-0123456789abcdef',
    });
    expect(decodeNarrateMessage('{"incidentId":"INCIDENT#x"}').ok).toBe(false);
    expect(decodeNarrateMessage('not json').ok).toBe(false);
  });

  it('sends each incident once, ten to a call, and resends entries SQS refused', async () => {
    const calls: string[][] = [];
    const client = {
      async send(command: SendMessageBatchCommand) {
        const entries = command.input.Entries ?? [];
        calls.push(entries.map((e) => JSON.parse(e.MessageBody ?? '').incidentId));
        // The first call refuses its second entry, as SQS may under load.
        return calls.length === 1
          ? {
              Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
              Successful: [],
              $metadata: {},
            }
          : { Failed: [], Successful: [], $metadata: {} };
      },
    };
    const ids = Array.from({ length: 12 }, (_, i) => `inc-${i.toString(16).padStart(16, '0')}`);
    await sqsNarrateRequests({ client, queueUrl: 'https://sqs.example/q' }).request([...ids, ids[0]!]);
    expect(calls.map((c) => c.length)).toEqual([10, 1, 2]);
    expect(calls[1]).toEqual([ids[1]]);
  });
});
