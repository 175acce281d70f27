import { createHash } from 'node:crypto';
import { canonicalAddress, parseAddress } from '../enrich/address.ts';

/**
 * Small readers for hostile records (Okta, GitHub): each returns a value of the wanted shape or
 * `undefined`, never throws, never copies more than it returns.
 */

export type Fields = Record<string, unknown>;

export const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** OCSF `string_t` holds at most 65,535 characters; longer source text is cut, the raw record keeps it whole. */
const MAX_TEXT = 65_535;

/** A non-blank string, cut to what OCSF can hold. */
export const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? (v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v) : undefined;

/** Ids arrive as strings or numbers depending on the exporter; OCSF wants strings. */
export const idText = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : text(v);

export const fieldsOf = (v: unknown): Fields | undefined => (isFields(v) ? v : undefined);

export const finiteNumber = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** A canonical IP address, or undefined for anything else (names, `unknown`, octal-looking IPv4). */
export function ipAddress(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const address = parseAddress(v);
  return address ? canonicalAddress(address) : undefined;
}

/**
 * `YYYY-MM-DD[T ]hh:mm:ss[.fraction][Z|±hh:mm]`. Vendors write RFC 3339; exports such as
 * Panther's write a blank for the `T`, up to nine fraction digits and no zone, meaning UTC.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since the epoch from such a string; undefined when it is not a real instant. */
function parseDateTime(v: string): number | undefined {
  const m = DATE_TIME.exec(v);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  // Date.UTC rolls 2024-02-31 over into March (and reads year 0050 as 1950): reject what it adjusted.
  const t = new Date(utc);
  const same =
    t.getUTCFullYear() === Number(y) &&
    t.getUTCMonth() === Number(mo) - 1 &&
    t.getUTCDate() === Number(d) &&
    t.getUTCHours() === Number(h) &&
    t.getUTCMinutes() === Number(mi) &&
    t.getUTCSeconds() === Number(s);
  return same ? utc - zoneOffsetMs(zone) : undefined;
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** Epoch milliseconds after 1970 and before 10000-01-01 (what `Date` can show and OCSF timestamps mean). */
const MAX_EPOCH_MS = 253_402_300_799_999;

/** An epoch-millisecond number (fractions dropped) or a date-time string, as epoch milliseconds. */
export function epochMs(v: unknown): number | undefined {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDateTime(v) : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS) return undefined;
  return Math.trunc(ms);
}

/**
 * A stable id for a record that brings none, from the fields that tell records apart: the same
 * record always gets the same id (idempotent ingest), distinct records almost never share one.
 */
export function fallbackUid(prefix: string, parts: readonly (string | number | undefined)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part ?? ''}\u0000`);
  return `${prefix}-${hash.digest('hex').slice(0, 32)}`;
}

/**
 * Copies the fields of `source` that the mapping did not use into `unmapped`, by reference and
 * under `prefix` (`client.zone`), so nothing the source said is lost and nothing is cloned.
 */
export function keepUnmapped(
  source: Fields,
  used: ReadonlySet<string>,
  unmapped: Record<string, unknown>,
  prefix = '',
): void {
  for (const key of Object.keys(source)) {
    if (!used.has(key) && source[key] !== undefined) putUnmapped(unmapped, `${prefix}${key}`, source[key]);
  }
}

/** Sets one `unmapped` field; a JSON key "__proto__" is an own field, which plain assignment would not make. */
export function putUnmapped(unmapped: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(unmapped, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    unmapped[name] = value;
  }
}

/** A table lookup by a key from a record: `STATUS['toString']` must not find Object's method. */
export const lookup = <T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined =>
  key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
