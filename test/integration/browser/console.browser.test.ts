/**
 * Issue #6, acceptance 3 and 4: the console in a real browser (Debian's Chromium, driven by
 * playwright-core) against the real local SOC `vigil demo` runs — DynamoDB Local, the synthesized
 * EventBridge rules and state machine, the outbox.
 *
 * 1. The demo story as an analyst walks it: sign in, the queue, the incident, a claim's evidence
 *    link, the approval link from the emailed .eml (opening it changes nothing), two analysts
 *    approving, the dry-run response in the audit trail and the outcome email, then a false
 *    positive and its suppression.
 * 2. The injection corpus planted in the fields an attacker controls stays inert text on every
 *    page: no script, dialog, console output, foreign request or foreign link, and the payloads
 *    are visible as the text they are.
 *
 * Screenshots of every step go to test-results/screenshots/ (kept as a CI artifact).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalLinkIn, latestApprovalLink, textParts } from '../../../local/outbox-mailer.ts';
import { startLocalSoc } from '../../../local/soc.ts';
import {
  ATTACKER_IP,
  attackStory,
  FOREIGN_ACCOUNT,
  LEAKED_KEY,
  LEAKED_USER,
  STORY_ACCOUNT,
} from '../../../local/story/attack-story.ts';
import {
  cells,
  countOf,
  domReport,
  launchChromium,
  placement,
  screenshot,
  submit,
  submitSignIn,
  targetId,
  type Watch,
  watchedContext,
  within,
} from './harness.ts';
import { type HostileStory, hostileStory, MARKUP_PAYLOADS } from './hostile-story.ts';

type Soc = Awaited<ReturnType<typeof startLocalSoc>>;

/** The approvers the local SOC mails (soc.ts). */
const FIRST = 'analyst@vigil.local';
const SECOND = 'second.analyst@vigil.local';

let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const dataDirs: string[] = [];
let demo: Soc | undefined;
let hostile: Soc | undefined;
let demoSettled = false;
let setupFailure: unknown;
const planted: HostileStory = hostileStory();

const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-browser-'));
  dataDirs.push(dir);
  return dir;
};

const emlsIn = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.eml'))
    .sort();

/** The text of the page's main element, whitespace collapsed (textContent: CSS does not change it). */
async function mainText(page: Page): Promise<string> {
  return ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** The rows of the suppression table (`Rule`, `Entity pattern`, …) by their heading. */
async function suppressionFields(page: Page): Promise<Record<string, string>> {
  const rows = await cells(page.locator('main table tbody tr:has(th + td)'));
  return Object.fromEntries(rows.map(([name, value]) => [name, value]));
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

async function openContext(baseURL: string) {
  const opened = await watchedContext(browser as Browser, baseURL);
  contexts.push(opened.context);
  return opened;
}

/** The checks every page gets: nothing ran, nothing left 127.0.0.1, nothing links elsewhere. */
async function expectInert(page: Page, watch: Watch, where: string): Promise<void> {
  expect(await domReport(page), where).toEqual({
    scripts: 0,
    foreignLinks: [],
    foreignForms: [],
    inlineHandlers: [],
    embeds: [],
    danglingAnchors: [],
  });
  expect(watch.dialogs, where).toEqual([]);
  expect(watch.console, where).toEqual([]);
  expect(watch.pageErrors, where).toEqual([]);
  expect(watch.external, where).toEqual([]);
}

beforeAll(async () => {
  // The browser and both SOCs start side by side (each SOC runs its own DynamoDB Local).
  const [launched, demoSoc, hostileSoc] = await Promise.allSettled([
    launchChromium(),
    startLocalSoc(attackStory(), { dataDir: newDataDir(), port: 0 }),
    startLocalSoc(planted.events, { dataDir: newDataDir(), port: 0 }),
  ]);
  if (launched.status === 'fulfilled') browser = launched.value;
  if (demoSoc.status === 'fulfilled') {
    demo = demoSoc.value;
    demo.execution?.result.then(
      () => {
        demoSettled = true;
      },
      () => {
        demoSettled = true;
      },
    );
  }
  if (hostileSoc.status === 'fulfilled') hostile = hostileSoc.value;
  // Kept for the tests to throw: a failed hook would only mark them skipped.
  setupFailure = [launched, demoSoc, hostileSoc].find((r) => r.status === 'rejected')?.reason;
}, 90_000);

/** The SOC a test uses, once the browser and both SOCs are up; the setup's failure otherwise. */
function ready(soc: Soc | undefined): Soc {
  if (setupFailure !== undefined) throw setupFailure;
  if (!browser || !soc) throw new Error('the browser or the local SOC did not start');
  return soc;
}

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await Promise.allSettled([demo?.stop(), hostile?.stop()]);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the console in Chromium', () => {
  it('walks the demo story: sign in, queue, incident, evidence, approval by two analysts, audit trail, false positive → suppression', async () => {
    const soc = ready(demo);
    const T = 'demo-story';
    const top = soc.incidents[0]!;
    const plan = top.response!;
    expect(plan.approvals_required).toBe(2);
    expect(plan.actions.find((a) => a.action === 'quarantine_iam_user')?.destructive).toBe(true);
    const { page, watch } = await openContext(soc.consoleUrl);

    // ── sign in: signed out, the console sends the analyst to the dev sign-in ─────────────────
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/incidents');
    expect(await mainText(page)).toContain('Sign in required');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/signin'),
      page.getByRole('link', { name: 'Sign in', exact: true }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/incidents');
    await page.getByLabel('Email').fill(FIRST);
    await screenshot(page, T, '01-signin');
    await submitSignIn(page, FIRST, soc.signInCode);

    // ── the queue ─────────────────────────────────────────────────────────────────────────────
    expect(new URL(page.url()).pathname).toBe('/incidents');
    expect(await page.locator('header .who').textContent()).toContain(FIRST);
    expect(await mainText(page)).toContain(
      `${soc.incidents.length} of ${soc.incidents.length} incident${soc.incidents.length === 1 ? '' : 's'}, riskiest first.`,
    );
    await screenshot(page, T, '02-queue');
    await expectInert(page, watch, 'queue');

    // ── the top incident (the queue is riskiest first) ────────────────────────────────────────
    const firstRow = page.locator('main table tbody tr').first().getByRole('link');
    expect(await firstRow.textContent()).toBe(top.title);
    await Promise.all([page.waitForURL((u) => u.pathname === `/incidents/${top.id}`), firstRow.click()]);
    expect(await page.locator('h1').textContent()).toBe(top.title);
    await screenshot(page, T, '03-incident');
    await expectInert(page, watch, 'incident');

    // ── a claim's evidence link goes to the evidence item it cites ────────────────────────────
    const claim = page.locator('h3:text-is("Claims") + ol > li', { hasText: 'Exfiltration (TA0010)' });
    expect(await claim.count()).toBe(1);
    const claimText = collapse((await claim.textContent()) ?? '');
    expect(claimText).toContain('ModifySnapshotAttribute at 09:27:00 UTC');
    const cite = claim.locator('a[href^="#ev-"]').first();
    const href = (await cite.getAttribute('href')) as string;
    const evidenceId = (await cite.getAttribute('title')) as string;
    expect(href).toBe(`#${evidenceId}`);
    expect(top.evidence.map((e) => e.id)).toContain(evidenceId);
    await cite.click();
    await page.waitForURL((u) => u.hash === href);
    expect(new URL(page.url()).pathname).toBe(`/incidents/${top.id}`);
    expect(await targetId(page)).toBe(evidenceId);
    const item = page.locator(`[id="${evidenceId}"]`);
    expect(await item.count()).toBe(1);
    const inView = await placement(item);
    expect(inView.scrollY).toBeGreaterThan(0);
    expect(inView.bottom).toBeGreaterThan(0);
    expect(inView.top).toBeLessThan(inView.viewportHeight);
    const itemText = collapse((await item.textContent()) ?? '');
    // The facts the claim cites: the operation, its time, the snapshot and who it went to.
    expect(itemText).toContain('operation: ModifySnapshotAttribute');
    expect(itemText).toContain('2026-11-20 09:27:00 UTC');
    expect(itemText).toContain('snapshot_id: snap-0123456789abcdef0');
    expect(itemText).toContain(`foreign_accounts: ${FOREIGN_ACCOUNT}`);
    expect(itemText).toContain(`actor: ${LEAKED_USER}`);
    await screenshot(page, T, '04-evidence');
    await screenshot(page, T, '04-evidence-in-view', false);

    // ── the approval link, as emailed to the outbox ───────────────────────────────────────────
    expect(emlsIn(soc.outboxDir)).toHaveLength(1);
    const link = (await latestApprovalLink(soc.outboxDir)) as string;
    expect(link).toBe(soc.approvalLink);
    expect(new URL(link).origin).toBe(soc.consoleUrl);
    const approvalPath = new URL(link).pathname;
    await page.goto(link);
    let text = await mainText(page);
    expect(text).toContain('Approval request');
    expect(text).toContain(`Incident id: ${top.id}`);
    expect(text).toContain('Status: pending');
    const rows = (await page.locator('h2:text-is("Planned actions") + table tbody tr').allTextContents()).map(
      collapse,
    );
    expect(rows).toHaveLength(plan.actions.length);
    for (const a of plan.actions) {
      const row = rows.find((r) => r.startsWith(a.action));
      expect(row, a.action).toBeDefined();
      expect(row).toContain(a.target);
      expect(row).toMatch(a.destructive ? /yes$/ : /no$/);
    }
    expect(rows.join('\n')).toContain(LEAKED_KEY);
    expect(rows.join('\n')).toContain(`arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`);
    expect(rows.join('\n')).toContain(ATTACKER_IP);
    expect(text).toContain('0 of 2 required; 2 still needed.');
    expect(text).toContain('No approvals yet.');
    await screenshot(page, T, '05-approval');
    await expectInert(page, watch, 'approval page');

    // Opening the link (twice) changed nothing: the execution waits, the request is untouched.
    await page.reload();
    text = await mainText(page);
    expect(text).toContain('Status: pending');
    expect(text).toContain('0 of 2 required; 2 still needed.');
    await new Promise((r) => setTimeout(r, 250));
    expect(demoSettled).toBe(false);
    await page.goto('/approvals');
    const listed = page.locator('main table tbody tr', { hasText: top.title });
    expect(await listed.count()).toBe(1);
    expect(collapse((await listed.textContent()) ?? '')).toContain('0 of 2');
    await screenshot(page, T, '06-pending-approvals');

    // ── the first analyst approves (from the pending list) ────────────────────────────────────
    await Promise.all([
      page.waitForURL((u) => u.pathname === approvalPath),
      listed.getByRole('link').click(),
    ]);
    expect((await submit(page, page.getByRole('button', { name: 'Approve' }))).status()).toBe(200);
    text = await mainText(page);
    expect(text).toContain('Your approval is recorded. 1 more approval needed.');
    expect(text).toContain('1 of 2 required; 1 still needed.');
    expect(text).toContain(`${FIRST} at `);
    expect(text).toContain('another approver is needed');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(demoSettled).toBe(false);
    await screenshot(page, T, '07-first-approval');

    // ── a second analyst, in a browser context of their own, signs in and approves ────────────
    const second = await openContext(soc.consoleUrl);
    await second.page.goto(link);
    text = await mainText(second.page);
    expect(text).toContain('Opening this page changes nothing.');
    expect(text).toContain('1 of 2 required; 1 still needed.');
    await Promise.all([
      second.page.waitForURL((u) => u.pathname === '/signin'),
      second.page.getByRole('link', { name: 'Sign in to approve or reject' }).click(),
    ]);
    await submitSignIn(second.page, SECOND, soc.signInCode);
    expect(new URL(second.page.url()).pathname).toBe(approvalPath);
    await screenshot(second.page, T, '08-second-analyst');
    expect((await submit(second.page, second.page.getByRole('button', { name: 'Approve' }))).status()).toBe(
      200,
    );
    text = await mainText(second.page);
    expect(text).toContain('Approved. The response continues.');
    expect(text).toContain('Status: approved');
    expect(text).toContain('2 of 2 required.');
    expect(await second.page.locator('form').count()).toBe(0);
    await screenshot(second.page, T, '09-approved');
    await expectInert(second.page, second.watch, 'approval page, second analyst');

    // ── the response runs (dry-run: local mode has no AWS account) ────────────────────────────
    const result = (await within(soc.execution!.result, 20_000, 'the response execution to end')) as {
      summary: { conclusion: string; counts: Record<string, number> };
      results: { key: string; status: string }[];
    };
    expect(result.summary.conclusion).toBe('completed');
    expect(result.results.map((r) => r.status)).toEqual(plan.actions.map(() => 'dry_run'));
    expect(result.summary.counts['dry_run']).toBe(plan.actions.length);

    // The outcome email is the second message in the outbox.
    const outbox = emlsIn(soc.outboxDir);
    expect(outbox).toHaveLength(2);
    const outcome = readFileSync(join(soc.outboxDir, outbox[1]!));
    expect(approvalLinkIn(outcome)).toBeUndefined();
    const outcomeText = textParts(outcome.toString('latin1'))
      .map((p) => p.text)
      .join('\n');
    expect(outcomeText).toContain(`Response finished for incident ${top.id}.`);
    for (const a of plan.actions) expect(outcomeText).toContain(`- ${a.action} on `);
    expect(outcomeText).toContain('dry_run');

    // ── the incident page now shows the decisions and the dry-runs in its audit trail ─────────
    await page.goto(`/incidents/${top.id}`);
    text = await mainText(page);
    expect(text).not.toContain('An approval is pending for this incident');
    const audit = (await cells(page.locator('h2:text-is("Audit trail") ~ table tbody tr'))).map(
      ([, event, actor, action]) => ({ event, actor, action }),
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        { event: 'planned', actor: 'vigil', action: '' },
        { event: 'approval_requested', actor: 'vigil', action: '' },
        { event: 'approval_recorded', actor: FIRST, action: '' },
        { event: 'approval_recorded', actor: SECOND, action: '' },
        { event: 'approved', actor: SECOND, action: '' },
        ...result.results.map((r) => ({ event: 'dry_run', actor: 'vigil', action: r.key })),
      ]),
    );
    expect(audit.filter((e) => e.event === 'dry_run')).toHaveLength(plan.actions.length);
    expect(text).toContain(`Mode: approve (2 approvals required)`);
    // The response's status, read from the audit trail: every action ran as a dry-run.
    expect(text).toContain(`Status: ran: ${plan.actions.length} dry run`);
    await screenshot(page, T, '10-audit-trail');
    await expectInert(page, watch, 'incident after the response');

    // ── a false positive, its suppression proposal with the backtest, and the confirmation ────
    const rule = 'aws.guardduty.recon_finding';
    const signalRow = page.locator('h2:text-is("Signals") + table tbody tr', {
      has: page.locator('code', { hasText: new RegExp(`^${rule.replace(/\./g, '\\.')}$`) }),
    });
    expect(await signalRow.count()).toBe(1);
    const reason = 'GuardDuty sample finding from the red-team exercise';
    await signalRow.getByLabel('Reason for the verdict').fill(reason);
    expect((await submit(page, signalRow.getByRole('button', { name: 'False positive' }))).status()).toBe(
      200,
    );
    text = await mainText(page);
    expect(await page.locator('h1').textContent()).toBe('Suppress this false positive?');
    expect(text).toContain(`Recorded: false positive by ${FIRST}`);
    const backtest =
      /Backtest: would have silenced (?:at most )?(\d+) past signals? in (\d+) incidents? \(of (\d+) stored signals\)/.exec(
        text,
      );
    expect(backtest, text).not.toBeNull();
    const [silenced, incidents, considered] = backtest!.slice(1).map(Number) as [number, number, number];
    expect(silenced).toBeGreaterThanOrEqual(1);
    expect(silenced).toBeLessThanOrEqual(considered);
    expect(incidents).toBeGreaterThanOrEqual(1);
    const proposed = await suppressionFields(page);
    expect(proposed['Rule']).toBe(rule);
    expect(proposed['Entity pattern']).toBe(`principal:arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`);
    expect(proposed['Reason']).toBe(reason);
    expect(proposed['Created by']).toBe(FIRST);
    await screenshot(page, T, '11-suppression-proposal');
    await expectInert(page, watch, 'suppression proposal');

    expect((await submit(page, page.getByRole('button', { name: 'Create suppression' }))).status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Suppression created');
    text = await mainText(page);
    expect(text).toMatch(/Suppression \S+ is stored\. It applies to new signals from now on/);
    // The confirmation recomputes the suppression from the stored verdict: the same, but for an
    // expiry counted from the confirmation (30 days, the default choice).
    const created = await suppressionFields(page);
    expect({ ...created, Expires: '' }).toEqual({ ...proposed, Expires: '' });
    const utcMs = (s: string | undefined) =>
      Date.parse(`${(s ?? '').replace(' UTC', '').replace(' ', 'T')}Z`);
    expect(utcMs(created['Expires']) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(utcMs(created['Expires']) - utcMs(proposed['Expires'])).toBeLessThan(60_000);
    await screenshot(page, T, '12-suppression-created');
    await expectInert(page, watch, 'suppression created');
  }, 60_000);

  it('shows injection payloads from attacker-controlled log fields as inert text on every page', async () => {
    const soc = ready(hostile);
    const T = 'injection';
    const top = soc.incidents[0]!;
    // The payloads planted in fields the incident's evidence shows, and where each is shown.
    const facts = top.evidence.flatMap((e) =>
      Object.entries(e.facts).map(([key, value]) => ({ id: e.id, key, value: String(value) })),
    );
    const reached = planted.planted.flatMap((p) => {
      const fact = facts.find((f) => f.value === p.payload);
      return fact ? [{ ...p, fact }] : [];
    });
    const markup = reached.filter((r) => MARKUP_PAYLOADS.includes(r.payload));
    expect(markup.length).toBeGreaterThanOrEqual(8);
    // The intrusion is still an intrusion: the payloads did not talk the pipeline out of a response.
    expect(top.response?.actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['deactivate_access_key', 'quarantine_iam_user']),
    );

    const { page, watch } = await openContext(soc.consoleUrl);
    await page.goto('/signin?next=/incidents');
    await expectInert(page, watch, 'signin');
    await submitSignIn(page, FIRST, soc.signInCode);

    const link = (await latestApprovalLink(soc.outboxDir)) as string;
    const pages: [string, string][] = [
      ['queue', '/incidents'],
      ['incident', `/incidents/${encodeURIComponent(top.id)}`],
      ['approvals', '/approvals'],
      ['approval', link],
      ['metrics', '/metrics'],
      ['health', '/health'],
    ];
    for (const [step, url] of pages) {
      const response = await page.goto(url);
      expect(response?.status(), step).toBe(200);
      expect(response?.headers()['content-security-policy'], step).toContain("default-src 'none'");
      await screenshot(page, T, step);
      await expectInert(page, watch, step);

      if (step === 'incident') {
        // Each payload that reached the page is visible as text, in the evidence item it came from.
        for (const r of markup) {
          const item = collapse((await page.locator(`[id="${r.fact.id}"]`).textContent()) ?? '');
          expect(item, r.field).toContain(`${r.fact.key}: ${collapse(r.payload)}`);
          if (!r.payload.includes('\n'))
            expect(await page.getByText(r.payload).first().isVisible(), r.field).toBe(true);
        }
        // Nothing the payloads spell became an element.
        expect(await countOf(page, 'system, data, img, a[href^="http"]')).toBe(0);
      }
      if (step === 'approval') {
        const text = await mainText(page);
        expect(text).toContain('Status: pending');
        expect(text).toContain('deactivate_access_key');
      }
      if (step === 'health') expect(await mainText(page)).toContain('1 event quarantined as malformed input');
    }
    expect(watch.network).toEqual([]);
    expect(watch.requests.every((u) => new URL(u).hostname === '127.0.0.1')).toBe(true);
  }, 60_000);
});
