import { defaultEnricher } from '../../shared/enrich/index.ts';
import { type NormaliseResult, normalise } from '../../shared/normalise/index.ts';
import { LineWriter, parseLine, readLines, unwrapEvent } from '../ndjson.ts';

/** The OCSF event as written out: `raw_data` holds the raw record, serialised only here. */
const withRaw = (r: Extract<NormaliseResult, { ok: true }>) => ({
  ...r.event.ocsf,
  raw_data: JSON.stringify(r.event.raw),
});

const describe = (r: NormaliseResult) => (r.ok ? withRaw(r) : { error: r.error.message });

/** `vigil normalise FILE`: one NDJSON line per input line (contract in docs/architecture.md). */
export async function normaliseCommand(file: string): Promise<number> {
  const ctx = { enrich: defaultEnricher() };
  const out = new LineWriter(process.stdout);
  for await (const { line, text } of readLines(file)) {
    const parsed = parseLine(text);
    if (!parsed.ok) {
      await out.write(JSON.stringify({ line, error: parsed.error }));
      continue;
    }
    const results = normalise(unwrapEvent(parsed.value), { ...ctx, receivedAt: Date.now() });
    const [only] = results;
    if (results.length === 1 && only) {
      await out.write(JSON.stringify(only.ok ? withRaw(only) : { line, error: only.error.message }));
    } else if (results.length === 0) {
      await out.write(JSON.stringify({ line, error: 'no records in input' }));
    } else {
      await out.write(JSON.stringify({ line, events: results.map(describe) }));
    }
  }
  await out.flush();
  return 0;
}
