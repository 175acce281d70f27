import { App, AspectPriority, Aspects, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { StageRemovalPolicy } from './aspects/stage-removal-policy.ts';
import { VigilTags } from './aspects/vigil-tags.ts';
import { CONFIG_CONTEXT_KEY, parseVigilConfig, type VigilConfig } from './config.ts';
import type { QueueConsumerTiming } from './constructs/queue-consumer.ts';
import { FEATURE_FLAGS } from './feature-flags.ts';
import { ComputeStack } from './stacks/compute-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';

/**
 * The normaliser both answers EventBridge (milliseconds per event) and parses bulk objects
 * (seconds per batch); the bulk queue's visibility timeout is derived from these values.
 */
const NORMALISE_TIMING: QueueConsumerTiming = {
  functionTimeout: Duration.seconds(60),
  maxBatchingWindow: Duration.seconds(5),
};

/**
 * The correlator waits up to this window for a fuller batch: more signals per batch means more of
 * them share an entity, and correlation writes once per entity per batch. The signals queue's
 * visibility timeout is derived from these values.
 */
const CORRELATE_TIMING: QueueConsumerTiming = {
  functionTimeout: Duration.seconds(60),
  maxBatchingWindow: Duration.seconds(5),
};

/**
 * The narrator waits for Bedrock: a batch of four incidents, each up to two 30 s Converse calls,
 * fits in 5 minutes. The short window gathers the requests one burst of correlation makes for the
 * same incident into one batch, where they are narrated once. The narrate queue's visibility
 * timeout is derived from these values.
 */
const NARRATE_TIMING: QueueConsumerTiming = {
  functionTimeout: Duration.minutes(5),
  maxBatchingWindow: Duration.seconds(5),
};

export interface VigilApp {
  readonly app: App;
  readonly config: VigilConfig;
  readonly stateful: StatefulStack;
  readonly compute: ComputeStack;
}

/** Builds the whole app; `context` is what cdk.json or `-c` would give (e.g. `{ vigil: {...} }`). */
export function buildApp(context: Readonly<Record<string, unknown>> = {}): VigilApp {
  const app = new App({ context: { ...FEATURE_FLAGS, ...context } });
  const config = parseVigilConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
  const stateful = new StatefulStack(app, 'VigilStateful', {
    stackName: `vigil-${config.stage}-stateful`,
    description: `Vigil ${config.stage}: key, event store, buses, dead-letter queues, bulk ingest, signals and narrate queues`,
    config,
    bulkConsumer: NORMALISE_TIMING,
    signalConsumer: CORRELATE_TIMING,
    narrateConsumer: NARRATE_TIMING,
  });
  const compute = new ComputeStack(app, 'VigilCompute', {
    stackName: `vigil-${config.stage}-compute`,
    description: `Vigil ${config.stage}: functions, ingest wiring, detection, correlation and narration`,
    config,
    stateful,
    bulkConsumer: NORMALISE_TIMING,
    signalConsumer: CORRELATE_TIMING,
    narrateConsumer: NARRATE_TIMING,
  });
  Aspects.of(app).add(new VigilTags(), { priority: AspectPriority.MUTATING });
  Aspects.of(app).add(new StageRemovalPolicy(config.stage), { priority: AspectPriority.MUTATING });
  return { app, config, stateful, compute };
}

/** cdk-nag v3 runs as a policy-validation plugin during synth; findings land in the validation report. */
export function addNagPacks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
