/** Durations and shares as the console's pages write them. */

/**
 * Whole seconds in the two largest units: `0 s`, `45 s`, `48 min 20 s`, `2 h 5 min`, `3 d 4 h`.
 * Rounded to the second; negative input is written as its size (callers say which way it goes).
 */
export function duration(seconds: number): string {
  const total = Math.round(Math.abs(seconds));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of units) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0 || parts.length > 0) parts.push(`${amount} ${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((p, i) => i === 0 || !p.startsWith('0 '));
  return shown.length > 0 ? shown.join(' ') : '0 s';
}

/** `0.8333` → `83.3%`, `1` → `100%`; `null` → `—`. */
export const percent = (fraction: number | null): string =>
  fraction === null ? '—' : `${Number((fraction * 100).toFixed(1))}%`;
