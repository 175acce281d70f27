import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type EventPattern, Match } from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import type { VigilConfig } from './config.ts';
import { externalBusName, partnerSlug, resourceName } from './naming.ts';

/** One EventBridge rule that feeds the normaliser: where it listens and what it lets through. */
export interface IngestRoute {
  /** Construct id of the rule, stable across deployments. */
  readonly id: string;
  readonly ruleName: string;
  /** Absent for the account's default bus. */
  readonly eventBusName?: string;
  readonly description: string;
  readonly eventPattern: EventPattern;
}

/**
 * The routes of the ingest path. The stateful stack reads this list to scope the dead-letter queue
 * and key policies to exactly these rule ARNs; the compute stack creates the rules from it.
 */
export function ingestRoutes(config: VigilConfig): IngestRoute[] {
  // Only AWS services may emit sources that start with "aws." (PutEvents rejects them), so this
  // prefix keeps a principal with PutEvents on the default bus from forging CloudTrail records.
  const fromAwsService = Match.prefix('aws.');
  return [
    {
      id: 'CloudTrailApiCall',
      ruleName: resourceName(config, 'cloudtrail-api-call'),
      description: 'CloudTrail management events to the normaliser',
      eventPattern: { source: fromAwsService, detailType: ['AWS API Call via CloudTrail'] },
    },
    {
      id: 'ConsoleSignIn',
      ruleName: resourceName(config, 'console-sign-in'),
      description: 'AWS console sign-in events to the normaliser',
      eventPattern: { source: ['aws.signin'], detailType: ['AWS Console Sign In via CloudTrail'] },
    },
    {
      id: 'GuardDutyFinding',
      ruleName: resourceName(config, 'guardduty-finding'),
      description: 'GuardDuty findings to the normaliser',
      eventPattern: { source: ['aws.guardduty'], detailType: ['GuardDuty Finding'] },
    },
    {
      id: 'SecurityHubFinding',
      ruleName: resourceName(config, 'securityhub-finding'),
      description: 'Security Hub imported findings to the normaliser',
      eventPattern: { source: ['aws.securityhub'], detailType: ['Security Hub Findings - Imported'] },
    },
    {
      id: 'ExternalSources',
      ruleName: resourceName(config, 'external-sources'),
      eventBusName: externalBusName(config),
      description: "Partner events forwarded from partner buses and Vigil's own ingest producers",
      eventPattern: { source: Match.anyOf(Match.prefix('aws.partner/'), Match.prefix('vigil.ingest.')) },
    },
    // Partner (SaaS) events are delivered only to a partner bus named after their event source.
    ...config.partnerEventSources.map((source) => {
      const slug = partnerSlug(source);
      return {
        id: `Partner${slug}`,
        ruleName: resourceName(config, `partner-${slug}`),
        eventBusName: source,
        description: `Events of partner source ${source} to the normaliser`,
        eventPattern: { source: [source] },
      };
    }),
  ];
}

/** The ARN a rule of this route will have, known before the rule exists. */
export function ingestRuleArn(scope: IConstruct, route: IngestRoute): string {
  return Stack.of(scope).formatArn({
    service: 'events',
    resource: 'rule',
    resourceName: route.eventBusName ? `${route.eventBusName}/${route.ruleName}` : route.ruleName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
