import { addNagPacks, buildApp } from './build.ts';
import { VigilConfigError } from './config.ts';

try {
  const { app } = buildApp();
  addNagPacks(app);
  app.synth();
} catch (error) {
  if (!(error instanceof VigilConfigError)) throw error;
  // A configuration mistake is the operator's to fix: say which key, without a stack trace.
  console.error(error.message);
  process.exitCode = 1;
}
