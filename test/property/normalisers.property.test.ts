/**
 * Normalisers are total: for any input, `{ok: true}` with a well-formed OCSF event or `{ok: false}`
 * with a ValidationError, never a throw. Inputs are arbitrary values and real labelled records
 * mutated at any depth (keys deleted, values swapped for other types, key case changed, hostile
 * keys added). Enrichment runs for real, so it is fuzzed along with them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  buildIntelMatcher,
  geoipCountryLookup,
  makeEnricher,
  SAMPLE_INDICATORS_PATH,
} from '../../shared/enrich/index.ts';
import { readIndicatorFileSync } from '../../shared/enrich/indicator-file.ts';
import { describeError, ValidationError } from '../../shared/errors.ts';
import { normaliseCloudTrail } from '../../shared/normalise/cloudtrail.ts';
import { normaliseGeneric } from '../../shared/normalise/generic.ts';
import { normaliseGitHubAudit } from '../../shared/normalise/github.ts';
import { normaliseGuardDuty } from '../../shared/normalise/guardduty.ts';
import { type NormaliseContext, type NormaliseResult, normalise } from '../../shared/normalise/index.ts';
import { normaliseOkta } from '../../shared/normalise/okta.ts';
import { normaliseSecurityHub } from '../../shared/normalise/securityhub.ts';
import type { Normaliser } from '../../shared/normalise/types.ts';

const NUM_RUNS = 10_000;
/** Generous, not a performance assertion: 10,000 runs must not trip vitest's default on a slow runner. */
const TIMEOUT_MS = 180_000;
const LABELLED = path.resolve(process.cwd(), '../shared/data/labelled');

// ---------------------------------------------------------------------------------------------
// Real records

interface Sample {
  /** `file:line`, so a counterexample names the record it started from. */
  origin: string;
  record: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function samples(file: string, select: (event: unknown) => unknown[] = (e) => [e]): Sample[] {
  return readFileSync(path.join(LABELLED, file), 'utf8')
    .split('\n')
    .flatMap((line, i) =>
      line.trim()
        ? select(JSON.parse(line).event).map((record) => ({ origin: `${file}:${i + 1}`, record }))
        : [],
    );
}

const detail = (e: unknown): unknown[] => [isObject(e) ? e.detail : e];
const findings = (e: unknown): unknown[] => {
  const list = isObject(e) && isObject(e.detail) ? e.detail.findings : undefined;
  return Array.isArray(list) ? list : [];
};

const CLOUDTRAIL = samples('panther_aws_cloudtrail.ndjson');
const GUARDDUTY = [
  ...samples('panther_aws_guardduty.ndjson'),
  ...samples('guardduty_findings_eventbridge.ndjson', detail),
];
const SECURITYHUB = [
  ...samples('panther_aws_securityhub_asff.ndjson'),
  ...samples('securityhub_findings_eventbridge.ndjson', findings),
];
const OKTA = samples('panther_okta_systemlog.ndjson');
const GITHUB = [...samples('panther_github_audit.ndjson'), ...samples('panther_github_webhook.ndjson')];
const ALL_FILES = readdirSync(LABELLED).filter((f) => f.endsWith('.ndjson'));
const DEDICATED = new Set([
  'panther_aws_cloudtrail.ndjson',
  'panther_aws_guardduty.ndjson',
  'guardduty_findings_eventbridge.ndjson',
  'panther_aws_securityhub_asff.ndjson',
  'securityhub_findings_eventbridge.ndjson',
  'panther_okta_systemlog.ndjson',
  'panther_github_audit.ndjson',
  'panther_github_webhook.ndjson',
]);
const OTHER = ALL_FILES.filter((f) => !DEDICATED.has(f)).flatMap((f) => samples(f));
/** What the dispatcher sees: records as delivered (EventBridge envelopes included) and S3 `Records` files. */
const DELIVERED = [
  ...ALL_FILES.flatMap((f) => samples(f)),
  ...CLOUDTRAIL.slice(0, 20).map((s, i) => ({
    origin: `Records[${s.origin}, ${CLOUDTRAIL[i + 20]?.origin}]`,
    record: { Records: [s.record, CLOUDTRAIL[i + 20]?.record] },
  })),
];

// ---------------------------------------------------------------------------------------------
// Hostile values

/** A long string, generated as unit × times and printed that way, so a counterexample stays readable. */
class HugeString {
  constructor(
    readonly unit: string,
    readonly times: number,
  ) {}
  materialise(): string {
    return this.unit.repeat(this.times);
  }
  [fc.toStringMethod](): string {
    return `${JSON.stringify(this.unit)}.repeat(${this.times})`;
  }
}

const hugeString = fc
  .record({ unit: fc.string({ minLength: 1, maxLength: 4 }), times: fc.integer({ min: 1_000, max: 25_000 }) })
  .map(({ unit, times }) => new HugeString(unit, times));

const oddDate = fc.constantFrom(
  '2025-02-30T25:61:00Z',
  '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2025-02-19 20:13:49',
  '2025-02-19T20:13:49.123456789+14:00',
  '19/02/2025 20:13',
  'Tue, 19 Feb 2025 20:13:49 GMT',
  '2025-W08-3',
  '1739996029',
  '1739996029000',
  '1e400',
  'NaN',
  'Infinity',
  'now',
  'T',
  '',
);

const oddNumber = fc.constantFrom(
  0,
  -0,
  -1,
  0.5,
  1e21,
  8.64e15 + 1,
  -8.64e15 - 1,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
);

/** Strings the enricher reads specially, valid and not. */
const addressLike = fc.oneof(
  fc.constantFrom(
    '075.050.255.67',
    'AWS Internal',
    'ec2.amazonaws.com',
    '::ffff:8.8.8.8',
    '::ffff:169.254.169.254',
    '169.254.169.254',
    '203.0.113.9',
    '2001:db8:bad::1',
    'fe80::1%eth0',
    'c2.example.com',
    '8.8.8.8',
    '52.42.146.205',
  ),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc.domain(),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  fc.constant(undefined),
  fc.boolean(),
  oddNumber,
  fc.double(),
  fc.integer(),
  oddDate,
  addressLike,
  fc.string({ maxLength: 40 }),
  hugeString,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const oddKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '',
    ' ',
    'Records',
    'detail',
    'detail-type',
    'findings',
    'eventSource',
    'eventName',
    'sourceIPAddress',
    'type',
    'id',
  ),
  fc.string({ maxLength: 12 }),
);

// ---------------------------------------------------------------------------------------------
// Mutations of real records

/** Each number picks a child at one level (modulo its key count), so a path reaches any depth. */
const childPath = fc.array(fc.nat(), { maxLength: 8 });

type Mutation =
  | { op: 'delete'; at: number[] }
  | { op: 'replace'; at: number[]; value: unknown }
  | { op: 'case'; at: number[]; style: 'upper' | 'lower' | 'swap' }
  | { op: 'add'; at: number[]; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: childPath }),
  {
    arbitrary: fc.record({ op: fc.constant('replace' as const), at: childPath, value: hostileValue }),
    weight: 3,
  },
  fc.record({
    op: fc.constant('case' as const),
    at: childPath,
    style: fc.constantFrom('upper', 'lower', 'swap'),
  }),
  fc.record({ op: fc.constant('add' as const), at: childPath, key: oddKey, value: hostileValue }),
);

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;
const materialise = (v: unknown): unknown => (v instanceof HugeString ? v.materialise() : structuredClone(v));

/**
 * Sets an own property even for `__proto__`, as JSON.parse does. Named keys go on objects only:
 * JSON cannot give an array an own `constructor`, so the fuzz does not either.
 */
const define = (target: Container, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

/** The parent and key the path leads to; stops early at a leaf or an empty container. */
function locate(root: unknown, at: number[]): { parent: Container; key: string } | undefined {
  let node = root;
  let found: { parent: Container; key: string } | undefined;
  for (const pick of at) {
    if (!isContainer(node)) break;
    const keys = Object.keys(node);
    const key = keys[pick % Math.max(keys.length, 1)];
    if (key === undefined) break;
    found = { parent: node, key };
    node = (node as Record<string, unknown>)[key];
  }
  return found;
}

const recase = (key: string, style: 'upper' | 'lower' | 'swap'): string =>
  style === 'upper'
    ? key.toUpperCase()
    : style === 'lower'
      ? key.toLowerCase()
      : [...key].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

/** Applies one mutation; returns the (possibly new) root. */
function mutate(root: unknown, m: Mutation): unknown {
  const target = locate(root, m.at);
  if (!target) {
    // The path selected the record itself.
    if (m.op === 'replace') return materialise(m.value);
    if (m.op === 'add' && isObject(root)) define(root, m.key, materialise(m.value));
    return root;
  }
  const { parent, key } = target;
  const record = parent as Record<string, unknown>;
  switch (m.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete record[key];
      break;
    case 'replace':
      define(parent, key, materialise(m.value));
      break;
    case 'case': {
      const renamed = recase(key, m.style);
      if (renamed !== key && !Array.isArray(parent)) {
        const value = record[key];
        delete record[key];
        define(parent, renamed, value);
      }
      break;
    }
    case 'add': {
      const child = record[key];
      const host = isObject(child) ? child : isObject(parent) ? parent : undefined;
      if (host) define(host, m.key, materialise(m.value));
      break;
    }
  }
  return root;
}

const mutatedSample = (corpus: Sample[]) =>
  fc.record({
    index: fc.nat(corpus.length - 1),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }),
  });

function applyMutations(corpus: Sample[], index: number, mutations: Mutation[]): Sample {
  const sample = corpus[index];
  if (!sample) throw new Error(`no sample ${index}`);
  return { origin: sample.origin, record: mutations.reduce(mutate, structuredClone(sample.record)) };
}

// ---------------------------------------------------------------------------------------------
// The property

const enrichmentFaults: unknown[] = [];
const ctx: NormaliseContext = {
  enrich: makeEnricher({
    geo: geoipCountryLookup(),
    intel: buildIntelMatcher(readIndicatorFileSync(SAMPLE_INDICATORS_PATH).indicators),
    onError: (e) => enrichmentFaults.push(e),
  }),
};

/** Why a result breaks the contract, or undefined. */
function problemWith(result: NormaliseResult): string | undefined {
  if (!isObject(result)) return `result is not an object: ${typeof result}`;
  if (result.ok === true) {
    const ocsf = result.event?.ocsf;
    if (!Number.isInteger(ocsf?.class_uid)) return `class_uid is ${String(ocsf?.class_uid)}`;
    if (ocsf.metadata?.version !== '1.1.0') return `metadata.version is ${String(ocsf.metadata?.version)}`;
    const bad = (ocsf.enrichments ?? []).find(
      (e) => typeof e.name !== 'string' || typeof e.value !== 'string',
    );
    if (bad) return `enrichment without string name/value: ${String(bad.name)}`;
    return undefined;
  }
  if (result.ok !== false) return `ok is ${String((result as { ok?: unknown }).ok)}`;
  if (!(result.error instanceof ValidationError))
    return `error is not a ValidationError: ${describeError(result.error)}`;
  if (typeof result.error.message !== 'string' || result.error.message.trim() === '')
    return 'empty error message';
  // The dispatcher turns a throwing normaliser into this result; it is still a bug.
  if (result.error.message.startsWith('normaliser crashed')) return result.error.message;
  return undefined;
}

function check(call: () => NormaliseResult | NormaliseResult[], origin: string): void {
  enrichmentFaults.length = 0;
  let outcome: NormaliseResult | NormaliseResult[];
  try {
    outcome = call();
  } catch (e) {
    throw new Error(`threw on input from ${origin}: ${describeError(e)}`, { cause: e });
  }
  const results = Array.isArray(outcome) ? outcome : [outcome];
  for (const result of results) {
    const problem = problemWith(result);
    if (problem) throw new Error(`bad result for input from ${origin}: ${problem}`);
  }
  if (enrichmentFaults.length > 0) throw new Error(`enricher fault: ${describeError(enrichmentFaults[0])}`);
}

const arbitraryInput = fc.oneof(fc.jsonValue(), fc.anything());

const SINGLE: [string, Normaliser, Sample[]][] = [
  ['normaliseCloudTrail', normaliseCloudTrail, CLOUDTRAIL],
  ['normaliseGuardDuty', normaliseGuardDuty, GUARDDUTY],
  ['normaliseSecurityHub', normaliseSecurityHub, SECURITYHUB],
  ['normaliseOkta', normaliseOkta, OKTA],
  ['normaliseGitHubAudit', normaliseGitHubAudit, GITHUB],
  ['normaliseGeneric', normaliseGeneric, OTHER],
];

describe.each(SINGLE)('%s is total', (_name, normaliser, corpus) => {
  it('over arbitrary values', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => check(() => normaliser(input, ctx), 'fc.jsonValue/fc.anything')),
      { numRuns: NUM_RUNS },
    );
  });

  it(`over mutated real records (${corpus.length})`, { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(mutatedSample(corpus), ({ index, mutations }) => {
        const { origin, record } = applyMutations(corpus, index, mutations);
        check(() => normaliser(record, ctx), origin);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('normalise() (the dispatcher) is total and never hides a crash', () => {
  it('over arbitrary values', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => check(() => normalise(input, ctx), 'fc.jsonValue/fc.anything')),
      { numRuns: NUM_RUNS },
    );
  });

  it(`over mutated delivered records (${DELIVERED.length})`, { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(mutatedSample(DELIVERED), ({ index, mutations }) => {
        const { origin, record } = applyMutations(DELIVERED, index, mutations);
        check(() => normalise(record, ctx), origin);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
