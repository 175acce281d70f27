import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlaybookRecommendation } from '../../../shared/narrate/schema.ts';
import { executionName, sfnResponseStarter } from '../../../shared/store/sfn-response-starter.ts';

const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:vigil-dev-response';
const rec = (id: PlaybookRecommendation['id'], type: string, target: string): PlaybookRecommendation => ({
  id,
  target: { type: type as never, id: target },
  reason: 'r',
  evidence: ['ev-1'],
});
const key = rec('deactivate_access_key', 'access_key', 'AKIAQXAMPLE7LEAKED01');
const ip = rec('block_ip', 'ip', '198.51.100.77');

describe('starting the response of an incident', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  it('names an execution by the incident and its recommendations, in any order, within Step Functions limits', () => {
    const a = executionName('inc-571e53b3df2adbb4', [key, ip]);
    expect(a).toBe(executionName('inc-571e53b3df2adbb4', [ip, key]));
    expect(a).not.toBe(executionName('inc-571e53b3df2adbb4', [key]));
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionName('inc/../weird id'.repeat(10), [key])).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('starts once: a second start of the same plan is "already started", nothing else is sent', async () => {
    const starter = sfnResponseStarter(
      new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      ARN,
    );
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: `${ARN}:x`, startDate: new Date() })
      .rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    expect(await starter.start('inc-1', [key])).toBe('started');
    expect(await starter.start('inc-1', [key])).toBe('already_started');
    const calls = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      stateMachineArn: ARN,
      name: executionName('inc-1', [key]),
      input: '{"incident_id":"inc-1"}',
    });
    expect(await starter.start('inc-2', [])).toBe('nothing_to_do');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('lets throttling surface as a transient failure (the narrate message is retried)', async () => {
    const starter = sfnResponseStarter(
      new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      ARN,
    );
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(starter.start('inc-1', [key])).rejects.toMatchObject({ name: 'TransientError' });
  });
});
