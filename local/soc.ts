/**
 * The whole SOC on one machine (`vigil demo`): DynamoDB Local on a free loopback port, the ingest
 * rules and the response state machine taken from the synthesized CDK app, the detection and
 * correlation pipeline, the deterministic narrator, the response runtime in dry-run (no AWS
 * account), approval email as .eml files in an outbox, and the console on 127.0.0.1.
 *
 * State lives under the data directory (default `.vigil/`): the outbox and the secrets of this
 * installation (link signing, token sealing, sessions), created with owner-only permissions.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { serve } from '@hono/node-server';
import { consoleApp } from '../console/app.ts';
import { devAuthenticator } from '../console/auth.ts';
import type { ConsoleData, HealthSnapshot } from '../console/data.ts';
import { documentClient } from '../functions/lib/aws-clients.ts';
import { baselineStage } from '../shared/baseline/stage.ts';
import { DEFAULT_POLICY } from '../shared/correlate/policy.ts';
import { type IncidentView, storedIncidentView } from '../shared/correlate/view.ts';
import { defaultEnricher } from '../shared/enrich/index.ts';
import type { VerdictStore } from '../shared/feedback/types.ts';
import { type NormalisedEvent, normalise } from '../shared/normalise/index.ts';
import { aesTokenSealer } from '../shared/respond/token-sealer.ts';
import { dynamoBaselineStore } from '../shared/store/dynamo-baseline-store.ts';
import { dynamoCorrelationStore } from '../shared/store/dynamo-correlation-store.ts';
import { dynamoVerdictStore } from '../shared/store/dynamo-verdict-store.ts';
import { createAuditTableInput, createTableInput, timeToLiveInput } from '../shared/store/table-schema.ts';
import { localDetection, sigmaDetections } from './detection-runtime.ts';
import { localDynamoClientConfig, startDynamoDbLocal } from './dynamodb-local.ts';
import { route, rulesOf } from './event-bus.ts';
import { latestApprovalLink } from './outbox-mailer.ts';
import { runPipeline, withResponsePreview } from './replay.ts';
import { localResponseRuntime, synthesizeComputeTemplate } from './response-runtime.ts';
import { STORY_ACCOUNT } from './story/attack-story.ts';

/** The demo's response configuration: a WAF IP set name so block_ip has somewhere to (dry-)run. */
export const DEMO_CONFIG = {
  response: {
    actions: {
      wafIpSets: [
        { name: 'vigil-demo-blocklist', id: '00000000-0000-4000-8000-00000000d3m0', scope: 'REGIONAL' },
      ],
    },
  },
};

export interface Progress {
  stage: 'routing' | 'pipeline' | 'response';
  done: number;
  total: number;
  signals?: number;
}

export interface LocalSocOptions {
  dataDir?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  onProgress?: (p: Progress) => void;
}

interface Secrets {
  link: string;
  seal: string;
  console: string;
  session: string;
}

function loadSecrets(dir: string): Secrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const fresh = (): string => randomBytes(32).toString('hex');
  const secrets = { link: fresh(), seal: fresh(), console: fresh(), session: fresh() };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

export async function startLocalSoc(events: readonly unknown[], options: LocalSocOptions = {}) {
  const dataDir = resolve(options.dataDir ?? '.vigil');
  const outboxDir = join(dataDir, 'outbox');
  mkdirSync(outboxDir, { recursive: true, mode: 0o700 });
  const secrets = loadSecrets(dataDir);
  const hex = (s: string) => Buffer.from(s, 'hex');

  const dynamo = await startDynamoDbLocal();
  const stops: (() => Promise<void> | void)[] = [() => dynamo.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const client = documentClient(localDynamoClientConfig(dynamo.endpoint));
    stops.push(() => client.destroy());
    const tableName = 'vigil-demo';
    const auditTableName = 'vigil-demo-audit';
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await client.send(new UpdateTimeToLiveCommand(timeToLiveInput(tableName)));
    await client.send(new CreateTableCommand(createAuditTableInput(auditTableName)));
    const store = dynamoCorrelationStore({ client, tableName });
    const verdicts: VerdictStore = dynamoVerdictStore({ client, tableName });

    // The console listens first: its URL goes into the approval links.
    const template = synthesizeComputeTemplate(DEMO_CONFIG);
    const code = randomBytes(6).toString('hex');
    let consoleUrl = '';
    const lastEventBySource: Record<string, number> = {};
    const rejected: HealthSnapshot['quarantined']['recent'] = [];
    let runtime: ReturnType<typeof localResponseRuntime> | undefined;

    const preview = (view: IncidentView): IncidentView =>
      runtime
        ? withResponsePreview(view, {
            settings: runtime.settings,
            trustedCidrs: [],
            blockIpConfigured: true,
            now: Date.now(),
          })
        : view;
    const data: ConsoleData = {
      async incidents() {
        const list = await store.listIncidents();
        const full = await Promise.all(list.map((i) => store.getIncident(i.id)));
        return full.flatMap((i) => (i ? [preview(storedIncidentView(i))] : []));
      },
      async incident(id) {
        const i = await store.getIncident(id);
        return i ? preview(storedIncidentView(i)) : undefined;
      },
      audit: (id) => (runtime ? runtime.audit.list(id) : Promise.resolve([])),
      verdicts,
      suppressions: { list: (now) => store.loadSuppressions(now), put: (s) => store.putSuppression(s) },
      async health() {
        return {
          quarantined: { count: rejected.length, recent: rejected.slice(-10).reverse() },
          deadLetters: [],
          lastEventBySource: { ...lastEventBySource },
        };
      },
    };

    const server = await new Promise<ReturnType<typeof serve>>((ok) => {
      let app: ReturnType<typeof consoleApp> | undefined;
      const s = serve(
        {
          fetch: (req) => (app ? app.fetch(req) : new Response('starting', { status: 503 })),
          hostname: '127.0.0.1',
          port: options.port ?? 0,
        },
        (info: AddressInfo) => {
          consoleUrl = `http://127.0.0.1:${info.port}`;
          runtime = localResponseRuntime({
            client,
            tableName,
            auditTableName,
            outboxDir,
            consoleUrl,
            linkSecret: hex(secrets.link),
            sealKey: hex(secrets.seal),
            template,
            approvers: ['analyst@vigil.local', 'second.analyst@vigil.local'],
          });
          app = consoleApp({
            consoleUrl,
            secret: hex(secrets.console),
            auth: devAuthenticator({ secret: hex(secrets.session), code, consoleUrl, now: () => Date.now() }),
            approvals: {
              store: runtime.approvals,
              audit: runtime.audit,
              sealer: aesTokenSealer(hex(secrets.seal)),
              tasks: runtime.tokens,
              linkSecret: hex(secrets.link),
            },
            data,
          });
          ok(s);
        },
      );
    });
    stops.push(() => new Promise<void>((done) => server.close(() => done())));
    if (!runtime) throw new Error('the console did not start');
    const response = runtime;

    // The local EventBridge: only what a synthesized rule on the default bus matches goes on.
    const rules = rulesOf(template);
    const enrich = defaultEnricher();
    const normalised: NormalisedEvent[] = [];
    let unrouted = 0;
    events.forEach((event, i) => {
      options.onProgress?.({ stage: 'routing', done: i + 1, total: events.length });
      if (route(rules, event).length === 0) {
        unrouted++;
        return;
      }
      for (const r of normalise(event, { enrich, receivedAt: Date.now() })) {
        if (r.ok) {
          normalised.push(r.event);
          const source = r.event.source;
          lastEventBySource[source] = Math.max(lastEventBySource[source] ?? 0, r.event.ocsf.time);
        } else rejected.push({ id: `line-${i + 1}`, reason: r.error.message, received_at: Date.now() });
      }
    });

    const { signals } = await runPipeline(normalised, {
      store,
      // The same detection set as `vigil replay`: native, Sigma and per-principal baselines.
      detection: localDetection({ orgAccounts: [STORY_ACCOUNT], extra: sigmaDetections() }),
      baselines: baselineStage({ store: dynamoBaselineStore({ client, tableName }) }),
      policy: DEFAULT_POLICY,
      batchSize: 25,
      onBatch: (done, total, found) =>
        options.onProgress?.({ stage: 'pipeline', done, total, signals: found }),
    });

    const incidents = await data.incidents();
    incidents.sort((a, b) => b.risk - a.risk);
    const top = incidents[0];
    let approvalLink: string | undefined;
    let execution: ReturnType<typeof response.start> | undefined;
    if (top && top.narrative.playbooks.length > 0) {
      options.onProgress?.({ stage: 'response', done: 0, total: 1 });
      execution = response.start(top.id);
      // Either the execution waits for a person, or (nothing to approve) it ends on its own.
      await Promise.race([execution.waitingForApproval, execution.result.catch(() => undefined)]);
      approvalLink = await latestApprovalLink(outboxDir);
      options.onProgress?.({ stage: 'response', done: 1, total: 1 });
    }
    return {
      consoleUrl,
      signInCode: code,
      dataDir,
      outboxDir,
      approvalLink,
      incidents,
      stats: {
        events: events.length,
        routed: events.length - unrouted,
        unrouted,
        normalised: normalised.length,
        rejected: rejected.length,
        signals,
      },
      execution,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
