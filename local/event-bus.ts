/**
 * The local EventBridge: the ingest rules CDK synthesizes (their event patterns and buses), matched
 * with the in-project pattern matcher. An event reaches the pipeline only if a rule on its bus
 * matches it, exactly as in AWS; what no rule matches is counted, not silently processed.
 */
import { ValidationError } from '../shared/errors.ts';
import { compilePattern, type EventMatcher } from '../shared/route/event-pattern.ts';

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface LocalRule {
  /** The rule's logical id in the template. */
  id: string;
  /** `default`, or the logical id of the custom bus the rule is on. */
  bus: string;
  matches: EventMatcher;
}

export function rulesOf(template: { Resources: Record<string, TemplateResource> }): LocalRule[] {
  const rules: LocalRule[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Events::Rule' || !r.Properties?.EventPattern) continue;
    if (r.Properties.State === 'DISABLED') continue;
    const busRef = r.Properties.EventBusName as unknown;
    const bus =
      busRef === undefined ? 'default' : typeof busRef === 'string' ? busRef : JSON.stringify(busRef);
    rules.push({ id, bus, matches: compilePattern(r.Properties.EventPattern) });
  }
  if (rules.length === 0)
    throw new ValidationError('the template has no event rules to route with', 'local.event-bus');
  return rules;
}

/** Rules on `bus` that match the event (the default bus unless told otherwise). */
export function route(rules: readonly LocalRule[], event: unknown, bus = 'default'): string[] {
  return rules.filter((r) => r.bus === bus && r.matches(event)).map((r) => r.id);
}
