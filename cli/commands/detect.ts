import { defaultEnricher } from '../../shared/enrich/index.ts';
import { normalise } from '../../shared/normalise/index.ts';
import { LineWriter, parseLine, readLines, unwrapEvent } from '../ndjson.ts';

interface DetectLine {
  line: number;
  source?: string;
  class_uid?: number;
  signals: unknown[];
  error?: string;
}

/**
 * `vigil detect FILE`: normalise then detect, in order, one line per input line. The detection
 * catalogue lands with issue #3; until then every line reports `signals: []`, honestly.
 */
export async function detectCommand(file: string): Promise<number> {
  const ctx = { enrich: defaultEnricher() };
  const out = new LineWriter(process.stdout);
  for await (const { line, text } of readLines(file)) {
    const parsed = parseLine(text);
    if (!parsed.ok) {
      await out.write(JSON.stringify({ line, signals: [], error: parsed.error } satisfies DetectLine));
      continue;
    }
    const results = normalise(unwrapEvent(parsed.value), ctx);
    const first = results.find((r) => r.ok);
    const errors = results.flatMap((r) => (r.ok ? [] : [r.error.message]));
    const row: DetectLine = { line, signals: [] };
    if (first?.ok) {
      row.source = first.event.source;
      row.class_uid = first.event.ocsf.class_uid;
    }
    if (errors.length > 0) row.error = errors.join('; ');
    await out.write(JSON.stringify(row));
  }
  await out.flush();
  return 0;
}
