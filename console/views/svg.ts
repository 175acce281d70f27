/**
 * Tiny inline-SVG helpers for the incident page (the console runs no JavaScript and loads nothing:
 * a chart is markup). Coordinates are numbers the helper computes; every text — titles, labels,
 * tooltips — goes through the escaping `h` tag, and no input ever reaches an attribute except as
 * a number.
 */
import { type Html, h } from './html.ts';

/** One step of a cumulative series: at time `t` (ms) the total becomes `total`. */
export interface StepPoint {
  t: number;
  total: number;
  /** Tooltip of the step's marker (escaped). */
  label: string;
}

export interface StepChartInput {
  /** Unique on the page; the ids of the title and description derive from it. Vigil's own constant. */
  id: string;
  title: string;
  description: string;
  points: readonly StepPoint[];
  /** A horizontal dashed line with a label, e.g. the incident's scored risk. */
  reference?: { value: number; label: string };
  /** How the x axis's two end labels are written. */
  timeLabel: (t: number) => string;
  width?: number;
  height?: number;
}

const n = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(1)) : 0);

/** A y axis step giving at most four gridlines at round numbers. */
function yStep(max: number): number {
  for (const step of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]) if (max / step <= 4) return step;
  return 10 ** Math.ceil(Math.log10(max / 4));
}

/** A step line rising at each point, with a marker (and tooltip) per point. */
export function stepChart(input: StepChartInput): Html {
  const { id, title, description, points, reference } = input;
  const width = input.width ?? 640;
  const height = input.height ?? 200;
  const left = 40;
  const right = 12;
  const top = 12;
  const bottom = 24;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const peak = Math.max(1, reference?.value ?? 0, ...sorted.map((p) => p.total));
  const step = yStep(peak);
  const yMax = Math.ceil(peak / step) * step;
  const t0 = sorted[0]?.t ?? 0;
  const t1 = sorted.at(-1)?.t ?? t0;
  const span = t1 - t0;
  const x = (t: number) => left + (span > 0 ? ((t - t0) / span) * plotWidth : plotWidth / 2);
  const y = (v: number) => top + plotHeight - (v / yMax) * plotHeight;

  const ticks: number[] = [];
  for (let v = 0; v <= yMax; v += step) ticks.push(v);
  const grid = ticks.map(
    (v) =>
      h`<line x1="${left}" x2="${width - right}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#d5d8dd" stroke-width="1"/><text x="${left - 6}" y="${n(y(v) + 4)}" text-anchor="end" font-size="11" fill="#555">${v}</text>`,
  );

  // From zero at the first point, then up at each point and flat until the next.
  let path = sorted.length > 0 ? `M${n(x(t0))} ${n(y(0))}` : '';
  let previous = 0;
  for (const p of sorted) {
    path += ` L${n(x(p.t))} ${n(y(previous))} L${n(x(p.t))} ${n(y(p.total))}`;
    previous = p.total;
  }
  const markers = sorted.map(
    (p) =>
      h`<circle cx="${n(x(p.t))}" cy="${n(y(p.total))}" r="3" fill="#14213d"><title>${p.label}</title></circle>`,
  );
  const line =
    reference && reference.value > 0
      ? h`<line x1="${left}" x2="${width - right}" y1="${n(y(reference.value))}" y2="${n(y(reference.value))}" stroke="#b23b3b" stroke-width="1" stroke-dasharray="4 3"/><text x="${width - right}" y="${n(y(reference.value) - 4)}" text-anchor="end" font-size="11" fill="#b23b3b">${reference.label}</text>`
      : '';
  const axis =
    sorted.length > 0
      ? h`<text x="${left}" y="${height - 6}" font-size="11" fill="#555">${input.timeLabel(t0)}</text>${
          span > 0
            ? h`<text x="${width - right}" y="${height - 6}" text-anchor="end" font-size="11" fill="#555">${input.timeLabel(t1)}</text>`
            : ''
        }`
      : '';

  return h`<svg role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px;height:auto;background:#fff;border:1px solid #d5d8dd" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc id="${id}-desc">${description}</desc>${grid}${line}${
    path ? h`<path d="${path}" fill="none" stroke="#14213d" stroke-width="2"/>` : ''
  }${markers}${axis}</svg>`;
}
