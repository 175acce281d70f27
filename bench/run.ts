/**
 * Entry point of the throughput benchmark, bundled by `vigil bench` exactly as the Lambda functions
 * are (esbuild, ESM, node22, minified) and run in a fresh Node process: the figures are those of
 * the code that ships, not of the TypeScript loader the CLI uses.
 */
import { readFileSync } from 'node:fs';
import { CATALOGUE } from '../shared/detect/catalogue/index.ts';
import { loadSigmaRules } from '../shared/sigma/index.ts';
import { cloudTrailLines } from './cloudtrail-stream.ts';
import { benchDetect, benchNormalise } from './normalise.ts';

interface Args {
  events: number;
  rounds: number;
  file?: string;
  sigmaDir?: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const lines = args.file
  ? readFileSync(args.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
  : cloudTrailLines(args.events);
const sigma = args.sigmaDir
  ? loadSigmaRules(args.sigmaDir, { products: ['aws', 'okta', 'github'] }).detections
  : [];
const normalise = benchNormalise(lines, args.rounds);
const detect = benchDetect(lines, [...CATALOGUE, ...sigma], args.rounds);
process.stdout.write(`${JSON.stringify({ normalise, detect, sigmaDetections: sigma.length })}\n`);
