import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../local/evaluate.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';

describe('vigil eval on a damaged labelled file', () => {
  it('reports a broken line with where and why, and scores the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-eval-'));
    const real = readFileSync(
      path.resolve(process.cwd(), '../shared/data/labelled/panther_okta_systemlog.ndjson'),
      'utf8',
    )
      .split('\n')
      .filter((l) => l.trim() !== '');
    writeFileSync(
      path.join(dir, 'panther_okta_systemlog.ndjson'),
      `${real.join('\n')}\n{"expect_alert": true, "event": {trunc\n`,
    );
    const [okta] = await evaluate(dir, CATALOGUE);
    expect(okta?.source).toBe('Okta');
    expect((okta?.alerting ?? 0) + (okta?.benign ?? 0)).toBe(
      real.filter((l) => typeof JSON.parse(l).expect_alert === 'boolean').length,
    );
    expect(okta?.unreadable).toHaveLength(1);
    expect(okta?.unreadable[0]).toMatch(new RegExp(`^panther_okta_systemlog\\.ndjson:${real.length + 1}: `));
  });
});
