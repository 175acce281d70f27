import { SIGMA_PRODUCTS, type SigmaProduct } from './field-map.ts';
import type { SigmaLoadResult } from './load.ts';

/** Counts per product, and unsupported rules grouped by feature, for the README and CI logs. */
export interface SigmaFigures {
  readonly perProduct: Readonly<
    Record<SigmaProduct, { compiled: number; unsupported: number; invalid: number; noExample: number }>
  >;
  readonly skipped: number;
  /** feature → the rules (file: detail) that need it. */
  readonly byFeature: Readonly<Record<string, readonly string[]>>;
}

export function sigmaFigures(result: SigmaLoadResult): SigmaFigures {
  const perProduct = Object.fromEntries(
    SIGMA_PRODUCTS.map((p) => [p, { compiled: 0, unsupported: 0, invalid: 0, noExample: 0 }]),
  ) as Record<SigmaProduct, { compiled: number; unsupported: number; invalid: number; noExample: number }>;
  for (const d of result.detections) perProduct[d.sigma.product].compiled++;
  for (const u of result.unsupported) perProduct[u.product].unsupported++;
  for (const i of result.invalid) {
    const p = SIGMA_PRODUCTS.find((x) => x === i.product);
    if (p) perProduct[p].invalid++;
  }
  const productOf = new Map(result.detections.map((d) => [d.id, d.sigma.product]));
  for (const n of result.noExample) {
    const p = productOf.get(n.id);
    if (p) perProduct[p].noExample++;
  }
  const byFeature: Record<string, string[]> = {};
  for (const u of result.unsupported) {
    for (const i of u.issues) {
      const list = byFeature[i.feature] ?? [];
      list.push(`${u.file}: ${i.detail}`);
      byFeature[i.feature] = list;
    }
  }
  return { perProduct, skipped: result.skipped.length, byFeature };
}

/** A Markdown block: a table of figures, then every unsupported rule under its feature. */
export function sigmaSummary(result: SigmaLoadResult): string {
  const f = sigmaFigures(result);
  const lines = [
    '| product | compiled | unsupported | invalid | compiled, example not derivable |',
    '|---|---|---|---|---|',
    ...SIGMA_PRODUCTS.map((p) => {
      const c = f.perProduct[p];
      return `| ${p} | ${c.compiled} | ${c.unsupported} | ${c.invalid} | ${c.noExample} |`;
    }),
    '',
  ];
  for (const [feature, rules] of Object.entries(f.byFeature).sort()) {
    lines.push(`Unsupported — ${feature} (${rules.length}):`);
    for (const r of rules) lines.push(`- ${r}`);
    lines.push('');
  }
  for (const i of result.invalid) lines.push(`Invalid: ${i.file}: ${i.reason}`);
  for (const n of result.noExample) lines.push(`Example not derivable: ${n.file}: ${n.reason}`);
  lines.push(`Skipped (other products or deprecated): ${f.skipped} files.`);
  lines.push('Sigma rules © their authors, Detection Rule License 1.1; attribution is kept on every signal.');
  return lines.join('\n');
}
