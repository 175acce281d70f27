import { JAVA_REQUIRED } from '../../local/dynamodb-local.ts';
import { type Progress, startLocalSoc } from '../../local/soc.ts';
import { attackStory } from '../../local/story/attack-story.ts';

export interface DemoOptions {
  exitAfterReplay: boolean;
  dataDir?: string;
  port?: number;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

const STAGE: Record<Progress['stage'], string> = {
  routing: 'routing events (synthesized EventBridge rules)',
  pipeline: 'normalise → detect → correlate (DynamoDB Local)',
  response: 'response plan → guard → approval request',
};

/** One line per stage, redrawn in place on a terminal and printed once per stage otherwise. */
function progressPrinter() {
  const tty = process.stdout.isTTY;
  let last = '';
  return (p: Progress) => {
    const width = 24;
    const filled = p.total ? Math.round((p.done / p.total) * width) : width;
    const line = `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${STAGE[p.stage]} ${p.done}/${p.total}${p.signals !== undefined ? ` · ${p.signals} signals` : ''}`;
    if (tty) {
      process.stdout.write(`\r${line}${p.done === p.total ? '\n' : ''}`);
    } else if (p.done === p.total && line !== last) out(line);
    last = line;
  };
}

/**
 * `vigil demo`: the built-in attack story through the whole local SOC — routed by the synthesized
 * EventBridge rules, detected, correlated, narrated, a response planned and its approval mailed to
 * the local outbox — then the console, until Ctrl-C (or at once with --exit-after-replay).
 */
export async function demoCommand(opts: DemoOptions): Promise<number> {
  const story = attackStory();
  out(
    `Vigil demo: a CI user's access key leaks. ${story.length} EventBridge events — the intrusion, ordinary work by other people, a GuardDuty finding.`,
  );
  let soc: Awaited<ReturnType<typeof startLocalSoc>>;
  try {
    soc = await startLocalSoc(story, {
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      onProgress: progressPrinter(),
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    out(`The local SOC could not start: ${why}`);
    if (/java|ENOENT/i.test(why)) out(JAVA_REQUIRED);
    return 1;
  }
  const s = soc.stats;
  out(
    `${s.routed} of ${s.events} events matched an ingest rule (${s.unrouted} matched none); ${s.normalised} normalised, ${s.rejected} quarantined; ${s.signals} signals; ${soc.incidents.length} incident(s).`,
  );
  for (const i of soc.incidents) {
    out();
    out(`[${i.severity.toUpperCase()}] ${i.title}`);
    out(`  risk ${i.risk} · ${i.signals.length} signals · MTTD ${i.mttd_seconds} s · ${i.id}`);
    out(`  ${i.narrative.summary}`);
    const r = i.response;
    if (r) {
      out(
        `  Response (${r.mode}, ${r.approvals_required} approver(s); local mode: every action is a dry-run):`,
      );
      for (const a of r.actions)
        out(`    → ${a.action} on ${a.target}${a.destructive ? ' (destructive)' : ''}`);
      for (const b of r.blocked) out(`    ✗ ${b.action} on ${b.target}: ${b.reasons.join('; ')}`);
    }
  }
  out();
  out(`Console:        ${soc.consoleUrl}`);
  out(`Sign-in code:   ${soc.signInCode}   (any email address; this code is valid for this run only)`);
  out(`Approval link:  ${soc.approvalLink ?? '(none: no incident recommends an action)'}`);
  out(`Approval email: ${soc.outboxDir}`);
  if (!opts.exitAfterReplay) {
    out();
    out('Serving the console until Ctrl-C.');
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
  }
  await soc.stop();
  return exitNow(0);
}

/**
 * Ends the process once stdout is flushed. A response still waiting for approval holds a timer
 * (aws-local-stepfunctions enforces the approval task's TimeoutSeconds, 24 h by default, with a
 * timer no abort clears), which would otherwise keep the demo alive after it said it was done.
 */
async function exitNow(code: number): Promise<never> {
  await new Promise<void>((flushed) => process.stdout.write('', () => flushed()));
  process.exit(code);
}
