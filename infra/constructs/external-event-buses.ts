import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { VigilConfig } from '../config.ts';
import { externalBusName, partnerSlug } from '../naming.ts';

/**
 * Buses for events from outside this account: one custom bus that the configured producer accounts
 * may PutEvents to, and one partner bus per configured SaaS partner event source.
 */
export class ExternalEventBuses extends Construct {
  readonly external: EventBus;
  /** Each bus under the literal name routes refer to it by (tokens cannot be compared). */
  readonly byName: ReadonlyMap<string, EventBus>;

  constructor(scope: Construct, id: string, props: { readonly config: VigilConfig }) {
    super(scope, id);
    const { config } = props;
    this.external = new EventBus(this, 'External', {
      eventBusName: externalBusName(config),
      description: `Vigil ${config.stage}: events from producer accounts and forwarded partner events`,
    });
    // No accounts configured means no policy at all: only this account's principals may PutEvents.
    if (config.externalSourceAccounts.length > 0) {
      this.external.addToResourcePolicy(
        new PolicyStatement({
          sid: 'PutEventsFromConfiguredAccounts',
          principals: config.externalSourceAccounts.map((account) => new AccountPrincipal(account)),
          actions: ['events:PutEvents'],
          resources: [this.external.eventBusArn],
        }),
      );
    }
    // The partner event source must already exist (pending) in the account for this to deploy.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-saas.html
    const partnerBuses = config.partnerEventSources.map(
      (eventSourceName) =>
        [
          eventSourceName,
          new EventBus(this, `Partner${partnerSlug(eventSourceName)}`, { eventSourceName }),
        ] as const,
    );
    this.byName = new Map([[externalBusName(config), this.external], ...partnerBuses]);
  }
}
