import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueMarkdown, README_END, README_START, withCatalogue } from '../../cli/commands/catalogue.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('opens with the two commands a new user runs', () => {
    const firstBlock = readme.split('```')[1] ?? '';
    expect(firstBlock).toContain('npm ci && npx vigil demo');
    expect(firstBlock).toContain('npm test');
  });

  it('carries the catalogue as the code generates it (run `npm run readme` after changing detections)', () => {
    expect(withCatalogue(readme, catalogueMarkdown())).toBe(readme);
    const block = readme.slice(readme.indexOf(README_START), readme.indexOf(README_END));
    for (const d of CATALOGUE) expect(block).toContain(`\`${d.id}\``);
  });
});
