import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../functions/lib/aws-clients.ts';
import { localDetection, sigmaDetections } from '../local/detection-runtime.ts';
import { localDynamoClientConfig, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { runPipeline } from '../local/replay.ts';
import { attackStory } from '../local/story/attack-story.ts';
import { baselineStage } from '../shared/baseline/stage.ts';
import { DEFAULT_POLICY } from '../shared/correlate/policy.ts';
import { defaultEnricher } from '../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../shared/normalise/index.ts';
import { dynamoBaselineStore } from '../shared/store/dynamo-baseline-store.ts';
import { dynamoCorrelationStore } from '../shared/store/dynamo-correlation-store.ts';
import { createTableInput, timeToLiveInput } from '../shared/store/table-schema.ts';
import { cloudTrailLines, ORG_EGRESS_CIDRS } from './cloudtrail-stream.ts';

export interface WritePhase {
  events: number;
  signals: number;
  writes: number;
  writesPerEvent: number;
}

export interface WriteCost {
  stream: string;
  /** First sight of every principal: each profile is written as it is learnt. */
  warmup: WritePhase;
  /** The same organisation afterwards, with the attack story inside: the steady cost (goal ≤ 0.02). */
  steady: WritePhase;
  incidents: number;
}

/**
 * DynamoDB write requests per event on a realistic stream: ordinary CloudTrail from a few hundred
 * principals with narrow habits and known egress, then the same organisation again with the
 * built-in attack story inside it, through the whole pipeline (detections, Sigma, baselines,
 * correlation) on DynamoDB Local, in Lambda-sized batches.
 */
export async function writeCost(perPhase = 50_000, batchSize = 500): Promise<WriteCost> {
  const enrich = defaultEnricher();
  const receivedAt = Date.now();
  const toEvents = (records: unknown[]): NormalisedEvent[] =>
    records.flatMap((r) => normalise(r, { enrich, receivedAt }).flatMap((x) => (x.ok ? [x.event] : [])));
  // Both halves are moved onto the story's day so that the story lands inside the second.
  const shift = Date.parse('2026-11-20T06:00:00Z') - Date.parse('2026-11-01T00:00:00Z');
  const records = cloudTrailLines(2 * perPhase, 11).map((line) => {
    const r = JSON.parse(line) as { eventTime: string };
    r.eventTime = new Date(Date.parse(r.eventTime) + shift).toISOString();
    return r;
  });
  const warmup = toEvents(records.slice(0, perPhase));
  const steady = toEvents([...records.slice(perPhase), ...attackStory()]);

  const local = await startDynamoDbLocal();
  const client = documentClient(localDynamoClientConfig(local.endpoint));
  try {
    const tableName = `vigil-bench-${process.pid}`;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await client.send(new UpdateTimeToLiveCommand(timeToLiveInput(tableName)));
    const store = dynamoCorrelationStore({ client, tableName });
    const detection = localDetection({ trustedCidrs: ORG_EGRESS_CIDRS, extra: sigmaDetections() });
    const phase = async (events: NormalisedEvent[]): Promise<WritePhase> => {
      const baselines = baselineStage({ store: dynamoBaselineStore({ client, tableName }) });
      const r = await runPipeline(events, { store, detection, policy: DEFAULT_POLICY, batchSize, baselines });
      return {
        events: events.length,
        signals: r.signals,
        writes: r.writes,
        writesPerEvent: r.writes / events.length,
      };
    };
    const first = await phase(warmup);
    const second = await phase(steady);
    return {
      stream: `${perPhase.toLocaleString('en-US')} + ${perPhase.toLocaleString('en-US')} synthetic CloudTrail events of 300 principals, the attack story in the second half, batches of ${batchSize}`,
      warmup: first,
      steady: second,
      incidents: (await store.listIncidents()).length,
    };
  } finally {
    client.destroy();
    await local.stop();
  }
}
