import { readFile } from 'node:fs/promises';
import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../functions/lib/aws-clients.ts';
import { type BaselineStageRunner, baselineStage } from '../shared/baseline/stage.ts';
import { DEFAULT_POLICY, type ScoringPolicy } from '../shared/correlate/policy.ts';
import type { CorrelationStore } from '../shared/correlate/store.ts';
import { type IncidentView, incidentView } from '../shared/correlate/view.ts';
import type { Detection } from '../shared/detect/types.ts';
import { memoryWindow } from '../shared/detect/window.ts';
import { defaultEnricher } from '../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../shared/normalise/index.ts';
import { correlateBatch } from '../shared/pipeline/correlate.ts';
import { detectBatch } from '../shared/pipeline/detect.ts';
import { previewResponse } from '../shared/respond/preview.ts';
import { defaultResponseSettings, type ResponseSettings } from '../shared/respond/settings.ts';
import { dynamoBaselineStore } from '../shared/store/dynamo-baseline-store.ts';
import { dynamoCorrelationStore } from '../shared/store/dynamo-correlation-store.ts';
import { createTableInput, timeToLiveInput } from '../shared/store/table-schema.ts';
import { localDetection, sigmaDetections } from './detection-runtime.ts';
import { localDynamoClientConfig, startDynamoDbLocal } from './dynamodb-local.ts';
import { unwrapEvent } from './unwrap-event.ts';

export interface ReplayOptions {
  /** Events per correlation batch: what one Lambda invocation would see. */
  batchSize?: number;
  /** An already running DynamoDB (Local) endpoint; otherwise one is started and stopped. */
  endpoint?: string;
  policy?: ScoringPolicy;
  orgAccounts?: string[];
  trustedCidrs?: readonly string[];
  extraDetections?: readonly Detection[];
  /** Learn per-principal baselines (default on): what a deployment does. */
  baselines?: boolean;
  /** Response settings the preview uses (defaults: every playbook asks for approval). */
  response?: ResponseSettings;
}

export interface ReplayReport {
  incidents: IncidentView[];
  stats: {
    lines: number;
    events: number;
    rejected: number;
    signals: number;
    writes: number;
    /** DynamoDB item writes per normalised event: the cost figure (goal ≤ 0.02). */
    writes_per_event: number;
  };
}

/** Reads NDJSON lines from files into normalised events, in file order. */
export async function readEvents(
  files: string[],
): Promise<{ events: NormalisedEvent[]; lines: number; rejected: number }> {
  const enrich = defaultEnricher();
  const events: NormalisedEvent[] = [];
  let lines = 0;
  let rejected = 0;
  for (const file of files) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      lines++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        rejected++;
        continue;
      }
      for (const r of normalise(unwrapEvent(value), { enrich, receivedAt: Date.now() })) {
        if (r.ok) events.push(r.event);
        else rejected++;
      }
    }
  }
  return { events, lines, rejected };
}

/**
 * Files and S3 deliveries arrive out of order and redelivered; detections with windows (bursts)
 * must see each event once, in time order. Ties break on the event id so the order is total.
 */
export function inEventOrder(events: readonly NormalisedEvent[]): NormalisedEvent[] {
  const unique = new Map<string, NormalisedEvent>();
  events.forEach((ev, i) => {
    const uid = ev.ocsf.metadata.uid ?? `#${i}`;
    if (!unique.has(uid)) unique.set(uid, ev);
  });
  return [...unique.entries()]
    .sort(([a, x], [b, y]) => x.ocsf.time - y.ocsf.time || (a < b ? -1 : a > b ? 1 : 0))
    .map(([, ev]) => ev);
}

export interface PipelineDeps {
  store: CorrelationStore;
  detection: ReturnType<typeof localDetection>;
  policy: ScoringPolicy;
  batchSize: number;
  baselines?: BaselineStageRunner;
  /** Told after each batch: events done so far, of how many, and signals so far (progress displays). */
  onBatch?: (done: number, total: number, signals: number) => void;
}

/**
 * Detect and correlate events in batches, in order, with a clock that follows event time (as if
 * the stream were arriving live), so MTTD figures mean what they would in production.
 */
export async function runPipeline(
  input: readonly NormalisedEvent[],
  deps: PipelineDeps,
): Promise<{ signals: number; writes: number }> {
  const context = { window: memoryWindow(), config: deps.detection.config };
  const events = inEventOrder(input);
  let clock = 0;
  let signals = 0;
  let writes = 0;
  for (let i = 0; i < events.length; i += deps.batchSize) {
    const batch = events.slice(i, i + deps.batchSize);
    for (const ev of batch) {
      deps.detection.learnAccount(ev.ocsf.cloud?.account?.uid);
      clock = Math.max(clock, ev.ocsf.time);
    }
    const found = await detectBatch(batch, {
      engine: deps.detection.engine,
      context,
      ...(deps.baselines ? { baselines: deps.baselines } : {}),
    });
    signals += found.length;
    writes += (await correlateBatch(found, { store: deps.store, policy: deps.policy, now: () => clock }))
      .writes;
    deps.onBatch?.(Math.min(i + deps.batchSize, events.length), events.length, signals);
  }
  // Baseline profile writes count too: they are DynamoDB writes the pipeline makes for these events.
  return { signals, writes: writes + (deps.baselines?.writes ?? 0) };
}

/** Names of a local deployment's own resources (either stage), which the guard protects. */
const LOCAL_OWN_PREFIXES = ['vigil-dev-', 'vigil-prod-'];

/** The view with the response the guard would allow locally (no account: every action a dry-run). */
export function withResponsePreview(
  view: IncidentView,
  p: { settings: ResponseSettings; trustedCidrs: readonly string[]; blockIpConfigured: boolean; now: number },
): IncidentView {
  view.response = previewResponse(view, {
    settings: p.settings,
    own: { namePrefixes: LOCAL_OWN_PREFIXES, trustedCidrs: p.trustedCidrs },
    blockIpConfigured: p.blockIpConfigured,
    now: p.now,
  });
  return view;
}

/**
 * `vigil replay`: the whole pipeline — normalise, detect, correlate in DynamoDB — over files.
 */
export async function replay(files: string[], options: ReplayOptions = {}): Promise<ReplayReport> {
  const { events, lines, rejected } = await readEvents(files);
  return replayEvents(events, { lines, rejected }, options);
}

export async function replayEvents(
  events: NormalisedEvent[],
  counts: { lines: number; rejected: number },
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const local = options.endpoint ? undefined : await startDynamoDbLocal();
  const endpoint = options.endpoint ?? (local as { endpoint: string }).endpoint;
  const client = documentClient(localDynamoClientConfig(endpoint));
  try {
    const tableName = `vigil-replay-${process.pid}-${Date.now()}`;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await client.send(new UpdateTimeToLiveCommand(timeToLiveInput(tableName)));
    const store = dynamoCorrelationStore({ client, tableName });
    const detection = localDetection({
      ...(options.orgAccounts ? { orgAccounts: options.orgAccounts } : {}),
      ...(options.trustedCidrs ? { trustedCidrs: options.trustedCidrs } : {}),
      extra: options.extraDetections ?? sigmaDetections(),
    });
    const baselines =
      options.baselines === false
        ? undefined
        : baselineStage({ store: dynamoBaselineStore({ client, tableName }) });
    const { signals, writes } = await runPipeline(events, {
      store,
      detection,
      policy: options.policy ?? DEFAULT_POLICY,
      batchSize: options.batchSize ?? 500,
      ...(baselines ? { baselines } : {}),
    });
    const preview = {
      settings: options.response ?? defaultResponseSettings(),
      trustedCidrs: options.trustedCidrs ?? [],
      blockIpConfigured: false,
      now: Date.now(),
    };
    const incidents = (await store.listIncidents()).map((incident) =>
      withResponsePreview(incidentView(incident), preview),
    );
    return {
      incidents,
      stats: {
        lines: counts.lines,
        events: events.length,
        rejected: counts.rejected,
        signals,
        writes,
        writes_per_event: events.length ? writes / events.length : 0,
      },
    };
  } finally {
    client.destroy();
    await local?.stop();
  }
}
