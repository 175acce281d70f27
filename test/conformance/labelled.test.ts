import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrapEvent } from '../../cli/ndjson.ts';
import { loadOcsfSchema, validateOcsf } from '../../shared/ocsf/validate.ts';

/**
 * Acceptance: `npx vigil normalise FILE` on every labelled file writes one line per input line;
 * for the AWS, Okta and GitHub files at least 99% of the records are OCSF events that pass the
 * compiled-schema validator and the rest carry a clear error; every other file's lines are valid
 * OCSF or a clear error. Prints the figures per file.
 */

const ROOT = process.cwd();
const LABELLED = path.resolve(ROOT, '../shared/data/labelled');
const schema = loadOcsfSchema(path.resolve(ROOT, '../shared/data/ocsf/schema-1.1.0.compiled.json'));

/**
 * The script `npx vigil` runs: the package's own `bin` entry. npm does not link a root package's
 * bin into its own node_modules/.bin, so it is started here with this process's Node (22, from
 * node_modules/.bin under `npx vitest`), exactly as npx would.
 */
const VIGIL = path.resolve(ROOT, JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).bin.vigil);

/** Files held to the 99% bar: the sources with dedicated normalisers. */
const DEDICATED = new Set([
  'panther_aws_cloudtrail',
  'panther_aws_guardduty',
  'panther_aws_securityhub_asff',
  'guardduty_findings_eventbridge',
  'securityhub_findings_eventbridge',
  'panther_okta_systemlog',
  'panther_github_audit',
]);
const MIN_VALID = 0.99;
const CONCURRENCY = 4;

const files = readdirSync(LABELLED)
  .filter((f) => f.endsWith('.ndjson'))
  .sort();

interface Outcome {
  file: string;
  inputLines: number;
  outputLines: number;
  /** Input records with no fields at all (`{}`): nothing to normalise, so they must be errors. */
  empty: number;
  valid: number;
  errors: number;
  /** Problems that break the contract: invalid OCSF, unclear errors, wrong line numbers. */
  problems: string[];
}

const runFile = promisify(execFile);
const outcomes = new Map<string, Outcome>();

async function normaliseFile(file: string): Promise<Outcome> {
  const input = readFileSync(path.join(LABELLED, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const { stdout } = await runFile(process.execPath, [VIGIL, 'normalise', path.join(LABELLED, file)], {
    cwd: ROOT,
    maxBuffer: 512 * 1024 * 1024,
  });
  const output = stdout.split('\n').filter((l) => l !== '');
  const outcome: Outcome = {
    file: file.replace(/\.ndjson$/, ''),
    inputLines: input.length,
    outputLines: output.length,
    empty: input.filter(isEmptyRecord).length,
    valid: 0,
    errors: 0,
    problems: [],
  };
  output.forEach((text, i) => {
    judgeLine(JSON.parse(text), i + 1, outcome);
  });
  return outcome;
}

function isEmptyRecord(line: string): boolean {
  try {
    const record = unwrapEvent(JSON.parse(line));
    return typeof record === 'object' && record !== null && Object.keys(record).length === 0;
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isClearError = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '';

/** One output line: an OCSF event, `{"line", "error"}`, or `{"line", "events": [...]}` (valid when all are). */
function judgeLine(value: unknown, line: number, outcome: Outcome): void {
  if (!isObject(value)) {
    outcome.problems.push(`line ${line}: output is not a JSON object`);
    return;
  }
  if ('error' in value || 'events' in value) {
    if (value.line !== line) outcome.problems.push(`line ${line}: says it is line ${String(value.line)}`);
  }
  if ('error' in value) {
    outcome.errors++;
    if (!isClearError(value.error)) outcome.problems.push(`line ${line}: error without a reason`);
    return;
  }
  const events = Array.isArray(value.events) ? value.events : [value];
  let allValid = events.length > 0;
  for (const [n, event] of events.entries()) {
    const at = Array.isArray(value.events) ? `line ${line} event ${n}` : `line ${line}`;
    if (isObject(event) && 'error' in event && !('class_uid' in event)) {
      allValid = false;
      if (!isClearError(event.error)) outcome.problems.push(`${at}: error without a reason`);
      continue;
    }
    const problems = validateOcsf(event, schema);
    if (problems.length > 0) {
      allValid = false;
      outcome.problems.push(
        `${at} (class ${String(isObject(event) ? event.class_uid : '?')}): ${problems.join('; ')}`,
      );
    }
  }
  if (allValid) outcome.valid++;
  else outcome.errors++;
}

/** A command that exits non-zero fails its file's tests with the reason, not the whole run. */
function crashed(file: string, e: unknown): Outcome {
  const reason = e instanceof Error ? e.message.slice(0, 500) : String(e);
  const outcome: Outcome = {
    file,
    inputLines: -1,
    outputLines: 0,
    empty: 0,
    valid: 0,
    errors: 0,
    problems: [],
  };
  outcome.problems.push(`vigil normalise failed: ${reason}`);
  return outcome;
}

/** Runs the command on every file, a few processes at a time. */
async function normaliseAll(): Promise<void> {
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      outcomes.set(file, await normaliseFile(file).catch((e: unknown) => crashed(file, e)));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** The share of records that became valid OCSF; `{}` records have nothing to normalise and are not counted. */
const validShare = (o: Outcome): number => o.valid / Math.max(1, o.inputLines - o.empty);

function printTable(): void {
  const rows = [...outcomes.values()].map((o) => [
    `${o.file}${DEDICATED.has(o.file) ? ' *' : ''}`,
    String(o.inputLines),
    String(o.valid),
    String(o.errors),
    String(o.empty),
    `${(validShare(o) * 100).toFixed(1)}%`,
  ]);
  const header = [
    'file (* = held to 99%)',
    'lines',
    'valid OCSF',
    'errors',
    'of which {}',
    '% valid (excl. {})',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(['', format(header), ...rows.map(format)].join('\n'));
}

describe('vigil normalise over every labelled file', () => {
  beforeAll(normaliseAll, 300_000);
  afterAll(printTable);

  it('found the labelled files, including every one held to 99%', () => {
    const names = files.map((f) => f.replace(/\.ndjson$/, ''));
    for (const name of DEDICATED) expect(names).toContain(name);
  });

  it.each(files)('%s: one output line per input line, each valid OCSF or a clear error', (file) => {
    const o = outcomes.get(file);
    expect(o, 'the command ran').toBeDefined();
    if (!o) return;
    expect(o.outputLines).toBe(o.inputLines);
    expect(o.problems.slice(0, 20)).toEqual([]);
    expect(o.valid + o.errors).toBe(o.inputLines);
    // A record with no fields cannot be an event: it must be one of the errors.
    expect(o.errors).toBeGreaterThanOrEqual(o.empty);
  });

  it.each(files.filter((f) => DEDICATED.has(f.replace(/\.ndjson$/, ''))))(
    '%s: at least 99% of the records are valid OCSF',
    (file) => {
      const o = outcomes.get(file);
      expect(o).toBeDefined();
      if (o) expect(validShare(o)).toBeGreaterThanOrEqual(MIN_VALID);
    },
  );
});
