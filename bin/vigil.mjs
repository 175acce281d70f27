#!/usr/bin/env node
// Entry point of the `vigil` command. The project ships TypeScript sources and runs them through
// tsx, so `npx vigil` works straight after `npm ci` with no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `vigil needs Node.js 22 or newer (this is ${process.version}). ` +
      'Run it as `npx vigil …` from the project folder: npm ci installs Node 22 into node_modules.\n',
  );
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
