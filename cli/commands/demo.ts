import { replayEvents } from '../../local/replay.ts';
import { attackStory } from '../../local/story/attack-story.ts';
import { defaultEnricher } from '../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../shared/normalise/index.ts';

export interface DemoOptions {
  exitAfterReplay: boolean;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * `vigil demo`: the built-in attack story through the whole local pipeline — normalisation,
 * detections, Sigma, baselines, correlation on DynamoDB Local — ending with the incident it opens.
 * Response playbooks with approvals and the console arrive with issues #5–#6, and the demo says so.
 */
export async function demoCommand(_opts: DemoOptions): Promise<number> {
  const stories = attackStory();
  const enrich = defaultEnricher();
  const events: NormalisedEvent[] = [];
  let failed = 0;
  for (const e of stories) {
    for (const r of normalise(e, { enrich, receivedAt: Date.now() })) {
      if (r.ok) events.push(r.event);
      else failed++;
    }
  }
  out(
    `Vigil demo: a CI user's access key leaks; ${stories.length} EventBridge events (attack, ordinary work, a GuardDuty finding).`,
  );
  out(`Normalised to OCSF: ${events.length} events, ${failed} failed.`);

  let report: Awaited<ReturnType<typeof replayEvents>>;
  try {
    report = await replayEvents(events, { lines: stories.length, rejected: failed }, { batchSize: 25 });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    out(`Could not run the pipeline on DynamoDB Local: ${why}`);
    return 1;
  }
  out(`Detected ${report.stats.signals} signals; ${report.incidents.length} incident(s) opened.`);
  for (const i of report.incidents) {
    out();
    out(`[${i.severity.toUpperCase()}] ${i.title}`);
    out(
      `  risk ${i.risk} · ${i.signals.length} signals · first event ${i.first_event_at} · opened ${i.opened_at} (MTTD ${i.mttd_seconds} s)`,
    );
    for (const s of i.signals)
      out(`  ${s.time.slice(11, 19)}  ${s.severity.padEnd(8)} ${s.title}  [${s.attack.join(', ')}]`);
    const n = i.narrative;
    out();
    out(`  Narrative (${n.generated_by}, ${n.claims.length} claims, each citing its evidence):`);
    out(`  ${n.summary}`);
    for (const p of n.playbooks) out(`  → recommended: ${p.id} on ${p.target.id}`);
  }
  out();
  out('Not built yet: response playbooks with approval links (#5), the console (#6).');
  out('Full incident JSON: npx vigil replay --story --json');
  return 0;
}
