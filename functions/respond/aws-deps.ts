/**
 * The response functions' dependencies in AWS, built once per cold start from the environment.
 * The local runtime (local/response-runtime.ts) builds the same shapes from local ports instead.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { ValidationError } from '../../shared/errors.ts';
import { isPlaybookId } from '../../shared/narrate/playbooks.ts';
import { incidentForResponse } from '../../shared/pipeline/incident-for-response.ts';
import type { ResponseClients } from '../../shared/respond/action.ts';
import { ACTIONS } from '../../shared/respond/actions/index.ts';
import type { ActionStepDeps, GuardStepDeps, PlanStepDeps } from '../../shared/respond/steps.ts';
import { awsFactsReader } from '../../shared/store/aws-facts-reader.ts';
import { dynamoAuditLog } from '../../shared/store/dynamo-audit-log.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import {
  dynamoApprovalStore,
  dynamoBudgetStore,
  dynamoKillSwitch,
  dynamoUndoStore,
} from '../../shared/store/dynamo-response-store.ts';
import { kmsTokenSealer } from '../../shared/store/kms-token-sealer.ts';
import { sesMailer } from '../../shared/store/ses-mailer.ts';
import { sfnTaskTokens } from '../../shared/store/sfn-task-tokens.ts';
import { documentClient } from '../lib/aws-clients.ts';
import { requireEnv } from '../lib/env.ts';
import {
  actionSettingsFromEnv,
  ownFootprintFromEnv,
  RESPONSE_ENV,
  responseSettingsFromEnv,
} from './config.ts';

// One DynamoDB client per container, shared by every store of the function.
let dynamo: ReturnType<typeof documentClient> | undefined;
const client = () => {
  dynamo ??= documentClient();
  return dynamo;
};
const table = () => ({ client: client(), tableName: requireEnv('TABLE_NAME', 'the Vigil table') });
const audit = () =>
  dynamoAuditLog({
    client: client(),
    tableName: requireEnv(RESPONSE_ENV.auditTable, 'the append-only audit table'),
  });
const now = () => Date.now();

export const responseClients = (): ResponseClients => ({
  iam: new IAMClient({}),
  ec2: new EC2Client({}),
  autoscaling: new AutoScalingClient({}),
  s3: new S3Client({}),
  wafv2: new WAFV2Client({}),
});

export function planDeps(): PlanStepDeps {
  const store = dynamoCorrelationStore(table());
  return {
    incident: (id) => incidentForResponse(store, id),
    settings: responseSettingsFromEnv(),
    audit: audit(),
    now,
  };
}

export function guardDeps(): GuardStepDeps {
  const actionSettings = actionSettingsFromEnv();
  return {
    facts: awsFactsReader(responseClients()),
    killSwitch: dynamoKillSwitch(table()),
    settings: responseSettingsFromEnv(),
    own: ownFootprintFromEnv(),
    blockIpConfigured: actionSettings.wafIpSets.length + actionSettings.networkAclIds.length > 0,
    local: false,
    audit: audit(),
    now,
  };
}

export function actionDeps(): ActionStepDeps {
  const id = requireEnv(RESPONSE_ENV.action, 'the action this function runs');
  if (!isPlaybookId(id))
    throw new ValidationError(`${RESPONSE_ENV.action} is not a playbook id`, 'functions.respond');
  const t = table();
  return {
    action: ACTIONS[id],
    run: { clients: responseClients(), undo: dynamoUndoStore(t), now },
    budgets: dynamoBudgetStore(t),
    killSwitch: dynamoKillSwitch(t),
    settings: responseSettingsFromEnv(),
    actionSettings: actionSettingsFromEnv(),
    now,
  };
}

export const recordDeps = () => ({ audit: audit(), now });

/** The approval-link secret, read once per cold start from Secrets Manager. */
export async function linkSecret(): Promise<Uint8Array> {
  const out = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({
      SecretId: requireEnv('LINK_SECRET_ARN', 'the approval-link signing secret'),
    }),
  );
  if (!out.SecretString || out.SecretString.length < 32)
    throw new ValidationError(
      'the approval-link secret is missing or shorter than 32 characters',
      'functions.respond',
    );
  return Buffer.from(out.SecretString, 'utf8');
}

export function approvalDeps() {
  const t = table();
  return {
    store: dynamoApprovalStore(t),
    audit: audit(),
    sealer: kmsTokenSealer({
      client: new KMSClient({}),
      keyId: requireEnv('SEAL_KEY_ID', 'the key that seals task tokens'),
    }),
    mailer: sesMailer({ client: new SESv2Client({}) }),
    consoleUrl: requireEnv('CONSOLE_URL', 'the console the approval links open'),
    approvers: requireEnv('APPROVER_EMAILS', 'who is asked to approve').split(','),
    from: requireEnv('FROM_EMAIL', 'the SES identity approval emails come from'),
    timeoutSeconds: responseSettingsFromEnv().approvalTimeoutSeconds,
    tasks: sfnTaskTokens(new SFNClient({})),
    now,
  };
}

/** Notify mails only: no table, no key, no secret. */
export const notifyDeps = () => ({
  mailer: sesMailer({ client: new SESv2Client({}) }),
  approvers: requireEnv('APPROVER_EMAILS', 'who is told the outcome').split(','),
  from: requireEnv('FROM_EMAIL', 'the SES identity outcome emails come from'),
  now,
});
