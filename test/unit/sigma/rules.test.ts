import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../../../shared/detect/engine.ts';
import type { Detection, DetectionCase, Signal } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { loadSigmaRules, sigmaRuleFiles } from '../../../shared/sigma/load.ts';
import { sigmaSummary } from '../../../shared/sigma/summary.ts';
import type { SigmaDetection } from '../../../shared/sigma/to-detection.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');
const RULES = path.join(DATA, 'sigma/rules');
const nctx = { enrich: () => {} };

const result = loadSigmaRules(RULES, { products: ['aws', 'okta', 'github'], examples: true });
console.log(`Sigma rules under ${RULES}:\n${sigmaSummary(result)}`);

/** The rule files of our products, found the way a person would: by their logsource line. */
const ours = sigmaRuleFiles(RULES)
  .filter((file) => /^\s*product:\s*['"]?(aws|okta|github)['"]?\s*$/m.test(readFileSync(file, 'utf8')))
  .map((file) => path.relative(RULES, file).split(path.sep).join('/'));

/** Runs raw records in order through the real normalisers and an engine with the given detections. */
function run(detections: readonly Detection[], records: readonly unknown[]) {
  const engine = buildEngine(detections);
  const ctx = freshContext();
  const perRecord: Signal[][] = [];
  for (const record of records) {
    const results = normalise(record, nctx);
    for (const r of results) {
      if (!r.ok) throw new Error(`record does not normalise: ${r.error.message}`);
    }
    perRecord.push(results.flatMap((r) => (r.ok ? engine.run(r.event, ctx) : [])));
  }
  return { perRecord, faults: engine.faults };
}

const bySigmaId = (id: string): SigmaDetection => {
  const d = result.detections.find((x) => x.sigma.ruleId === id);
  if (!d) throw new Error(`rule ${id} did not compile`);
  return d;
};

describe('SigmaHQ rules for aws, okta and github', () => {
  it('finds the rules', () => {
    expect(ours.length).toBeGreaterThan(0);
  });

  it('every rule is compiled or listed as unsupported — never invalid, skipped or lost', () => {
    const compiled = result.detections.map((d) => d.sigma.file);
    const unsupported = result.unsupported.map((u) => u.file);
    expect([...compiled, ...unsupported].sort()).toEqual([...ours].sort());
    expect(result.invalid.filter((i) => ours.includes(i.file))).toEqual([]);
    expect(result.skipped.filter((s) => ours.includes(s.file))).toEqual([]);
  });

  it('every unsupported rule names the exact construct it needs', () => {
    for (const u of result.unsupported) {
      expect(u.issues.length).toBeGreaterThan(0);
      for (const i of u.issues) {
        expect(i.feature).toMatch(/^[a-z-]+$/);
        // Each detail quotes what the rule wrote: a field, a modifier, an aggregation, a timeframe.
        expect(i.detail).toMatch(/'[^']+'/);
      }
      expect(u.reason).toBe(u.issues.map((i) => `unsupported: ${i.detail}`).join('; '));
    }
  });

  it('reports the known unsupported constructs precisely', () => {
    const expected: Record<string, string> = {
      'unsupported/cloud/aws_lambda_function_created_or_invoked.yml':
        "unsupported: temporal aggregation '| near selection2' (near)",
      'unsupported/cloud/aws_ses_messaging_enabled.yml':
        "unsupported: 'timeframe: 5m' without an aggregation",
      'rules/cloud/aws/cloudtrail/aws_delete_saml_provider.yml':
        "unsupported: field 'status' is not a field of AWS CloudTrail records",
      'rules-placeholder/cloud/aws/cloudtrail/aws_cloudtrail_console_login_success_from_susp_locations.yml':
        "field 'src_country' is not a field of AWS CloudTrail records",
    };
    for (const [file, reason] of Object.entries(expected)) {
      if (!ours.includes(file)) continue; // a file held back from this copy of the data set
      expect(result.unsupported.find((u) => u.file === file)?.reason).toContain(reason);
    }
  });

  it('a placeholder rule reports its placeholders once values are the only thing missing', () => {
    const file =
      'rules-placeholder/cloud/aws/cloudtrail/aws_cloudtrail_console_login_success_from_susp_locations.yml';
    const u = result.unsupported.find((x) => x.file === file);
    if (!ours.includes(file)) return;
    expect(u?.issues.map((i) => i.feature)).toContain('placeholder');
    expect(u?.reason).toContain("placeholder '%Legitimate_Countries%' (|expand)");
  });

  it('every compiled rule has generated cases both ways, or says why not', () => {
    for (const d of result.detections) {
      const gap = result.noExample.find((n) => n.id === d.id);
      if (gap) {
        expect(gap.reason.length).toBeGreaterThan(10);
        expect(d.cases).toEqual([]);
      } else if (d.sigma.tuning === 'disabled') {
        // Disabled by Vigil's tuning table: it must fire on nothing, its own positive example included.
        expect(d.cases.length).toBeGreaterThan(0);
        expect(d.cases.every((c) => !c.fires)).toBe(true);
      } else {
        expect(d.cases.some((c) => c.fires)).toBe(true);
        expect(d.cases.some((c) => !c.fires)).toBe(true);
      }
    }
  });

  it('every compiled rule carries its attribution and maps to ATT&CK', () => {
    for (const d of result.detections) {
      expect(d.attribution).toContain('Detection Rule License 1.1');
      expect(d.attribution).toContain(d.sigma.ruleId ?? '');
      for (const t of d.attack) expect(t).toMatch(/^T\d{4}(\.\d{3})?$/);
      expect(d.id).toMatch(/^sigma\.(aws|okta|github)\.[a-z0-9_]+$/);
    }
    expect(new Set(result.detections.map((d) => d.id)).size).toBe(result.detections.length);
  });
});

describe('generated cases through the real normalisers and the engine', () => {
  const cases = result.detections.flatMap((d) => d.cases.map((c) => [`${d.id}: ${c.name}`, d, c] as const));
  it.each(cases)('%s', (_name, detection: SigmaDetection, c: DetectionCase) => {
    const { perRecord, faults } = run([detection], c.records);
    expect(faults.size).toBe(0);
    const last = perRecord[perRecord.length - 1] ?? [];
    expect(last.some((s) => s.rule_id === detection.id)).toBe(c.fires);
  });
});

describe('compiled rules on real records (labelled set)', () => {
  const events = (file: string): Record<string, unknown>[] =>
    readFileSync(path.join(DATA, 'labelled', file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (JSON.parse(line) as { event: Record<string, unknown> }).event);
  const cloudtrail = events('panther_aws_cloudtrail.ndjson');
  const okta = events('panther_okta_systemlog.ndjson');
  const github = events('panther_github_audit.ndjson');

  const fires = (d: Detection, record: Record<string, unknown> | undefined) => {
    expect(record).toBeDefined();
    return run([d], [record]).perRecord[0]?.some((s) => s.rule_id === d.id) ?? false;
  };

  it('CloudTrail StopLogging fires "AWS CloudTrail Important Change"; StartLogging does not', () => {
    const d = bySigmaId('4db60cc0-36fb-42b7-9b58-a5b53019fb74');
    expect(
      fires(
        d,
        cloudtrail.find((e) => e.eventName === 'StopLogging' && e.eventSource === 'cloudtrail.amazonaws.com'),
      ),
    ).toBe(true);
    expect(
      fires(
        d,
        cloudtrail.find((e) => e.eventName === 'StartLogging'),
      ),
    ).toBe(false);
  });

  it('a successful DeleteFlowLogs (no errorCode) fires "AWS VPC Flow Logs Deleted"', () => {
    const d = bySigmaId('e386b9b5-af12-450e-afff-761730fb8a98');
    expect(
      fires(
        d,
        cloudtrail.find((e) => e.eventName === 'DeleteFlowLogs' && e.errorCode === undefined),
      ),
    ).toBe(true);
  });

  it('an Okta admin privilege grant fires "Okta Admin Role Assigned"; a session start does not', () => {
    const d = bySigmaId('413d4a81-6c98-4479-9863-014785fd579c');
    expect(
      fires(
        d,
        okta.find((e) => e.eventType === 'user.account.privilege.grant'),
      ),
    ).toBe(true);
    expect(
      fires(
        d,
        okta.find((e) => e.eventType === 'user.session.start'),
      ),
    ).toBe(false);
  });

  it('GitHub 2FA requirement disabled fires "High Risk Configuration Disabled"; enabled does not', () => {
    const d = bySigmaId('8622c92d-c00e-463c-b09d-fd06166f6794');
    expect(
      fires(
        d,
        github.find((e) => e.action === 'org.disable_two_factor_requirement'),
      ),
    ).toBe(true);
    expect(
      fires(
        d,
        github.find((e) => e.action === 'org.enable_two_factor_requirement'),
      ),
    ).toBe(false);
  });

  it('the whole Sigma catalogue runs over every labelled record without a fault', () => {
    const records = [...cloudtrail, ...okta, ...github].filter((e) => normalise(e, nctx).every((r) => r.ok));
    const engine = buildEngine(result.detections);
    const ctx = freshContext();
    let signals = 0;
    for (const record of records) {
      for (const r of normalise(record, nctx)) if (r.ok) signals += engine.run(r.event, ctx).length;
    }
    expect(engine.faults.size).toBe(0);
    expect(signals).toBeGreaterThan(0);
  });
});
