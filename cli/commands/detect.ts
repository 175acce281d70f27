import { localDetection, sigmaDetections } from '../../local/detection-runtime.ts';
import type { Signal } from '../../shared/detect/types.ts';
import { memoryWindow } from '../../shared/detect/window.ts';
import { defaultEnricher } from '../../shared/enrich/index.ts';
import { normalise } from '../../shared/normalise/index.ts';
import { LineWriter, parseLine, readLines, unwrapEvent } from '../ndjson.ts';

interface DetectLine {
  line: number;
  source?: string;
  class_uid?: number;
  signals: Pick<Signal, 'rule_id' | 'title' | 'severity' | 'risk' | 'attack'>[];
  error?: string;
}

/**
 * `vigil detect FILE`: normalise then detect, in input order, with state (burst windows span
 * lines), one line per input line. Detections: the native catalogue and the compiled Sigma rules.
 */
export async function detectCommand(file: string): Promise<number> {
  const ctx = { enrich: defaultEnricher() };
  const detection = localDetection({ extra: sigmaDetections() });
  const context = { window: memoryWindow(), config: detection.config };
  const out = new LineWriter(process.stdout);
  for await (const { line, text } of readLines(file)) {
    const parsed = parseLine(text);
    if (!parsed.ok) {
      await out.write(JSON.stringify({ line, signals: [], error: parsed.error } satisfies DetectLine));
      continue;
    }
    const row: DetectLine = { line, signals: [] };
    const errors: string[] = [];
    for (const r of normalise(unwrapEvent(parsed.value), { ...ctx, receivedAt: Date.now() })) {
      if (!r.ok) {
        errors.push(r.error.message);
        continue;
      }
      row.source ??= r.event.source;
      row.class_uid ??= r.event.ocsf.class_uid;
      detection.learnAccount(r.event.ocsf.cloud?.account?.uid);
      for (const s of detection.engine.run(r.event, context)) {
        row.signals.push({
          rule_id: s.rule_id,
          title: s.title,
          severity: s.severity,
          risk: s.risk,
          attack: s.attack,
        });
      }
    }
    if (errors.length > 0) row.error = errors.join('; ');
    await out.write(JSON.stringify(row));
  }
  await out.flush();
  return 0;
}
