import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEngine } from '../shared/detect/engine.ts';
import { atLeast, type Detection, type DetectionConfig } from '../shared/detect/types.ts';
import { memoryWindow } from '../shared/detect/window.ts';
import { noEnrichment } from '../shared/enrich/index.ts';
import { normalise } from '../shared/normalise/index.ts';

/** Labelled files → the source they evaluate. Files of other sources are not scored. */
const SOURCE_OF_FILE: Record<string, string> = {
  'panther_aws_cloudtrail.ndjson': 'CloudTrail',
  'panther_okta_systemlog.ndjson': 'Okta',
  'panther_github_audit.ndjson': 'GitHub',
  'panther_aws_guardduty.ndjson': 'GuardDuty',
  'guardduty_findings_eventbridge.ndjson': 'GuardDuty',
  'panther_aws_securityhub_asff.ndjson': 'Security Hub',
  'securityhub_findings_eventbridge.ndjson': 'Security Hub',
};

export interface SourceScore {
  source: string;
  alerting: number;
  alertingDetected: number;
  /** Share of `expect_alert: true` records with a signal of severity ≥ medium. */
  detectionRate: number;
  benign: number;
  benignDetected: number;
  /** Lines that were not JSON, with where and why: counted in neither share. */
  unreadable: string[];
  /** Share of `expect_alert: false` look-alikes that still get such a signal. */
  falsePositiveRate: number;
}

/**
 * Scores detections on labelled records. Each record is an independent test case, so each is
 * judged with fresh window state; the organisation is the record's own account.
 */
export async function evaluate(dir: string, detections: readonly Detection[]): Promise<SourceScore[]> {
  const engine = buildEngine(detections);
  const scores = new Map<string, SourceScore>();
  for (const file of (await readdir(dir)).sort()) {
    const source = SOURCE_OF_FILE[file];
    if (!source) continue;
    let score = scores.get(source);
    if (!score) {
      score = {
        source,
        alerting: 0,
        alertingDetected: 0,
        detectionRate: 0,
        benign: 0,
        benignDetected: 0,
        falsePositiveRate: 0,
        unreadable: [],
      };
      scores.set(source, score);
    }
    const lines = (await readFile(join(dir, file), 'utf8')).split('\n');
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      let labelled: { expect_alert?: boolean; event?: unknown };
      try {
        labelled = JSON.parse(line);
      } catch (e) {
        // A broken line is reported and skipped: it can be neither a hit nor a miss.
        score.unreadable.push(
          `${file}:${i + 1}: ${e instanceof Error ? e.message.slice(0, 120) : 'invalid JSON'}`,
        );
        continue;
      }
      if (typeof labelled.expect_alert !== 'boolean') continue;
      const accounts = new Set<string>();
      const config: DetectionConfig = {
        orgAccounts: accounts,
        isTrustedNetwork: (ip) => ip.startsWith('10.'),
      };
      const context = { window: memoryWindow(), config };
      let detected = false;
      for (const r of normalise(labelled.event, { enrich: noEnrichment, receivedAt: Date.now() })) {
        if (!r.ok) continue;
        const account = r.event.ocsf.cloud?.account?.uid;
        if (account) accounts.add(account);
        if (engine.run(r.event, context).some((s) => atLeast(s.severity, 'medium'))) detected = true;
      }
      if (labelled.expect_alert) {
        score.alerting++;
        if (detected) score.alertingDetected++;
      } else {
        score.benign++;
        if (detected) score.benignDetected++;
      }
    }
  }
  for (const s of scores.values()) {
    s.detectionRate = s.alerting ? s.alertingDetected / s.alerting : 0;
    s.falsePositiveRate = s.benign ? s.benignDetected / s.benign : 0;
  }
  return [...scores.values()];
}
