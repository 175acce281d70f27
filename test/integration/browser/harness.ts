/**
 * What the console's browser tests share: Debian's Chromium driven by playwright-core, a watch on
 * each page for anything that would mean content ran (dialogs, console output, page errors,
 * requests to other hosts), a check of the DOM for scripts, foreign links and inline handlers, the
 * dev sign-in, and full-page screenshots kept as a CI artifact.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Response,
} from 'playwright-core';

// The functions handed to page.evaluate run in the browser; the project compiles without the DOM
// library, so these describe the little of the DOM they use (module-local, erased at compile).
interface DomElement {
  readonly id: string;
  readonly localName: string;
  readonly outerHTML: string;
  readonly textContent: string | null;
  readonly attributes: ArrayLike<{ readonly name: string }>;
  getAttribute(name: string): string | null;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  getBoundingClientRect(): { readonly top: number; readonly bottom: number };
}
declare const document: {
  readonly scripts: ArrayLike<DomElement>;
  readonly forms: ArrayLike<DomElement>;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  getElementById(id: string): DomElement | null;
};
declare const location: { readonly origin: string; readonly href: string };
declare const window: { readonly scrollY: number; readonly innerHeight: number };

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../..', import.meta.url).pathname;
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/** Launches the system Chromium; without it the tests fail (never skip) and say how to get it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the console's browser tests need it. ` +
        '.ci/run installs it: apt-get install -y chromium',
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const NETWORK_NOTE = /^Failed to load resource: the server responded with a status of \d{3}\b/;

/** Everything a watched context saw that an inert page never causes. */
export interface Watch {
  dialogs: string[];
  /** Console output: nothing on a page without scripts (a CSP violation report lands here too). */
  console: string[];
  /** Chromium's notes of HTTP error statuses (`Failed to load resource: … 401`), kept apart. */
  network: string[];
  pageErrors: string[];
  /** Requests to any host but 127.0.0.1: aborted, and listed here. */
  external: string[];
  /** Every URL requested, in order. */
  requests: string[];
}

/**
 * A browser context whose pages are watched from before their first navigation: every dialog is
 * dismissed and recorded, every console message and page error recorded, and every request that
 * leaves 127.0.0.1 aborted and recorded.
 */
export async function watchedContext(
  browser: Browser,
  baseURL: string,
): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
  const watch: Watch = { dialogs: [], console: [], network: [], pageErrors: [], external: [], requests: [] };
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    watch.requests.push(url);
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {
      // not a URL: treated as foreign
    }
    if (host === '127.0.0.1') return route.continue();
    watch.external.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('console', (message) => {
    const text = message.text();
    // Chromium's own note of an HTTP error status (the 401 and 404 pages): not page output.
    if (NETWORK_NOTE.test(text)) watch.network.push(`${text} (${message.location().url})`);
    else watch.console.push(`${message.type()}: ${text} (${message.location().url})`);
  });
  page.on('pageerror', (error) => {
    watch.pageErrors.push(error.message);
  });
  return { context, page, watch };
}

/** What the DOM of an inert console page must be like, as measured in the page. */
export interface DomReport {
  scripts: number;
  /** `<a>` whose href is neither same-origin nor a `#` anchor on this page. */
  foreignLinks: string[];
  /** Forms that post anywhere but this origin. */
  foreignForms: string[];
  /** Elements carrying an `on…` event-handler attribute. */
  inlineHandlers: string[];
  /** Elements that load or embed content. */
  embeds: string[];
  /** `#…` links whose target element does not exist. */
  danglingAnchors: string[];
}

export function domReport(page: Page): Promise<DomReport> {
  return page.evaluate(() => {
    const origin = location.origin;
    const foreignLinks: string[] = [];
    const danglingAnchors: string[] = [];
    for (const a of Array.from(document.querySelectorAll('a'))) {
      const raw = a.getAttribute('href') ?? '';
      if (raw.startsWith('#')) {
        if (raw.length > 1 && !document.getElementById(decodeURIComponent(raw.slice(1))))
          danglingAnchors.push(raw);
        continue;
      }
      let url: URL | undefined;
      try {
        url = new URL(raw, location.href);
      } catch {
        url = undefined;
      }
      if (!url || url.origin !== origin || !/^https?:$/.test(url.protocol)) foreignLinks.push(raw);
    }
    const foreignForms = Array.from(document.forms)
      .map((f) => f.getAttribute('action') ?? '')
      .filter((action) => new URL(action, location.href).origin !== origin);
    const inlineHandlers = Array.from(document.querySelectorAll('*')).flatMap((el) =>
      Array.from(el.attributes)
        .filter((attr) => /^on/i.test(attr.name))
        .map((attr) => `<${el.localName} ${attr.name}>`),
    );
    const embeds = Array.from(
      document.querySelectorAll(
        'img, image, iframe, frame, object, embed, video, audio, source, link, base, meta[http-equiv]',
      ),
    ).map((el) => el.outerHTML.slice(0, 120));
    return {
      scripts: document.scripts.length,
      foreignLinks,
      foreignForms,
      inlineHandlers,
      embeds,
      danglingAnchors,
    };
  });
}

/** The id of the element the URL's fragment targets (`:target`), if any. */
export function targetId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.querySelector(':target')?.id);
}

/** Where an element is relative to the viewport, and how far the page is scrolled. */
export function placement(
  element: Locator,
): Promise<{ top: number; bottom: number; viewportHeight: number; scrollY: number }> {
  return element.evaluate((el: DomElement) => {
    const box = el.getBoundingClientRect();
    return { top: box.top, bottom: box.bottom, viewportHeight: window.innerHeight, scrollY: window.scrollY };
  });
}

/** The text of each `th`/`td` cell of each row, trimmed. */
export function cells(rows: Locator): Promise<string[][]> {
  return rows.evaluateAll((trs: DomElement[]) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('th, td')).map((cell) => (cell.textContent ?? '').trim())),
  );
}

/** How many elements match `selectors` in the page. */
export function countOf(page: Page, selectors: string): Promise<number> {
  return page.evaluate((s) => document.querySelectorAll(s).length, selectors);
}

/** A full-page PNG (or only what is in view) at test-results/screenshots/<test>-<step>.png. */
export async function screenshot(page: Page, test: string, step: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${test}-${step}.png`), fullPage });
}

/**
 * Clicks a form's submit button and resolves once the page the form leads to has loaded (after any
 * redirect), with the response to the POST. A refusal (4xx, 5xx) fails here, quoting the page.
 */
export async function submit(page: Page, button: Locator): Promise<Response> {
  const loaded = page.waitForEvent('load');
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(),
  );
  await button.click();
  const response = await answered;
  await loaded;
  if (response.status() >= 400) {
    const said = (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
    const sent = await response.request().allHeaders();
    throw new Error(
      `the form POST to ${new URL(response.url()).pathname} was refused with ${response.status()}: "${said}" ` +
        `(the browser sent Origin: ${sent['origin'] ?? '(none)'})`,
    );
  }
  return response;
}

/** Fills and submits the dev sign-in form the page is on; resolves on the page it returns to. */
export async function submitSignIn(page: Page, email: string, code: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Sign-in code').fill(code);
  const response = await submit(page, page.getByRole('button', { name: 'Sign in' }));
  if (response.status() !== 303 || new URL(page.url()).pathname === '/signin')
    throw new Error(`signing in as ${email} did not redirect (${response.status()} at ${page.url()})`);
}

/** Resolves with `promise`, or rejects after `ms` saying what it was waiting for. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
