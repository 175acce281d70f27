import { readFile } from 'node:fs/promises';
import { cloudTrailLines } from '../../bench/cloudtrail-stream.ts';
import { benchNormalise } from '../../bench/normalise.ts';
import { unwrapEvent } from '../ndjson.ts';

export interface BenchOptions {
  events: number;
  file?: string;
  json: boolean;
  rounds: number;
}

/** Lines of a given NDJSON file, wrappers removed, so the baseline parses exactly what normalise sees. */
async function linesOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.stringify(unwrapEvent(JSON.parse(l)));
      } catch {
        return l; // kept as is: both passes meet the same bad line
      }
    });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `vigil bench`: throughput as a ratio against bare JSON.parse of the same stream, same run. */
export async function benchCommand(opts: BenchOptions): Promise<number> {
  const lines = opts.file ? await linesOf(opts.file) : cloudTrailLines(opts.events);
  const stream = opts.file ?? `synthetic CloudTrail (seeded), ${fmt(lines.length)} events`;
  const n = benchNormalise(lines, opts.rounds);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ stream, normalise: n }, null, 2)}\n`);
    return 0;
  }
  const avg = n.bytes / n.events;
  const rows = [
    ['stream', stream],
    ['events / avg size', `${fmt(n.events)} / ${fmt(avg)} B`],
    ['JSON.parse only (baseline)', `${fmt(n.parseEventsPerSec)} events/s per core`],
    ['parse + normalise + enrich', `${fmt(n.normaliseEventsPerSec)} events/s per core`],
    ['ratio (goal ≥ 0.6)', n.ratio.toFixed(2)],
    ['normalised ok / failed', `${fmt(n.normalisedOk)} / ${fmt(n.normalisedFailed)}`],
    ['rounds (median)', String(n.rounds)],
  ];
  const width = Math.max(...rows.map(([k]) => (k ?? '').length));
  for (const [k, v] of rows) process.stdout.write(`${(k ?? '').padEnd(width)}  ${v}\n`);
  return 0;
}
