import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { VigilConfig } from '../config.ts';
import { BulkIngestStore } from '../constructs/bulk-ingest-store.ts';
import { EncryptionKey } from '../constructs/encryption-key.ts';
import { EventStore } from '../constructs/event-store.ts';
import { ExternalEventBuses } from '../constructs/external-event-buses.ts';
import { IngestDeadLetters } from '../constructs/ingest-dead-letters.ts';
import { NarrateQueue } from '../constructs/narrate-queue.ts';
import type { QueueConsumerTiming } from '../constructs/queue-consumer.ts';
import { ResponseRecords } from '../constructs/response-records.ts';
import { SignalQueue } from '../constructs/signal-queue.ts';
import { ingestRoutes, ingestRuleArn } from '../ingest-routes.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: VigilConfig;
  readonly bulkConsumer: QueueConsumerTiming;
  readonly signalConsumer: QueueConsumerTiming;
  readonly narrateConsumer: QueueConsumerTiming;
}

/**
 * Everything that holds data or that other accounts point at: the key, the table, the external
 * buses, the dead-letter queues, the bulk-ingest bucket and queue, and the signals and narrate queues. Compute can be torn down and
 * redeployed freely; this stack changes rarely and, in prod, retains its resources.
 */
export class StatefulStack extends Stack {
  readonly encryption: EncryptionKey;
  readonly store: EventStore;
  readonly buses: ExternalEventBuses;
  readonly deadLetters: IngestDeadLetters;
  readonly bulkIngest: BulkIngestStore;
  readonly signals: SignalQueue;
  readonly narrate: NarrateQueue;
  readonly response: ResponseRecords;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.encryption = new EncryptionKey(this, 'Encryption', { config });
    this.store = new EventStore(this, 'EventStore', { stage: config.stage, key: this.encryption.key });
    this.buses = new ExternalEventBuses(this, 'ExternalBuses', { config });
    this.deadLetters = new IngestDeadLetters(this, 'IngestDeadLetters', {
      encryption: this.encryption,
      ruleArns: ingestRoutes(config).map((route) => ingestRuleArn(this, route)),
    });
    this.bulkIngest = new BulkIngestStore(this, 'BulkIngest', {
      config,
      encryption: this.encryption,
      consumer: props.bulkConsumer,
    });
    this.signals = new SignalQueue(this, 'Signals', {
      encryption: this.encryption,
      consumer: props.signalConsumer,
    });
    this.narrate = new NarrateQueue(this, 'Narrate', {
      encryption: this.encryption,
      consumer: props.narrateConsumer,
    });
    this.response = new ResponseRecords(this, 'Response', { stage: config.stage, key: this.encryption.key });
  }
}
