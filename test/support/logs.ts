import { vi } from 'vitest';

/**
 * Captures what the Powertools logger writes (one JSON document per line; info and below on
 * stdout, warn and error on stderr), so tests can assert what is logged and, above all, what never is.
 */
export function captureLogs(): { text(): string; entries(): Record<string, unknown>[]; restore(): void } {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  const text = () => chunks.join('');
  return {
    text,
    entries: () =>
      text()
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
