import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sigmaRulesDir } from '../../local/detection-runtime.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';
import { TACTICS } from '../../shared/detect/types.ts';
import { loadSigmaRules, sigmaSummary } from '../../shared/sigma/index.ts';
import { sigmaTuningTable } from '../../shared/sigma/tuning.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const SOURCE_TITLES: Record<string, string> = {
  cloudtrail: 'AWS CloudTrail',
  guardduty: 'AWS GuardDuty',
  securityhub: 'AWS Security Hub',
  okta: 'Okta System Log',
  github: 'GitHub audit log',
};

/** Markdown for the README: the native catalogue by source, then the Sigma figures and tuning. */
export function catalogueMarkdown(): string {
  const out: string[] = [];
  const bySource = new Map<string, typeof CATALOGUE>();
  for (const d of CATALOGUE) {
    const key = d.sources.includes('cloudtrail') ? 'cloudtrail' : (d.sources[0] ?? 'other');
    bySource.set(key, [...(bySource.get(key) ?? []), d]);
  }
  const aws = CATALOGUE.filter((d) =>
    d.sources.some((s) => s === 'cloudtrail' || s === 'guardduty' || s === 'securityhub'),
  );
  out.push(
    `${CATALOGUE.length} native detections: ${aws.length} AWS, ${bySource.get('okta')?.length ?? 0} Okta, ${bySource.get('github')?.length ?? 0} GitHub.`,
    '',
  );
  for (const [source, detections] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`#### ${SOURCE_TITLES[source] ?? source} (${detections.length})`, '');
    out.push('| id | title | ATT&CK | tactic | severity |', '|---|---|---|---|---|');
    for (const d of [...detections].sort((a, b) => a.id.localeCompare(b.id))) {
      out.push(
        `| \`${d.id}\` | ${d.title.replace(/\|/g, '\\|')} | ${d.attack.join(', ')} | ${TACTICS[d.tactic]} | ${d.severity} |`,
      );
    }
    out.push('');
  }
  const dir = sigmaRulesDir();
  if (dir) {
    out.push(
      '#### Sigma rules (aws, okta, github)',
      '',
      sigmaSummary(loadSigmaRules(dir, { products: ['aws', 'okta', 'github'], examples: true })),
      '',
    );
  }
  out.push('#### Vigil tuning of third-party Sigma rules', '', sigmaTuningTable(), '');
  return out.join('\n');
}

export const README_START = '<!-- catalogue:start -->';
export const README_END = '<!-- catalogue:end -->';

/** The README with its catalogue block replaced by `markdown`. */
export function withCatalogue(readme: string, markdown: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block`);
  return `${readme.slice(0, start + README_START.length)}\n${markdown}\n${readme.slice(end)}`;
}

/** `vigil catalogue [--readme]`: the detection catalogue as Markdown, or written into README.md. */
export async function catalogueCommand(opts: { readme: boolean }): Promise<number> {
  const markdown = catalogueMarkdown();
  if (!opts.readme) {
    process.stdout.write(`${markdown}\n`);
    return 0;
  }
  const path = join(ROOT, 'README.md');
  writeFileSync(path, withCatalogue(readFileSync(path, 'utf8'), markdown));
  process.stdout.write(`README.md catalogue updated (${CATALOGUE.length} native detections)\n`);
  return 0;
}
