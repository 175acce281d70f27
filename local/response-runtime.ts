/**
 * The response stage on one machine: the state machine CDK synthesizes, run by
 * aws-local-stepfunctions, each Task bound to the same step functions the Lambda handlers wrap,
 * with local ports — DynamoDB Local for every store, an outbox folder for email, a local key for
 * sealing task tokens. Without AWS clients (the demo) every action runs as a dry-run and says so;
 * tests pass SDK clients mocked at the AWS boundary to run real applies.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Template } from 'aws-cdk-lib/assertions';
import { makeActionStep } from '../functions/respond/action.ts';
import {
  actionSettingsFromEnv,
  ownFootprintFromEnv,
  responseSettingsFromEnv,
} from '../functions/respond/config.ts';
import { makeGuardStep } from '../functions/respond/guard.ts';
import { makeNotifyStep } from '../functions/respond/notify.ts';
import { makePlanStep } from '../functions/respond/plan.ts';
import { makeRecordStep } from '../functions/respond/record.ts';
import { makeApprovalStep } from '../functions/respond/request-approval.ts';
import { buildApp } from '../infra/build.ts';
import { PLAYBOOK_IDS } from '../shared/narrate/playbooks.ts';
import { incidentForResponse } from '../shared/pipeline/incident-for-response.ts';
import type { ResponseClients } from '../shared/respond/action.ts';
import { ACTIONS } from '../shared/respond/actions/index.ts';
import { localFactsReader } from '../shared/respond/facts.ts';
import { aesTokenSealer } from '../shared/respond/token-sealer.ts';
import { awsFactsReader } from '../shared/store/aws-facts-reader.ts';
import { dynamoAuditLog } from '../shared/store/dynamo-audit-log.ts';
import { dynamoCorrelationStore } from '../shared/store/dynamo-correlation-store.ts';
import {
  dynamoApprovalStore,
  dynamoBudgetStore,
  dynamoKillSwitch,
  dynamoUndoStore,
} from '../shared/store/dynamo-response-store.ts';
import { outboxMailer } from './outbox-mailer.ts';
import {
  type LocalRun,
  type LocalStep,
  LocalTaskTokens,
  loadStateMachine,
  startExecution,
} from './step-functions.ts';

export interface LocalResponseOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  auditTableName: string;
  outboxDir: string;
  consoleUrl: string;
  linkSecret: Uint8Array;
  sealKey: Uint8Array;
  /** The `vigil` CDK context the state machine is synthesized with (e.g. `{ response: {...} }`). */
  config?: Record<string, unknown>;
  /** An already synthesized compute template (skips synthesizing `config`). */
  template?: Parameters<typeof loadStateMachine>[0];
  /** SDK clients for real applies (tests mock them at the AWS boundary); absent: dry-run only. */
  clients?: ResponseClients;
  approvers?: string[];
  from?: string;
  now?: () => number;
}

/** Synthesizes the app (without bundling: only the template is needed) and returns the compute stack's template. */
export function synthesizeComputeTemplate(config: Record<string, unknown> = {}) {
  const app = buildApp({ 'aws:cdk:bundling-stacks': [], vigil: config });
  return Template.fromStack(app.compute).toJSON() as Parameters<typeof loadStateMachine>[0];
}

/**
 * The state machine hands each step JSON that the step's own input type describes (the handlers
 * validate it in Lambda; locally the definition is the same).
 */
const bind = <T>(step: (input: T) => Promise<unknown>): LocalStep => step as unknown as LocalStep;

export function localResponseRuntime(options: LocalResponseOptions) {
  const machine = loadStateMachine(options.template ?? synthesizeComputeTemplate(options.config));
  const envOf = (step: string) => machine.environment.get(step) ?? {};
  const settings = responseSettingsFromEnv(envOf('guard'));
  const actionSettings = actionSettingsFromEnv(envOf('guard'));
  const now = options.now ?? (() => Date.now());
  const table = { client: options.client, tableName: options.tableName };
  const audit = dynamoAuditLog({ client: options.client, tableName: options.auditTableName });
  const approvals = dynamoApprovalStore(table);
  const killSwitch = dynamoKillSwitch(table);
  const mailer = outboxMailer(options.outboxDir);
  const tokens = new LocalTaskTokens();
  const correlation = dynamoCorrelationStore(table);
  const approvers = options.approvers ?? ['analyst@vigil.local'];
  const from = options.from ?? 'Vigil <vigil@vigil.local>';
  const clients = options.clients;

  const steps: Record<string, LocalStep> = {
    plan: bind(
      makePlanStep({
        incident: (id) => incidentForResponse(correlation, id),
        settings,
        audit,
        now,
      }),
    ),
    guard: bind(
      makeGuardStep({
        facts: clients ? awsFactsReader(clients) : localFactsReader,
        killSwitch,
        settings,
        own: ownFootprintFromEnv(envOf('guard')),
        blockIpConfigured: actionSettings.wafIpSets.length + actionSettings.networkAclIds.length > 0,
        local: !clients,
        audit,
        now,
      }),
    ),
    'request-approval': bind(
      makeApprovalStep({
        store: approvals,
        audit,
        sealer: aesTokenSealer(options.sealKey),
        mailer,
        linkSecret: async () => options.linkSecret,
        consoleUrl: options.consoleUrl,
        approvers,
        from,
        timeoutSeconds: settings.approvalTimeoutSeconds,
        now,
      }),
    ),
    record: bind(makeRecordStep({ audit, now })),
    notify: bind(makeNotifyStep({ mailer, approvers, from, now })),
  };
  for (const id of PLAYBOOK_IDS)
    steps[`action:${id}`] = bind(
      makeActionStep({
        action: ACTIONS[id],
        run: { ...(clients ? { clients } : {}), undo: dynamoUndoStore(table), now },
        budgets: dynamoBudgetStore(table),
        killSwitch,
        settings,
        actionSettings: actionSettingsFromEnv(envOf(`action:${id}`)),
        now,
      }),
    );

  return {
    machine,
    settings,
    tokens,
    approvals,
    audit,
    killSwitch,
    mailer,
    /** Starts the response to one incident. */
    start(incidentId: string): LocalRun {
      return startExecution(machine, { incident_id: incidentId }, { steps, tokens });
    },
  };
}
