/**
 * Issue #6, acceptance 1: `npx vigil demo --exit-after-replay`, with no AWS credentials, exits 0,
 * prints the console URL and the approval link, and leaves the approval email in the outbox.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { approvalLinkIn } from '../../local/outbox-mailer.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

describe('vigil demo --exit-after-replay', () => {
  it('runs the story with no AWS account, prints the console and the approval link, leaves the .eml', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'vigil-demo-')), 'state');
    // No credentials or profile of any kind: the demo must not need an AWS account.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const { stdout } = await run('npx', ['vigil', 'demo', '--exit-after-replay', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
      timeout: 120_000,
    });
    const consoleUrl = /^Console:\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout)?.[1];
    const link = /^Approval link:\s+(\S+)$/m.exec(stdout)?.[1];
    expect(consoleUrl).toBeDefined();
    expect(link).toMatch(new RegExp(`^${consoleUrl}/approvals/[A-Za-z0-9_-]+\\.[0-9a-z]+\\.[A-Za-z0-9_-]+$`));
    expect(stdout).toMatch(/^\[CRITICAL\] ci-deployer: /m);
    expect(stdout).toContain('local mode: every action is a dry-run');

    const outbox = join(dataDir, 'outbox');
    const emails = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(emails).toHaveLength(1);
    expect(approvalLinkIn(readFileSync(join(outbox, emails[0]!)))).toBe(link);
    // The installation's secrets are the owner's alone.
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
  }, 150_000);
});
