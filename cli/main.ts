import { parseArgs } from 'node:util';
import { benchCommand } from './commands/bench.ts';
import { catalogueCommand } from './commands/catalogue.ts';
import { demoCommand } from './commands/demo.ts';
import { detectCommand } from './commands/detect.ts';
import { evalCommand } from './commands/eval.ts';
import { normaliseCommand } from './commands/normalise.ts';
import { replayCommand } from './commands/replay.ts';

const USAGE = `usage: vigil <command> [options]

commands:
  demo                 run the local SOC on a built-in attack story (no AWS account needed)
                       [--exit-after-replay] [--data-dir DIR] [--port N]
  normalise FILE       NDJSON events → one OCSF event (or {"line","error"}) per input line
  detect FILE          NDJSON events → normalise + detect, one result line per input line
  replay FILE…         the whole pipeline (normalise, detect, correlate on a local DynamoDB)
                       [--story] [--json] [--batch-size N]
  catalogue            the detection catalogue and Sigma figures, as Markdown [--readme]
  eval [DIR]           detection and false-positive rates per source on labelled records
                       (default DIR: ../shared/data/labelled) [--json] [--native-only]
  bench                throughput against bare JSON.parse of the same stream
                       [--events N] [--file FILE] [--rounds N] [--json] [--no-writes]

FILE may be - for standard input. Input lines may be raw records, EventBridge envelopes,
S3 delivery files {"Records": [...]}, or {"event": ...} wrappers.`;

class UsageError extends Error {}

const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} takes a positive whole number, got "${value}"`);
  return n;
};

const oneFile = (positionals: string[], command: string): string => {
  const [file, ...rest] = positionals;
  if (!file || rest.length > 0)
    throw new UsageError(`vigil ${command} takes exactly one FILE (or - for stdin)`);
  return file;
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'normalise':
      case 'normalize':
        return await normaliseCommand(
          oneFile(parseArgs({ args: rest, allowPositionals: true }).positionals, command),
        );
      case 'detect':
        return await detectCommand(
          oneFile(parseArgs({ args: rest, allowPositionals: true }).positionals, command),
        );
      case 'replay': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            story: { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
            'batch-size': { type: 'string' },
          },
        });
        if (!values.story && positionals.length === 0)
          throw new UsageError('vigil replay takes FILE… or --story');
        return await replayCommand({
          files: positionals,
          story: values.story ?? false,
          json: values.json ?? false,
          batchSize: positiveInt('batch-size', values['batch-size'], 500),
        });
      }
      case 'catalogue': {
        const { values } = parseArgs({
          args: rest,
          options: { readme: { type: 'boolean', default: false } },
        });
        return await catalogueCommand({ readme: values.readme ?? false });
      }
      case 'eval': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            json: { type: 'boolean', default: false },
            'native-only': { type: 'boolean', default: false },
          },
        });
        if (positionals.length > 1) throw new UsageError('vigil eval takes at most one DIR');
        return await evalCommand({
          dir: positionals[0] ?? '../shared/data/labelled',
          json: values.json ?? false,
          nativeOnly: values['native-only'] ?? false,
        });
      }
      case 'bench': {
        const { values } = parseArgs({
          args: rest,
          options: {
            events: { type: 'string' },
            file: { type: 'string' },
            rounds: { type: 'string' },
            json: { type: 'boolean', default: false },
            'no-writes': { type: 'boolean', default: false },
          },
        });
        return await benchCommand({
          noWrites: values['no-writes'] ?? false,
          events: positiveInt('events', values.events, 100_000),
          rounds: positiveInt('rounds', values.rounds, 5),
          json: values.json ?? false,
          ...(values.file ? { file: values.file } : {}),
        });
      }
      case 'demo': {
        const { values } = parseArgs({
          args: rest,
          options: {
            'exit-after-replay': { type: 'boolean', default: false },
            'data-dir': { type: 'string' },
            port: { type: 'string' },
          },
        });
        return await demoCommand({
          exitAfterReplay: values['exit-after-replay'] ?? false,
          ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
          ...(values.port !== undefined ? { port: positiveInt('port', values.port, 8787) } : {}),
        });
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    // parseArgs reports unknown options with ERR_PARSE_ARGS_* codes: those are usage errors too.
    const code = (e as { code?: string }).code ?? '';
    if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`vigil: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    if (code === 'ENOENT') {
      process.stderr.write(`vigil: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
