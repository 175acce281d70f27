import { type ReplayReport, replay, replayEvents } from '../../local/replay.ts';
import { attackStory } from '../../local/story/attack-story.ts';
import { defaultEnricher } from '../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../shared/normalise/index.ts';

export interface ReplayCommandOptions {
  files: string[];
  story: boolean;
  json: boolean;
  batchSize: number;
}

function storyEvents(): NormalisedEvent[] {
  const enrich = defaultEnricher();
  return attackStory().flatMap((e) =>
    normalise(e, { enrich, receivedAt: Date.now() }).flatMap((r) => (r.ok ? [r.event] : [])),
  );
}

const printSummary = (report: ReplayReport) => {
  const s = report.stats;
  const out = process.stdout;
  out.write(
    `${s.lines} lines → ${s.events} events (${s.rejected} rejected) → ${s.signals} signals → ` +
      `${report.incidents.length} incident(s); ${s.writes} DynamoDB writes (${s.writes_per_event.toFixed(4)} per event)\n`,
  );
  for (const i of report.incidents) {
    out.write(
      `\n[${i.severity.toUpperCase()}] ${i.title}  (risk ${i.risk}, ${i.signals.length} signals, ${i.id})\n`,
    );
    for (const sig of i.signals)
      out.write(`  ${sig.time}  ${sig.severity.padEnd(8)} ${sig.rule_id}  ${sig.attack.join(',')}\n`);
  }
};

/** `vigil replay FILE… [--story] [--json]`: the whole pipeline on a local DynamoDB. */
export async function replayCommand(opts: ReplayCommandOptions): Promise<number> {
  const report = opts.story
    ? await (async () => {
        const events = storyEvents();
        return replayEvents(events, { lines: events.length, rejected: 0 }, { batchSize: opts.batchSize });
      })()
    : await replay(opts.files, { batchSize: opts.batchSize });
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ incidents: report.incidents, stats: report.stats }, null, 2)}\n`,
    );
  else printSummary(report);
  return 0;
}
