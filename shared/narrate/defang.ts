/**
 * Makes a hostile string safe to quote inside plain-text prose that will be read in mail clients
 * and consoles which auto-link anything that looks like an address. This is the analyst's usual
 * "defanging" of indicators (hxxp, example[.]com): the text stays readable and searchable by eye,
 * but no renderer turns it into a link or markup, even one that forgets to escape.
 */

// Invisible and direction-changing characters hide or reorder text on screen.
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const SCHEME_SLASHES = /\b([a-z][a-z0-9+.-]{0,19}):\s*\/\//gi;
const ACTIVE_SCHEMES = /\b(javascript|vbscript|data|mailto|file|tel|sms|ftp|https?)\s*:/gi;
// label.label.tld — the last dot is what autolinkers key on; `[.]` breaks every one of them.
const HOSTNAME = /\b((?:[a-z0-9](?:[a-z0-9-]{0,62})\.)+)([a-z]{2,24})\b/gi;
const WWW = /\bwww\./gi;

export function defang(text: string, maxLength = 120): string {
  let out = text.normalize('NFKC').replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  if (out.length > maxLength) out = `${out.slice(0, maxLength - 1)}…`;
  return out
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/\]\s*\(/g, '] (')
    .replace(SCHEME_SLASHES, (_m, scheme: string) => `${scheme.replace(/^http/i, 'hxxp')}[:]//`)
    .replace(ACTIVE_SCHEMES, (_m, scheme: string) => `${scheme}[:]`)
    .replace(WWW, 'www[.]')
    .replace(HOSTNAME, (_m, labels: string, tld: string) => `${labels.slice(0, -1)}[.]${tld}`);
}
