import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransientError, ValidationError } from '../errors.ts';
import { type IndicatorLoad, type IndicatorSource, parseIndicators } from './threat-intel.ts';

const SOURCE = 'enrich.indicator-file';

/**
 * The sample indicators shipped for the demo: documentation ranges and example domains only.
 * Resolved from this module, not the working directory, so every entry point finds it. A bundled
 * Lambda must copy `data/` next to its bundle for this path to exist.
 */
export const SAMPLE_INDICATORS_PATH = fileURLToPath(
  new URL('./data/indicators.sample.ndjson', import.meta.url),
);

/** Indicators from an NDJSON file, read on each `load()`. */
export const fileIndicatorSource = (path: string): IndicatorSource => ({
  name: `file:${basename(path)}`,
  load: async () => {
    try {
      return parseIndicators(await readFile(path, 'utf8'));
    } catch (e) {
      throw readFailure(path, e);
    }
  },
});

/** The same, synchronously: for lazy first-use loading inside a synchronous enricher. */
export function readIndicatorFileSync(path: string): IndicatorLoad {
  try {
    return parseIndicators(readFileSync(path, 'utf8'));
  } catch (e) {
    throw readFailure(path, e);
  }
}

/** A file that is absent or unreadable stays so on retry; other I/O faults may pass. */
function readFailure(path: string, e: unknown): Error {
  const code = String((e as { code?: unknown } | null)?.code ?? 'unknown');
  const permanent = ['ENOENT', 'EISDIR', 'EACCES', 'EPERM'].includes(code);
  const Kind = permanent ? ValidationError : TransientError;
  return new Kind('indicator file could not be read', SOURCE, { file: basename(path), code });
}
