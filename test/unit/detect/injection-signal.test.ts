import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIGIL_INJECTION } from '../../../shared/detect/catalogue/vigil-injection.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { freshContext } from '../../support/detection-fixtures.ts';
import { INJECTION_PAYLOADS, PLANTINGS, plant } from '../narrate/injection-corpus.ts';

const DATA = path.resolve(process.cwd(), '../shared/data/labelled');
const record = (file: string, line: number): unknown =>
  (
    JSON.parse(readFileSync(path.join(DATA, file), 'utf8').split('\n')[line - 1] as string) as {
      event: unknown;
    }
  ).event;

const engine = buildEngine(VIGIL_INJECTION);
const signalsFor = (raw: unknown) =>
  normalise(raw, { enrich: () => {}, receivedAt: Date.parse('2026-11-23T12:00:00Z') }).flatMap((r) =>
    r.ok ? engine.run(r.event, freshContext()) : [],
  );

describe('an injection payload in a log record becomes a signal of its own', () => {
  const cases = PLANTINGS.flatMap((p) =>
    INJECTION_PAYLOADS.map((payload) => [p.name, payload.slice(0, 40), p, payload] as const),
  );

  it.each(cases)('%s ← %s', (_name, _short, planting, payload) => {
    const signals = signalsFor(plant(record(planting.file, planting.line), planting.path, payload));
    expect(signals.map((s) => s.rule_id)).toContain('vigil.log.assistant_directed_text');
    expect(String(signals[0]?.evidence.injection_field)).toBe(planting.path.join('.'));
  });

  it('stays quiet on every real record of the labelled CloudTrail, Okta and GitHub files', () => {
    const noisy: string[] = [];
    for (const file of [
      'panther_aws_cloudtrail.ndjson',
      'panther_okta_systemlog.ndjson',
      'panther_github_audit.ndjson',
    ]) {
      const lines = readFileSync(path.join(DATA, file), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      lines.forEach((l, i) => {
        if (signalsFor((JSON.parse(l) as { event: unknown }).event).length > 0)
          noisy.push(`${file}:${i + 1}`);
      });
    }
    expect(noisy).toEqual([]);
  });
});
