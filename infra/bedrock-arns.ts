import type { ModelId } from '../functions/lib/narrate-config.ts';

export interface ArnScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * The resources `bedrock:InvokeModel` (which authorises Converse) must name for one configured model,
 * and nothing else. https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
 * and .../global-cross-region-inference.html:
 * - an in-Region model id: the foundation model in this Region;
 * - a geographic profile (`us.`, `eu.`, `apac.`…): the system-defined profile in this Region and account,
 *   and the foundation model in each Region the profile may route to. The set of destination Regions
 *   is AWS's to change, so the Region is a wildcard; the model is not;
 * - the global profile (`global.`): the profile, the foundation model in this Region, and the
 *   Region-less global foundation-model ARN (`arn:aws:bedrock:::foundation-model/<model>`).
 */
export function bedrockModelArns(model: ModelId, at: ArnScope): string[] {
  const foundation = (region: string) =>
    `arn:${at.partition}:bedrock:${region}::foundation-model/${model.foundationModel}`;
  const profile = `arn:${at.partition}:bedrock:${at.region}:${at.account}:inference-profile/${model.id}`;
  switch (model.scope) {
    case 'in-region':
      return [foundation(at.region)];
    case 'global':
      return [profile, foundation(at.region), foundation('')];
    default:
      return [profile, foundation('*')];
  }
}
