import { describe, expect, it } from 'vitest';
import { parseModelId } from '../../../functions/lib/narrate-config.ts';
import { bedrockModelArns } from '../../../infra/bedrock-arns.ts';

const at = { partition: 'aws', region: 'eu-west-1', account: '111122223333' };
const arnsOf = (id: string) => {
  const parsed = parseModelId(id);
  if (!parsed.ok) throw new Error(parsed.problem);
  return bedrockModelArns(parsed.value, at);
};

describe('Bedrock ARNs of the configured model', () => {
  it('names the global profile, its model in this Region, and the Region-less global model', () => {
    expect(arnsOf('global.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual([
      'arn:aws:bedrock:eu-west-1:111122223333:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
    ]);
  });

  it('names a geographic profile and its model in whichever Region the geography routes to', () => {
    expect(arnsOf('eu.amazon.nova-lite-v1:0')).toEqual([
      'arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.amazon.nova-lite-v1:0',
      'arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0',
    ]);
  });

  it('names only the foundation model in this Region for an in-Region id', () => {
    expect(arnsOf('amazon.nova-micro-v1:0')).toEqual([
      'arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-micro-v1:0',
    ]);
  });

  it('refuses ids that would widen the grant', () => {
    for (const id of ['*', 'anthropic.*', 'global.*', 'arn:aws:bedrock:*::foundation-model/*', 'us.'])
      expect(parseModelId(id).ok, id).toBe(false);
  });
});
