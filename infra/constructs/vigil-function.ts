import { dirname, isAbsolute, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  ApplicationLogLevel,
  Architecture,
  type CfnFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { installedPackageClosure } from '../bundled-packages.ts';
import type { VigilConfig } from '../config.ts';
import { logGroupPrefix } from '../naming.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The geolocation package shared/enrich/geo.ts requires at run time; it reads its database from its own folder. */
const GEOIP_PACKAGE = 'geoip-country';
/** The indicator file shared/enrich/indicator-file.ts reads, relative to the repository root. */
const SAMPLE_INDICATORS = 'shared/enrich/data/indicators.sample.ndjson';

export type TableAccess = 'RO' | 'RW';

/** Template metadata key naming a function's state-machine step (see VigilFunctionProps.step). */
export const STEP_METADATA = 'vigil:step';

/** Files copied into a function's bundle, their paths relative to `from` kept under `to`. */
export interface BundledFiles {
  /** Absolute folder the files are read from (it may lie outside the project). */
  readonly from: string;
  /** Paths relative to `from`, with `/` separators. */
  readonly files: readonly string[];
  /** Folder in the bundle, relative to its root, i.e. to the handler module at run time. */
  readonly to: string;
}

// No Scan: handlers reach items by key or index. Transact* calls are authorised per contained action.
const TABLE_READ = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

export interface VigilFunctionProps {
  readonly config: VigilConfig;
  /** Encrypts the log group; the grant helpers scope the function's own use of it per service. */
  readonly key: IKey;
  /** Handler module, relative to the repository root; it must export `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Ship what shared/enrich loads from disk at run time: the geoip-country package (with its
   * database files) and the sample indicator file. Only functions that enrich events need it.
   */
  readonly enrichmentData?: boolean;
  /** Further files the function reads next to its module at run time (e.g. Sigma rules). */
  readonly bundledFiles?: BundledFiles;
  /**
   * The state-machine step this function serves (`plan`, `guard`, `action:<id>` …), kept as template
   * metadata: the local runtime binds the synthesized definition's Task states to local steps by it.
   */
  readonly step?: string;
}

/**
 * A Vigil Lambda function with the project's defaults: Node.js on arm64, an ESM bundle with source
 * maps, an encrypted log group with the configured retention, active tracing, structured logs that
 * never include the whole event, and a role that starts empty and grows only through the helpers.
 */
export class VigilFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  private readonly role: Role;
  private readonly key: IKey;

  constructor(scope: Construct, id: string, props: VigilFunctionProps) {
    super(scope, id);
    const serviceName = id.toLowerCase();
    this.key = props.key;
    this.logGroup = new LogGroup(this, 'LogGroup', {
      logGroupName: `${logGroupPrefix(props.config)}${serviceName}`,
      retention: props.config.logRetentionDays as RetentionDays,
      encryptionKey: props.key,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole, which may write to any log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of Vigil ${serviceName}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      // The newest Node.js Lambda offers; the bundle targets Node 22, the oldest Node Vigil supports.
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.INFO,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // A SOC must never log whole events: they carry credentials, tokens and personal data.
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        // Vigil's errors name themselves after their class (new.target.name) and logs print that
        // name; minified, a ValidationError would log as "fe".
        keepNames: true,
        sourceMap: true,
        // CJS dependencies call require(); an ESM bundle has none unless it is defined.
        banner:
          "import { createRequire as vigilCreateRequire } from 'node:module'; const require = vigilCreateRequire(import.meta.url);",
        // Bundle the AWS SDK too: the function runs the versions the lockfile pins and the tests use,
        // not whatever the Lambda runtime happens to ship. geoip-country stays a real package: it
        // finds its database relative to its own files (see enrichmentCommands).
        externalModules: props.enrichmentData ? [GEOIP_PACKAGE] : [],
        ...afterBundling([
          ...(props.enrichmentData ? [enrichmentCommands()] : []),
          ...(props.bundledFiles ? [copyCommands(props.bundledFiles)] : []),
        ]),
      },
    });

    // Tracing is set on the CloudFormation resource so that the X-Ray statement, whose actions
    // support no resource-level permissions, sits alone in its own policy.
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
    (this.function.node.defaultChild as CfnFunction).tracingConfig = { mode: 'Active' };
    if (props.step) (this.function.node.defaultChild as CfnFunction).addMetadata(STEP_METADATA, props.step);
    const tracing = new Policy(this, 'Tracing', {
      roles: [this.role],
      statements: [
        new PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    this.function.node.addDependency(tracing);
    Validations.of(tracing.node.defaultChild!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; this policy holds nothing else.',
    });
  }

  /** Item access to the single table and its indexes, and TABLE_NAME in the environment. */
  bindTable(
    store: { readonly table: ITable; readonly indexArns: readonly string[] },
    access: TableAccess,
  ): void {
    const actions = access === 'RW' ? [...TABLE_READ, ...TABLE_WRITE] : TABLE_READ;
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [store.table.tableArn] }));
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [...store.indexArns] }),
    );
    this.useKeyThrough(
      'dynamodb',
      access === 'RW'
        ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']
        : ['kms:Decrypt', 'kms:DescribeKey'],
    );
    this.function.addEnvironment('TABLE_NAME', store.table.tableName);
  }

  /**
   * Reads any object of one bucket encrypted with Vigil's key. The object grant is returned as its
   * own policy, so the caller can acknowledge its `<bucket>/*` resource knowing what the bucket holds.
   */
  readObjects(bucket: IBucket): Policy {
    this.useKeyThrough('s3', ['kms:Decrypt']);
    return new Policy(this, `ReadObjectsOf${bucket.node.id}`, {
      roles: [this.role],
      statements: [
        new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }),
      ],
    });
  }

  /**
   * Asynchronous invocations (EventBridge, S3) retry `retryAttempts` times, then go to `onFailure`.
   * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
   */
  configureAsync(props: {
    readonly retryAttempts: number;
    readonly maxEventAge: Duration;
    readonly onFailure: IQueue;
  }): void {
    // Imported by ARN: for a queue with a key, CDK would also grant kms:ReEncrypt* and
    // kms:GenerateDataKey*; a KMS-encrypted queue needs only these two.
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
    const onFailure = Queue.fromQueueArn(this, 'AsyncFailureQueue', props.onFailure.queueArn);
    this.function.configureAsyncInvoke({
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      onFailure: new SqsDestination(onFailure),
    });
    this.useKeyThrough('sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
    Validations.of(this.function.node.defaultChild as CfnFunction).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Failed async invocations go to an SQS on-failure destination, which records the error context a function DLQ lacks; a DLQ as well would hold a second copy of every failure.',
    });
  }

  /** Receives and deletes messages of a queue encrypted with Vigil's key, as an event source mapping does. */
  consumeQueue(queue: IQueue): void {
    // Imported by ARN: for a queue with a key, CDK grants kms:Decrypt without a kms:ViaService condition.
    Queue.fromQueueArn(this, `Consumed${Names.uniqueId(queue)}`, queue.queueArn).grantConsumeMessages(
      this.role,
    );
    this.useKeyThrough('sqs', ['kms:Decrypt']);
  }

  /**
   * Sends messages to one queue encrypted with Vigil's key (SendMessageBatch is authorised as
   * sqs:SendMessage), and puts the queue URL in the environment under `envName`. A producer of a
   * KMS-encrypted queue needs kms:GenerateDataKey and kms:Decrypt on its key, nothing more.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
   */
  sendMessagesTo(queue: IQueue, envName: string): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
    this.useKeyThrough('sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
    this.function.addEnvironment(envName, queue.queueUrl);
  }

  /**
   * Calls Bedrock (Converse is authorised as bedrock:InvokeModel) on the given model and inference
   * profile ARNs only (infra/bedrock-arns.ts). Its own policy, so a finding names it alone.
   */
  invokeModels(id: string, resources: readonly string[]): Policy {
    const policy = new Policy(this, id, {
      roles: [this.role],
      statements: [new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [...resources] })],
    });
    this.function.node.addDependency(policy);
    return policy;
  }

  /** PutItem and nothing else on one table: what makes an audit table append-only. */
  appendTo(table: ITable, envName: string): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
    );
    this.useKeyThrough('dynamodb', ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
    this.function.addEnvironment(envName, table.tableName);
  }

  /** Query and GetItem on one table (e.g. reading the audit trail), with its name in the environment. */
  readTable(table: ITable, envName: string): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Query', 'dynamodb:GetItem'], resources: [table.tableArn] }),
    );
    this.useKeyThrough('dynamodb', ['kms:Decrypt', 'kms:DescribeKey']);
    this.function.addEnvironment(envName, table.tableName);
  }

  /** A named policy of the given statements, so findings and acknowledgements address it alone. */
  allow(id: string, statements: readonly PolicyStatement[]): Policy {
    const policy = new Policy(this, id, { roles: [this.role], statements: [...statements] });
    this.function.node.addDependency(policy);
    return policy;
  }

  addEnvironment(name: string, value: string): void {
    this.function.addEnvironment(name, value);
  }

  /** Uses Vigil's key through one service (Secrets Manager reads, e.g.). */
  useKeyVia(service: 'secretsmanager', actions: readonly string[]): void {
    this.useKeyThrough(service, actions);
  }

  private useKeyThrough(
    service: 'dynamodb' | 's3' | 'sqs' | 'secretsmanager',
    actions: readonly string[],
  ): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }
}

type AfterBundling = (inputDir: string, outputDir: string) => string[];

/** NodejsFunction runs each command in its own shell, in order, after esbuild has written the bundle. */
function afterBundling(steps: readonly AfterBundling[]) {
  if (steps.length === 0) return {};
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        steps.flatMap((step) => step(inputDir, outputDir)),
    },
  };
}

const q = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;

/**
 * The bundle is one ESM file, so in Lambda every `import.meta.url` is the bundle's own URL
 * (file:///var/task/index.mjs):
 * - shared/enrich/geo.ts requires geoip-country through createRequire(import.meta.url), which
 *   esbuild leaves alone; Node then looks in /var/task/node_modules, and the package reads its
 *   database from ../data next to its own lib/. So the package is copied there whole.
 * - shared/enrich/indicator-file.ts resolves ./data/indicators.sample.ndjson against
 *   import.meta.url, i.e. /var/task/data/: the file is copied there.
 * Without these, enrichment quietly degrades to IP class only (the faults reach the enricher's
 * onError, i.e. a warning in the log, not a failure).
 *
 * Why not NodejsFunction's `nodeModules`: it runs `npm ci` in the bundle folder, which needs the
 * registry; copying the installed packages ships exactly the locked versions and keeps synth offline.
 */
function enrichmentCommands(): AfterBundling {
  const packages = installedPackageClosure(REPO_ROOT, GEOIP_PACKAGE);
  return (inputDir, outputDir) => [
    `mkdir -p ${q(join(outputDir, 'data'))}`,
    ...packages.flatMap((name) => {
      const target = join(outputDir, 'node_modules', name);
      return [
        `mkdir -p ${q(dirname(target))}`,
        `cp -R ${q(join(inputDir, 'node_modules', name))} ${q(target)}`,
      ];
    }),
    `cp ${q(join(inputDir, SAMPLE_INDICATORS))} ${q(join(outputDir, 'data'))}/`,
  ];
}

/**
 * Linux caps one argument at 128 KiB (MAX_ARG_STRLEN) and each command is one `bash -c` argument:
 * the copies of a folder are split into commands well under that.
 */
const MAX_COMMAND_CHARS = 32_000;

/**
 * One `mkdir -p` per target folder and as few `cp` as the argument limit allows, so that hundreds
 * of rule files do not cost hundreds of shells. The source is read by absolute path on the host:
 * this works with local (esbuild) bundling, which is what Vigil's synth uses; a Docker bundling
 * container would not see a folder outside the project.
 */
function copyCommands(set: BundledFiles): AfterBundling {
  if (!isAbsolute(set.from))
    throw new Error(`bundled files must come from an absolute folder, got ${set.from}`);
  for (const file of [set.to, ...set.files]) {
    if (isAbsolute(file) || posix.normalize(file).split('/').includes('..'))
      throw new Error(`bundled file paths must stay inside their folder, got ${file}`);
  }
  const byFolder = new Map<string, string[]>();
  for (const file of set.files) {
    const folder = posix.dirname(file);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
  }
  return (_inputDir, outputDir) =>
    [...byFolder].flatMap(([folder, files]) => {
      const target = join(outputDir, set.to, folder);
      const commands = [`mkdir -p ${q(target)}`];
      let sources: string[] = [];
      let length = 0;
      const flush = () => {
        if (sources.length > 0) commands.push(`cp ${sources.join(' ')} ${q(target)}/`);
        sources = [];
        length = 0;
      };
      for (const file of files) {
        const source = q(join(set.from, file));
        if (length + source.length + target.length > MAX_COMMAND_CHARS) flush();
        sources.push(source);
        length += source.length + 1;
      }
      flush();
      return commands;
    });
}
