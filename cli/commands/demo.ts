import { attackStory } from '../../local/story/attack-story.ts';
import { defaultEnricher } from '../../shared/enrich/index.ts';
import { normalise } from '../../shared/normalise/index.ts';

export interface DemoOptions {
  exitAfterReplay: boolean;
}

/**
 * `vigil demo`. The full local SOC (DynamoDB Local, detections, incidents, narratives, the
 * console and approvals) is built in issues #3–#6. Until then the demo says so plainly and
 * replays the built-in attack story through normalisation, so the command exists and is true.
 */
export async function demoCommand(_opts: DemoOptions): Promise<number> {
  const events = attackStory();
  const ctx = { enrich: defaultEnricher(), receivedAt: Date.now() };
  const byClass = new Map<string, number>();
  let failed = 0;
  for (const e of events) {
    for (const r of normalise(e, ctx)) {
      if (!r.ok) {
        failed++;
        continue;
      }
      const key = `${r.event.ocsf.class_uid} ${r.event.ocsf.class_name ?? ''}`.trim();
      byClass.set(key, (byClass.get(key) ?? 0) + 1);
    }
  }
  const out = process.stdout;
  out.write(
    'Vigil demo — not built yet: detections, incidents, the console and approvals land in the next issues.\n',
  );
  out.write(
    `Replayed the built-in attack story (${events.length} EventBridge events) through OCSF normalisation:\n`,
  );
  for (const [k, n] of [...byClass].sort()) out.write(`  ${String(n).padStart(4)}  ${k}\n`);
  out.write(`  ${String(failed).padStart(4)}  failed (quarantined in a deployment)\n`);
  out.write('Try: npx vigil normalise ../shared/data/labelled/panther_aws_cloudtrail.ndjson | head -1\n');
  return failed === 0 ? 0 : 1;
}
