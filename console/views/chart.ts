/**
 * Charts as inline SVG rendered on the server: the console runs no JavaScript and loads nothing,
 * so a chart is markup like any other. Every chart is `role="img"` with a `<title>` (and a
 * `<desc>` where there is more to say) for screen readers, and every text in it — titles, labels,
 * tooltips — goes through the escaping `h` tag.
 */
import { type Html, h } from './html.ts';

/** One stacked part of every bar, e.g. a severity. */
export interface Series {
  key: string;
  label: string;
  /** A CSS colour; Vigil's own constants, never input. */
  color: string;
}

export interface Bar {
  /** Under the bar when there is room (e.g. `11-20`). */
  label: string;
  /** The bar's name in tooltips (e.g. `2026-11-20`). */
  name: string;
  /** Value per series key; missing keys are 0. */
  values: Readonly<Record<string, number>>;
}

export interface StackedBarChartInput {
  /** Unique on the page: the ids of the title and description derive from it. */
  id: string;
  title: string;
  description: string;
  series: readonly Series[];
  bars: readonly Bar[];
  /** Label every n-th bar, counting back from the last (default 7). */
  labelEvery?: number;
  width?: number;
  height?: number;
}

const n = (x: number) => Number(x.toFixed(1));

/** A step for the y axis that gives at most four gridlines at whole numbers. */
function yStep(max: number): number {
  for (const step of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]) if (max / step <= 4) return step;
  return 10 ** Math.ceil(Math.log10(max / 4));
}

/** Bars of whole-number counts, stacked by series in the order given (first at the bottom). */
export function stackedBarChart(input: StackedBarChartInput): Html {
  const { id, title, description, series, bars } = input;
  const width = input.width ?? 720;
  const height = input.height ?? 220;
  const labelEvery = input.labelEvery ?? 7;
  const left = 36;
  const right = 8;
  const top = 10;
  const bottom = 24;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const totals = bars.map((b) => series.reduce((sum, s) => sum + (b.values[s.key] ?? 0), 0));
  const step = yStep(Math.max(1, ...totals));
  const yMax = Math.max(step, Math.ceil(Math.max(1, ...totals) / step) * step);
  const y = (v: number) => top + plotHeight - (v / yMax) * plotHeight;
  const slot = bars.length > 0 ? plotWidth / bars.length : plotWidth;
  const barWidth = Math.max(1, slot * 0.72);

  const ticks: number[] = [];
  for (let v = 0; v <= yMax; v += step) ticks.push(v);
  const grid = ticks.map(
    (v) =>
      h`<line x1="${left}" x2="${width - right}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#d5d8dd" stroke-width="1"/><text x="${left - 6}" y="${n(y(v) + 4)}" text-anchor="end" font-size="11" fill="#555">${v}</text>`,
  );

  const columns = bars.map((bar, i) => {
    const x = left + i * slot + (slot - barWidth) / 2;
    let base = 0;
    const parts = series.map((s) => {
      const value = bar.values[s.key] ?? 0;
      if (value <= 0) return '';
      const y0 = y(base + value);
      const part = h`<rect x="${n(x)}" y="${n(y0)}" width="${n(barWidth)}" height="${n(y(base) - y0)}" fill="${s.color}"><title>${bar.name}: ${value} ${s.label}</title></rect>`;
      base += value;
      return part;
    });
    const fromEnd = bars.length - 1 - i;
    const label =
      fromEnd % labelEvery === 0
        ? h`<text x="${n(x + barWidth / 2)}" y="${height - 6}" text-anchor="middle" font-size="11" fill="#555">${bar.label}</text>`
        : '';
    return h`<g>${parts}${label}</g>`;
  });

  return h`<svg role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px;height:auto;background:#fff;border:1px solid #d5d8dd" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc id="${id}-desc">${description}</desc>${grid}${columns}</svg>`;
}

/** A key for a chart's series, as HTML under it. */
export function legend(series: readonly Series[]): Html {
  return h`<p class="legend">${series.map(
    (s) =>
      h`<span style="margin-right:1rem"><span style="display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle;background:${s.color}"></span>${s.label}</span>`,
  )}</p>`;
}

export interface InlineBarInput {
  /** 0 to 1; `null` draws the empty track only. */
  fraction: number | null;
  /** What the bar shows, in words (its title). */
  label: string;
  color?: string;
  width?: number;
  height?: number;
}

/** A small horizontal bar for a table cell: a grey track filled to `fraction`. */
export function inlineBar(input: InlineBarInput): Html {
  const width = input.width ?? 120;
  const height = input.height ?? 10;
  const fraction = input.fraction === null ? 0 : Math.min(1, Math.max(0, input.fraction));
  return h`<svg role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg"><title>${input.label}</title><rect width="${width}" height="${height}" fill="#e5e7eb"/>${
    fraction > 0
      ? h`<rect width="${n(width * fraction)}" height="${height}" fill="${input.color ?? '#2f6f4f'}"/>`
      : ''
  }</svg>`;
}
