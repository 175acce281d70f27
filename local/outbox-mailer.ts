/**
 * The local Mailer: every message becomes `<outbox>/<UTC time>-<8 hex>.eml`, readable by the one
 * user (0600: approval links are credentials) and openable by any mail client. The demo prints the
 * newest approval link with `latestApprovalLink`.
 *
 * The time is ISO 8601 in its basic form (`20261123T100000.000Z`): sortable, and without the colons
 * some file systems refuse.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mailer } from '../shared/respond/approval-email.ts';

export interface OutboxMailerOptions {
  now?: () => Date;
}

const EML = /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}\.eml$/;
const APPROVAL_URL = /https?:\/\/[^\s"'<>]+\/approvals\/[A-Za-z0-9_-]+\.[0-9a-z]+\.[A-Za-z0-9_-]+/;

const basicIso = (d: Date) => d.toISOString().replace(/[-:]/g, '');

export function outboxMailer(outboxDir: string, options: OutboxMailerOptions = {}): Mailer & { dir: string } {
  const now = options.now ?? (() => new Date());
  return {
    dir: outboxDir,
    async send(raw) {
      await mkdir(outboxDir, { recursive: true, mode: 0o700 });
      const name = `${basicIso(now())}-${randomBytes(4).toString('hex')}.eml`;
      // `wx`: never overwrite; the mode applies because the file is new.
      await writeFile(join(outboxDir, name), raw, { mode: 0o600, flag: 'wx' });
    },
  };
}

/** The approval URL in the newest message of the outbox, if there is one. */
export async function latestApprovalLink(outboxDir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(outboxDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const newestFirst = names.filter((n) => EML.test(n)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  for (const name of newestFirst) {
    const url = approvalLinkIn(await readFile(join(outboxDir, name)));
    if (url) return url;
  }
  return undefined;
}

/** The approval URL of a raw message: looked for in its decoded text parts. */
export function approvalLinkIn(raw: Buffer): string | undefined {
  const parts = textParts(raw.toString('latin1'));
  const plainFirst = [
    ...parts.filter((p) => p.type === 'text/plain'),
    ...parts.filter((p) => p.type !== 'text/plain'),
  ];
  for (const { text } of plainFirst) {
    const match = APPROVAL_URL.exec(text);
    if (match) return match[0];
  }
  return undefined;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Splits a message (as latin1, one char per byte) into unfolded, lower-cased headers and the body. */
function splitPart(source: string): Part {
  const end = source.search(/\r?\n\r?\n/);
  const head = end < 0 ? source : source.slice(0, end);
  const body = end < 0 ? '' : source.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** The decoded text/* leaves of a MIME tree, in order, with their media types. */
export function textParts(source: string, depth = 0): { type: string; text: string }[] {
  const { headers, body } = splitPart(source);
  const type = headers.get('content-type') ?? 'text/plain';
  if (/^multipart\//i.test(type)) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary || depth > 5) return [];
    const parts = body.split(`--${boundary}`).slice(1);
    const leaves: { type: string; text: string }[] = [];
    for (const part of parts) {
      if (part.startsWith('--')) break;
      leaves.push(...textParts(part.replace(/^\r?\n/, ''), depth + 1));
    }
    return leaves;
  }
  if (!/^text\//i.test(type)) return [];
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : Buffer.from(body, 'latin1');
  return [{ type: type.split(';')[0]!.trim().toLowerCase(), text: bytes.toString('utf8') }];
}

export function decodeQuotedPrintable(body: string): Buffer {
  const soft = body.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else out.push(soft.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}
