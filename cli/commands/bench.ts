import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { DetectFigures, ThroughputFigures } from '../../bench/normalise.ts';
import { writeCost } from '../../bench/writes.ts';
import { sigmaRulesDir } from '../../local/detection-runtime.ts';
import { unwrapEvent } from '../ndjson.ts';

export interface BenchOptions {
  events: number;
  file?: string;
  json: boolean;
  rounds: number;
  /** Skip the DynamoDB write-cost run (it needs Java for DynamoDB Local). */
  noWrites: boolean;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Inside node_modules, so the bundle resolves packages kept external (geoip-country) as a Lambda would. */
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'vigil-bench');

/**
 * Bundles bench/run.ts the way the Lambda functions are bundled and returns its path. The
 * enrichment data travels beside the bundle, as it does in the function package.
 */
async function bundle(): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, 'run.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench', 'run.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    outfile,
    external: ['geoip-country'],
    banner: {
      js: "import { createRequire as __vigilRequire } from 'node:module'; const require = __vigilRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  cpSync(join(ROOT, 'shared', 'enrich', 'data'), join(OUT_DIR, 'data'), { recursive: true });
  return outfile;
}

/**
 * Lines of a given NDJSON file, wrappers removed, so the baseline parses exactly what normalise
 * sees. Lines that are not JSON cannot be timed by either pass: they are left out and counted.
 */
function unwrappedCopy(file: string): { path: string; skipped: number } {
  let skipped = 0;
  const lines: string[] = [];
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (l.trim() === '') continue;
    try {
      lines.push(JSON.stringify(unwrapEvent(JSON.parse(l))));
    } catch {
      skipped++;
    }
  }
  const out = join(OUT_DIR, 'input.ndjson');
  writeFileSync(out, `${lines.join('\n')}\n`);
  return { path: out, skipped };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `vigil bench`: throughput as ratios against bare JSON.parse of the same stream, same run; write cost. */
export async function benchCommand(opts: BenchOptions): Promise<number> {
  const outfile = await bundle();
  const sigmaDir = sigmaRulesDir();
  const input = opts.file ? unwrappedCopy(opts.file) : undefined;
  if (input?.skipped)
    process.stderr.write(
      `vigil bench: ${input.skipped} line(s) of ${opts.file} are not JSON and were left out\n`,
    );
  const args = {
    events: opts.events,
    rounds: opts.rounds,
    ...(input ? { file: input.path } : {}),
    ...(sigmaDir ? { sigmaDir } : {}),
  };
  const child = spawnSync(process.execPath, [outfile, JSON.stringify(args)], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    return 1;
  }
  const { normalise: n, detect: d } = JSON.parse(child.stdout) as {
    normalise: ThroughputFigures;
    detect: DetectFigures;
  };
  const writes = opts.noWrites ? undefined : await writeCost();
  const stream = opts.file ?? `synthetic CloudTrail (seeded), ${fmt(n.events)} events`;

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ stream, normalise: n, detect: d, writes }, null, 2)}\n`);
    return 0;
  }
  const rows: [string, string][] = [
    ['stream', stream],
    ['events / avg size', `${fmt(n.events)} / ${fmt(n.bytes / n.events)} B`],
    ['build measured', 'esbuild bundle as shipped (ESM, node22, minified)'],
    ['JSON.parse only (baseline)', `${fmt(n.parseEventsPerSec)} events/s per core`],
    ['parse + normalise + enrich', `${fmt(n.normaliseEventsPerSec)} events/s per core`],
    ['  ratio (goal ≥ 0.6)', n.ratio.toFixed(2)],
    [
      '  normalised ok / failed / with country',
      `${fmt(n.normalisedOk)} / ${fmt(n.normalisedFailed)} / ${fmt(n.withCountry)}`,
    ],
    ['JSON.parse only (baseline, detect run)', `${fmt(d.parseEventsPerSec)} events/s per core`],
    [`… + detect (${d.detections} detections)`, `${fmt(d.detectEventsPerSec)} events/s per core`],
    ['  ratio (goal ≥ 0.6)', d.ratio.toFixed(2)],
    ['  signals', fmt(d.signals)],
    ['rounds (median)', String(n.rounds)],
  ];
  if (writes) {
    rows.push(
      ['write cost stream', writes.stream],
      [
        '  warm-up: writes / events',
        `${fmt(writes.warmup.writes)} / ${fmt(writes.warmup.events)} = ${writes.warmup.writesPerEvent.toFixed(4)} per event (profiles learnt)`,
      ],
      [
        '  steady: writes / events',
        `${fmt(writes.steady.writes)} / ${fmt(writes.steady.events)} = ${writes.steady.writesPerEvent.toFixed(4)} per event`,
      ],
      ['  steady writes per event (goal ≤ 0.02)', writes.steady.writesPerEvent.toFixed(4)],
      [
        '  signals (warm-up / steady) / incidents',
        `${fmt(writes.warmup.signals)} / ${fmt(writes.steady.signals)} / ${writes.incidents}`,
      ],
    );
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  return 0;
}
