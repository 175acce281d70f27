import { sigmaDetections } from '../../local/detection-runtime.ts';
import { evaluate } from '../../local/evaluate.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';

export interface EvalOptions {
  dir: string;
  json: boolean;
  /** Native detections only, without the compiled Sigma rules. */
  nativeOnly: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** `vigil eval [DIR]`: detection and false-positive rates per source over labelled records. */
export async function evalCommand(opts: EvalOptions): Promise<number> {
  const sigma = opts.nativeOnly ? [] : sigmaDetections();
  const scores = await evaluate(opts.dir, [...CATALOGUE, ...sigma]);
  const what = { native: CATALOGUE.length, sigma: sigma.length };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ dir: opts.dir, detections: what, scores }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${what.native} native + ${what.sigma} Sigma detections over ${opts.dir}\n\n`);
  process.stdout.write(
    'source         expect_alert:true → signal ≥ medium   expect_alert:false → signal ≥ medium\n',
  );
  for (const s of scores) {
    process.stdout.write(
      `${s.source.padEnd(14)} ${`${s.alertingDetected}/${s.alerting}`.padStart(9)}  ${pct(s.detectionRate).padStart(6)}` +
        `                 ${`${s.benignDetected}/${s.benign}`.padStart(9)}  ${pct(s.falsePositiveRate).padStart(6)}\n`,
    );
  }
  const unreadable = scores.flatMap((s) => s.unreadable);
  if (unreadable.length > 0) {
    process.stdout.write(`\n${unreadable.length} unreadable line(s), counted in neither share:\n`);
    for (const u of unreadable) process.stdout.write(`  ${u}\n`);
  }
  return 0;
}
