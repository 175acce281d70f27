import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defang } from '../../../shared/narrate/defang.ts';
import { escapeHtml } from '../../../shared/narrate/escape.ts';

describe('escapeHtml', () => {
  it('escapes every character that can open markup or leave an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
    expect(escapeHtml('plain text, 198.51.100.7')).toBe('plain text, 198.51.100.7');
  });

  it('leaves no markup character in any output, and does not double-unescape', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(escapeHtml(s)).not.toMatch(/[<>"'`]/);
      }),
    );
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

describe('defang', () => {
  it('turns links, schemes, hostnames and tags into inert text', () => {
    expect(defang('see https://evil.example.com/a?b')).toBe('see hxxps[:]//evil.example[.]com/a?b');
    expect(defang("javascript:alert('x')")).toBe("javascript[:]alert('x')");
    expect(defang('<img src=x onerror=alert(1)>')).toBe('‹img src=x onerror=alert(1)›');
    expect(defang('[click](x)')).toBe('[click] (x)');
    expect(defang('mail homer@springfield.gov, www.example.org')).toBe(
      'mail homer@springfield[.]gov, www[.]example[.]org',
    );
  });

  it('keeps ordinary log values readable', () => {
    expect(defang('aws-cli/2.13.5 Python/3.11.4')).toBe('aws-cli/2.13.5 Python/3.11.4');
    expect(defang('arn:aws:iam::111122223333:user/ci-deployer')).toBe(
      'arn:aws:iam::111122223333:user/ci-deployer',
    );
    expect(defang('198.51.100.77')).toBe('198.51.100.77');
  });

  it('removes hidden characters, folds whitespace and clips', () => {
    expect(defang('a\u202e\u200bb\n\tc')).toBe('a b c');
    expect(defang('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('never leaves a scheme link or a tag opener, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii' }), fc.webUrl(), (s, url) => {
        const out = defang(`${s} ${url} <${s}`, 4096);
        expect(out).not.toMatch(/[a-z]:\/\/|</i);
      }),
    );
  });
});
