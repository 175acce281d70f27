/**
 * The console's only way to build HTML: a tagged template that escapes every interpolated value
 * unless it is already `Html` (the output of another template). Log-derived text — incident
 * titles, target ids, reasons — is hostile, so nothing reaches a page unescaped by accident.
 */
import { escapeHtml } from '../../shared/narrate/escape.ts';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

const render = (v: Value): string => {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
};

export function h(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}
