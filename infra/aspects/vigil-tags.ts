import { CfnResource, type IAspect, Stack, TagManager } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export const MANAGED_TAG = 'vigil:managed';
export const COMPONENT_TAG = 'vigil:component';

/**
 * Tags every taggable resource `vigil:managed=true` and `vigil:component=<capability>`, where the
 * capability is the id of the construct directly under the stack (e.g. `EventStore`, `Ingest`).
 * The response guard refuses to act on anything carrying `vigil:managed`.
 */
export class VigilTags implements IAspect {
  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const tags = TagManager.isTaggableV2(node)
      ? node.cdkTagManager
      : TagManager.isTaggable(node)
        ? node.tags
        : undefined;
    if (!tags) return;
    tags.setTag(MANAGED_TAG, 'true');
    tags.setTag(COMPONENT_TAG, componentOf(node));
  }
}

function componentOf(node: IConstruct): string {
  const stack = Stack.of(node);
  const scopes = node.node.scopes;
  const below = scopes[scopes.indexOf(stack) + 1];
  return below?.node.id ?? stack.node.id;
}
