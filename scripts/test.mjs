// `npm test`: lint, typecheck, then the vitest suite; ends with the plain line CI reads,
// `N passed, N failed`, and exits non-zero on any failure. Runs on the project's Node 22
// because npm puts node_modules/.bin (with the `node` package's binary) first on PATH.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const run = (label, cmd, args) => {
  process.stdout.write(`\n── ${label}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  return r.status === 0;
};

let passed = 0;
let failed = 0;
const check = (ok) => (ok ? passed++ : failed++);

// Lint and typecheck count as one check each: a red one fails the run like a red test.
check(run('lint (biome)', 'biome', ['check', '.']));
check(run('typecheck (tsc)', 'tsc', ['--noEmit', '-p', '.']));

const report = 'test-results/vitest.json';
mkdirSync('test-results', { recursive: true });
rmSync(report, { force: true });
const vitestOk = run('tests (vitest)', 'vitest', [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);

let results;
try {
  results = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  results = undefined;
}
if (results) {
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  // A file that fails to load reports no tests at all; count each as a failure so it cannot hide.
  const brokenFiles = results.testResults.filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  );
  failed += brokenFiles.length;
  if (results.numPendingTests + results.numTodoTests > 0) {
    process.stdout.write(
      `\n${results.numPendingTests + results.numTodoTests} skipped or todo tests: a skipped test is a defect.\n`,
    );
    failed += results.numPendingTests + results.numTodoTests;
  }
  if (!vitestOk && results.numFailedTests === 0 && brokenFiles.length === 0) failed++;
} else {
  process.stdout.write('\nvitest wrote no report: counting the run as failed.\n');
  failed++;
}

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
