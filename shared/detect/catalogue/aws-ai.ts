/**
 * Abuse of Amazon Bedrock with stolen credentials ("LLMjacking"): an intruder holding a leaked
 * access key checks whether inference is logged, unlocks foundation models the account never used,
 * probes which models answer, and then sells or spends inference at the victim's expense, often
 * behind a reverse proxy. Guardrail changes and the removal of invocation logging live with the
 * operations and defense-evasion families; these rules cover the steps before and during the abuse.
 */
import type { Detection, DetectionContext, Hit } from '../types.ts';
import { actorClass, actorOf, HOUR, isInstanceCredential, RISK, untrustedSource } from './aws-helpers-a.ts';
import {
  burst,
  type CtSpec,
  ct,
  ctStr,
  errorCodeOf,
  eventNameOf,
  eventSourceOf,
  iamUser,
  instanceRole,
  isAwsServiceActor,
  isLongTermKey,
  MINUTE,
  once,
  principalOf,
  reachedTier,
  regionOf,
  roleSession,
  serviceDriven,
  succeeded,
  type Tier,
  timeOf,
  userAgentOf,
} from './aws-helpers-b.ts';

const BEDROCK = 'bedrock.amazonaws.com';
const TEN_MIN = 10 * MINUTE;

/** The runtime calls that run inference (CloudTrail records them as Bedrock management events). */
const INFERENCE = ['InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream'];

const clip = (s: string): string => s.slice(0, 256);

/**
 * The model a runtime call named, lower-cased and clipped: a bare id (`anthropic.claude-v2`) or the
 * last part of an ARN (foundation model, inference profile, provisioned model). Undefined when the
 * record carries no usable id.
 */
function modelOf(raw: unknown): string | undefined {
  const id = ctStr(raw, 'requestParameters.modelId')?.trim();
  if (!id) return undefined;
  const short = id.startsWith('arn:') ? id.slice(id.lastIndexOf('/') + 1) : id;
  return short === '' ? undefined : clip(short.toLowerCase());
}

// ---------------------------------------------------------------------------------------------

const ACCESS_ID = 'aws.bedrock.model_access_enabled';
const ACCESS_EVENTS = [
  'PutUseCaseForModelAccess',
  'CreateFoundationModelAgreement',
  'PutFoundationModelEntitlement',
];

const enableSpec = (extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'CreateFoundationModelAgreement',
  source: 'bedrock',
  actor: iamUser('svc-reports'),
  params: { modelId: 'anthropic.claude-3-opus-20240229-v1:0', offerToken: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
  response: { modelId: 'anthropic.claude-3-opus-20240229-v1:0' },
  ...extra,
});

const modelAccessEnabled: Detection = {
  id: ACCESS_ID,
  title: 'Access to a Bedrock foundation model enabled',
  description:
    'Someone unlocked a Bedrock foundation model for the account: submitted the use-case form that Anthropic ' +
    'models require (PutUseCaseForModelAccess), accepted a model agreement (CreateFoundationModelAgreement) or ' +
    'was granted a model entitlement (PutFoundationModelEntitlement). Intruders with a leaked key do this so ' +
    'they can run, or resell, inference on expensive models the account never used (T1496.004). Teams do it ' +
    "too when they adopt a model, normally once, by hand or through IaC. Done by an IAM user's long-term key " +
    'or from outside the trusted networks it is medium with medium risk; by a person, a workload or an ' +
    'unidentified caller inside them it is a notable change (medium, low risk). IaC/CI identities and AWS ' +
    'services are ignored. Once per principal per hour, since one console click can accept many agreements.',
  attack: ['T1496.004', 'T1078.004'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ACCESS_EVENTS,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSourceOf(raw) !== BEDROCK || !succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const caller = actorClass(raw);
    if (caller === 'automation' || caller === 'service') return undefined;
    const who = principalOf(raw);
    const outsideIp = untrustedSource(raw, ctx);
    const longTerm = isLongTermKey(raw);
    const risky = longTerm || outsideIp !== undefined;
    // Deduplicated per grade, so a notable change does not hide a risky one by the same principal.
    if (!who || !once(ctx, `${ACCESS_ID}|${who}|${risky}`, timeOf(ev), HOUR)) return undefined;
    const evidence = {
      event: eventNameOf(raw),
      model: clip(ctStr(raw, 'requestParameters.modelId') ?? ''),
      caller,
      long_term_key: longTerm,
      source_ip: clip(outsideIp ?? ''),
    };
    return risky ? { evidence } : { evidence, risk: RISK.low };
  },
  cases: [
    {
      name: "an IAM user's key accepts the agreement for an expensive model from an unknown address",
      fires: true,
      records: [ct(enableSpec())],
    },
    {
      name: 'the Anthropic use-case form submitted by a person from the office',
      fires: true,
      records: [
        ct({
          name: 'PutUseCaseForModelAccess',
          source: 'bedrock',
          actor: roleSession('AWSReservedSSO_MLPlatform_0a1b2c3d4e5f6789', 'ana.silva'),
          ip: '10.20.30.40',
          ua: 'console.bedrock.amazonaws.com',
          params: { formData: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
        }),
      ],
    },
    {
      name: "an entitlement granted to a person's CLI session from outside",
      fires: true,
      records: [
        ct(
          enableSpec({
            name: 'PutFoundationModelEntitlement',
            actor: roleSession('DataScience', 'botocore-session-1715677200'),
            params: { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
            response: null,
          }),
        ),
      ],
    },
    {
      name: 'Terraform in the pipeline enables the model the platform team declared',
      fires: false,
      records: [ct(enableSpec({ actor: roleSession('terraform-apply', 'gha-run-8812'), ip: '10.0.4.17' }))],
    },
    {
      name: 'a CloudFormation stack enables model access',
      fires: false,
      records: [ct(enableSpec({ actor: serviceDriven('cloudformation.amazonaws.com', 'cfn-exec') }))],
    },
    {
      name: 'the agreement is refused',
      fires: false,
      records: [ct(enableSpec({ error: 'AccessDeniedException' }))],
    },
    {
      name: 'a second model enabled by the same person within the hour',
      fires: false,
      records: [
        ct(enableSpec({ at: 0 })),
        ct(enableSpec({ at: 40, params: { modelId: 'meta.llama3-70b-instruct-v1:0', offerToken: 'x' } })),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const LOGGING_ID = 'aws.bedrock.invocation_logging_checked';

const loggingRead = (extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'GetModelInvocationLoggingConfiguration',
  source: 'bedrock',
  actor: iamUser('svc-reports'),
  ua: 'Boto3/1.34.101 md/Botocore#1.34.101 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.9',
  ...extra,
});

/**
 * Why this read of the logging settings is worth a place on the timeline, or undefined. Only calls
 * from outside the trusted networks count: an IAM user's key inside them is usually a service
 * account. Of those, IaC/CI identities are ignored (Terraform refreshes the setting from cloud
 * runners), and so are role sessions other than instance credentials: mostly cloud security
 * scanners assuming their audit role, which read every service's logging settings.
 */
function loggingReader(raw: unknown, ctx: DetectionContext): string | undefined {
  if (!untrustedSource(raw, ctx)) return undefined;
  const cls = actorClass(raw);
  if (cls === 'automation' || cls === 'service') return undefined;
  if (isLongTermKey(raw)) return 'long_term_key';
  if (cls === 'workload') return isInstanceCredential(raw, actorOf(raw)) ? 'instance_credentials' : undefined;
  return cls === 'unknown' ? 'unidentified' : 'person';
}

const invocationLoggingChecked: Detection = {
  id: LOGGING_ID,
  title: 'Bedrock invocation-logging settings read from outside trusted networks',
  description:
    "GetModelInvocationLoggingConfiguration was called from outside the trusted networks by an IAM user's " +
    'long-term access key, a person, root, an unidentified caller or instance-profile credentials. Before ' +
    'running inference on a stolen key, intruders check whether prompts and completions are being recorded ' +
    '(T1526, T1518.001). Administrators read the setting too, in the console or from home, so this is a ' +
    "notable event (medium, low risk), once per principal per hour. Trusted networks (where an IAM user's key " +
    'is usually a service account), IaC/CI identities, AWS services and role sessions other than instance ' +
    'credentials (security scanners with an audit role) are ignored; deleting the configuration is ' +
    'aws.logging.service_audit_logs_disabled.',
  attack: ['T1526', 'T1518.001'],
  tactic: 'TA0007',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['GetModelInvocationLoggingConfiguration'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSourceOf(raw) !== BEDROCK || isAwsServiceActor(raw)) return undefined;
    const reader = loggingReader(raw, ctx);
    const who = principalOf(raw);
    if (!reader || !who || !once(ctx, `${LOGGING_ID}|${who}`, timeOf(ev), HOUR)) return undefined;
    return {
      evidence: {
        reader,
        source_ip: clip(untrustedSource(raw, ctx) ?? ''),
        user_agent: clip(userAgentOf(raw)),
        failed: !succeeded(raw),
      },
    };
  },
  cases: [
    {
      name: "an IAM user's key checks whether prompts are logged, from an unknown address",
      fires: true,
      records: [ct(loggingRead())],
    },
    {
      name: 'a person checks the setting from a hotel network',
      fires: true,
      records: [
        ct(
          loggingRead({
            actor: roleSession('AWSReservedSSO_MLPlatform_0a1b2c3d4e5f6789', 'ana.silva'),
            ua: 'console.bedrock.amazonaws.com',
          }),
        ),
      ],
    },
    {
      name: 'instance credentials used from the internet',
      fires: true,
      records: [ct(loggingRead({ actor: instanceRole('web-tier', 'i-0a1b2c3d4e5f67890') }))],
    },
    {
      name: "a service account's key reads the setting from the NAT gateway",
      fires: false,
      records: [ct(loggingRead({ ip: '10.0.7.21' }))],
    },
    {
      name: 'a person reads the setting from the office',
      fires: false,
      records: [
        ct(
          loggingRead({
            actor: roleSession('AWSReservedSSO_MLPlatform_0a1b2c3d4e5f6789', 'ana.silva'),
            ip: '10.20.30.40',
            ua: 'console.bedrock.amazonaws.com',
          }),
        ),
      ],
    },
    {
      name: 'Terraform refreshes the logging resource from a CI runner',
      fires: false,
      records: [ct(loggingRead({ actor: iamUser('github-deployer'), ua: 'terraform-provider-aws/5.49.0' }))],
    },
    {
      name: 'a cloud security scanner reads it through its audit role',
      fires: false,
      records: [
        ct(loggingRead({ actor: roleSession('VendorReadOnlyAudit', 'scan-20240514'), ip: '52.12.40.8' })),
      ],
    },
    {
      name: 'the same key again within the hour',
      fires: false,
      records: [ct(loggingRead({ at: 0 })), ct(loggingRead({ at: 600 }))],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const PROBE_ID = 'aws.bedrock.model_access_probing';
/** The refusals a model gives to a request it will not run: not enabled, not allowed, malformed. */
const PROBE_ERRORS = new Set(['ValidationException', 'AccessDeniedException', 'ResourceNotFoundException']);

/** From outside the trusted networks a handful of refused models is already a sweep. */
const OUTSIDE_TIERS: readonly Tier[] = [
  { min: 4, severity: 'medium', risk: RISK.medium },
  { min: 8, severity: 'high', risk: RISK.high },
];
/**
 * Inside them, an application (or a service account's key) may walk a fallback list of models that
 * are not enabled in its region, and a developer may try a few: only a long sweep counts.
 */
const INSIDE_TIERS: readonly Tier[] = [{ min: 8, severity: 'medium', risk: RISK.medium }];

const PROBED = [
  'anthropic.claude-v2',
  'anthropic.claude-instant-v1',
  'anthropic.claude-3-sonnet-20240229-v1:0',
  'anthropic.claude-3-haiku-20240307-v1:0',
  'anthropic.claude-3-opus-20240229-v1:0',
  'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'meta.llama3-70b-instruct-v1:0',
  'mistral.mistral-large-2402-v1:0',
  'amazon.titan-text-premier-v1:0',
];
const probe = (i: number, extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'InvokeModel',
  source: 'bedrock',
  actor: iamUser('svc-reports'),
  params: { modelId: PROBED[i % PROBED.length] },
  error: 'ValidationException',
  at: i * 20,
  ...extra,
});

const modelAccessProbing: Detection = {
  id: PROBE_ID,
  title: 'Bedrock models probed with requests that fail',
  description:
    'One principal sent inference requests (InvokeModel, Converse and their streaming forms) to several ' +
    'different Bedrock models within ten minutes and each was refused with ValidationException, ' +
    'AccessDeniedException or ResourceNotFoundException. Intruders with a fresh key send deliberately invalid ' +
    'requests (a negative token limit, say) to learn which models are enabled without paying for a completion ' +
    '(T1526, T1496.004). Applications call the one or two models they were built for. From outside the trusted ' +
    'networks four distinct models is medium and eight is high; inside them, where an application may walk a ' +
    'fallback list of models not enabled in its region, it takes eight and stays medium. AWS services are ignored.',
  attack: ['T1526', 'T1496.004'],
  tactic: 'TA0007',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: INFERENCE,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSourceOf(raw) !== BEDROCK || !PROBE_ERRORS.has(errorCodeOf(raw) ?? '')) return undefined;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const model = modelOf(raw);
    if (!who || !model) return undefined;
    const t = timeOf(ev);
    const key = `${PROBE_ID}|${who}`;
    const n = ctx.window.distinct(key, model, t, TEN_MIN);
    const tiers = untrustedSource(raw, ctx) ? OUTSIDE_TIERS : INSIDE_TIERS;
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, tiers);
    if (!tier) return undefined;
    return {
      severity: tier.severity,
      risk: tier.risk,
      evidence: {
        distinct_models: n,
        window_minutes: 10,
        last_model: model,
        last_error: clip(errorCodeOf(raw) ?? ''),
        region: clip(regionOf(raw)),
        caller: actorClass(raw),
      },
    };
  },
  cases: [
    {
      name: "an IAM user's key sends invalid requests to four models in a minute",
      fires: true,
      records: burst(4, (i) => probe(i)),
    },
    {
      name: 'a sweep of eight models through Converse, refusals mixed',
      fires: true,
      records: burst(8, (i) =>
        probe(i, { name: 'Converse', error: i % 2 === 0 ? 'AccessDeniedException' : 'ValidationException' }),
      ),
    },
    {
      name: 'a long sweep of eight models from inside the VPC (role credentials used on a compromised host)',
      fires: true,
      records: burst(8, (i) =>
        probe(i, {
          actor: roleSession('chat-api-task', '5f0c2a9e41b7'),
          ip: '10.0.12.34',
          error: 'AccessDeniedException',
        }),
      ),
    },
    {
      name: 'an application in the VPC fails on four models it may not use',
      fires: false,
      records: burst(4, (i) =>
        probe(i, {
          actor: roleSession('chat-api-task', '5f0c2a9e41b7'),
          ip: '10.0.12.34',
          error: 'AccessDeniedException',
        }),
      ),
    },
    {
      name: 'two models named both by id and by ARN, and a request without a usable model id',
      fires: false,
      records: [
        ct(probe(0)),
        ct(probe(1, { params: { modelId: `arn:aws:bedrock:us-east-1::foundation-model/${PROBED[0]}` } })),
        ct(probe(2, { params: { modelId: `arn:aws:bedrock:us-east-1::foundation-model/${PROBED[1]}` } })),
        ct(probe(3, { params: { modelId: { nested: 'anthropic.claude-v2:1' } } })),
        ct(probe(4, { params: { modelId: 'ANTHROPIC.CLAUDE-V2' } })),
      ],
    },
    {
      name: 'a developer retries one model with a bad request',
      fires: false,
      records: burst(6, (i) => probe(0, { at: i * 20 })),
    },
    {
      name: 'throttled calls to many models are capacity, not probing',
      fires: false,
      records: burst(5, (i) => probe(i, { error: 'ThrottlingException' })),
    },
    {
      name: 'successful calls to several models',
      fires: false,
      records: burst(5, (i) => probe(i, { error: undefined })),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const OUTSIDE_ID = 'aws.bedrock.inference_long_term_key_outside';

const invoke = (extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'InvokeModelWithResponseStream',
  source: 'bedrock',
  actor: iamUser('svc-reports'),
  params: { modelId: 'anthropic.claude-3-opus-20240229-v1:0' },
  ua: 'aws-sdk-js/3.556.0 ua/2.1 os/linux#5.15.0 lang/js md/nodejs#20.12.2 api/bedrock-runtime#3.556.0',
  ...extra,
});

const inferenceOutside: Detection = {
  id: OUTSIDE_ID,
  title: "Bedrock inference with an IAM user's long-term key from outside trusted networks",
  description:
    "A Bedrock model ran inference (InvokeModel, Converse or their streaming forms) for an IAM user's (or root's) " +
    'long-term access key (AKIA…) calling from an internet address outside the trusted networks. Applications ' +
    'normally call Bedrock with role credentials from inside the cloud; a leaked key spending on models from a ' +
    'rented server, often a reverse proxy that resells the access, is how LLMjacking runs up the bill ' +
    '(T1496.004, T1078.004). Developers do experiment with their own keys, so it is a notable event (medium, ' +
    'low risk), once per key per hour. CI-named users, calls through AWS services, the console and trusted ' +
    'networks are ignored.',
  attack: ['T1496.004', 'T1078.004'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: INFERENCE,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSourceOf(raw) !== BEDROCK || !succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    if (!isLongTermKey(raw) || actorClass(raw) === 'automation') return undefined;
    const ip = untrustedSource(raw, ctx);
    const key = actorOf(raw).accessKeyId;
    if (!ip || !key || !once(ctx, `${OUTSIDE_ID}|${key}`, timeOf(ev), HOUR)) return undefined;
    return {
      evidence: {
        api: eventNameOf(raw),
        model: modelOf(raw) ?? '',
        access_key: clip(key),
        source_ip: clip(ip),
        user_agent: clip(userAgentOf(raw)),
      },
    };
  },
  cases: [
    {
      name: "an IAM user's key streams completions from a rented server",
      fires: true,
      records: [ct(invoke())],
    },
    {
      name: 'Converse with a root access key from outside',
      fires: true,
      records: [
        ct(
          invoke({
            name: 'Converse',
            actor: {
              type: 'Root',
              principalId: '111122223333',
              arn: 'arn:aws:iam::111122223333:root',
              accountId: '111122223333',
              accessKeyId: 'AKIA4EXAMPLEROOTKEY1',
            },
          }),
        ),
      ],
    },
    {
      name: 'an application role inside the VPC invokes its model',
      fires: false,
      records: [ct(invoke({ actor: roleSession('chat-api-task', '5f0c2a9e41b7'), ip: '10.0.12.34' }))],
    },
    {
      name: 'a role session from outside (temporary credentials)',
      fires: false,
      records: [ct(invoke({ actor: roleSession('DataScience', 'botocore-session-1715677200') }))],
    },
    {
      name: "a developer's key from the office",
      fires: false,
      records: [ct(invoke({ ip: '10.20.30.40' }))],
    },
    {
      name: 'a CI user runs its evaluation suite from a cloud runner',
      fires: false,
      records: [ct(invoke({ actor: iamUser('gitlab-ci-evals') }))],
    },
    {
      name: 'the same key keeps streaming within the hour',
      fires: false,
      records: [ct(invoke({ at: 0 })), ct(invoke({ at: 300 }))],
    },
    {
      name: 'a refused call from outside',
      fires: false,
      records: [ct(invoke({ error: 'AccessDeniedException' }))],
    },
  ],
};

/** LLMjacking: Bedrock abused with stolen credentials (registered in the catalogue index). */
export const AWS_AI: readonly Detection[] = [
  modelAccessEnabled,
  invocationLoggingChecked,
  modelAccessProbing,
  inferenceOutside,
];
