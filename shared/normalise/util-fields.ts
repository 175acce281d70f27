import { isIP } from 'node:net';

/**
 * Typed readers for hostile AWS records: each returns a value of the wanted shape or `undefined`,
 * never throws and never copies more than it returns.
 */

export type Fields = Record<string, unknown>;

/** OCSF `string_t` holds at most 65,535 characters; longer source text is cut, the raw record keeps it whole. */
export const MAX_STRING = 65_535;

/** OCSF `ip_t` max_len. */
const MAX_IP_LENGTH = 40;

/** OCSF `integer_t` is 32-bit. */
const INT32_MAX = 2 ** 31 - 1;

export const fields = (v: unknown): Fields | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : undefined;

export const list = (v: unknown): readonly unknown[] | undefined => (Array.isArray(v) ? v : undefined);

/** A non-empty string, cut to what OCSF can hold. */
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? (v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v) : undefined;

export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** Scores and counts some exporters write as strings ("8.0"). */
export function numeric(v: unknown): number | undefined {
  if (typeof v === 'string' && v.length > 0 && v.length < 32) return num(Number(v));
  return num(v);
}

/** A non-negative 32-bit integer (OCSF `integer_t` counts and scores). */
export function count(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= INT32_MAX ? n : undefined;
}

/** A TCP/UDP port (`port_t`). */
export function port(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65_535 ? n : undefined;
}

/** AWS writes flags as booleans or as "true"/"false" strings (CloudTrail `mfaAuthenticated`). */
export function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** Strings of an array, at most `max` of them. */
export function strings(v: unknown, max: number): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < v.length && out.length < max; i++) {
    const s = str(v[i]);
    if (s !== undefined) out.push(s);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * An IP address exactly as OCSF `ip_t` accepts it. node:net is strict where the schema's own pattern
 * is loose: `075.050.255.67` is refused, since a leading zero reads as octal in some parsers and the
 * address it names is ambiguous.
 */
export const ip = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length <= MAX_IP_LENGTH && isIP(v) !== 0 ? v : undefined;

/**
 * A DNS name such as `ec2.amazonaws.com`: dot-separated labels of letters, digits and hyphens, with
 * at least one letter so that a malformed IP (`075.050.255.67`) is never taken for a name.
 */
export function dnsName(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 253) return undefined;
  let letters = false;
  let labelLength = 0;
  let dots = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 46 /* . */) {
      if (labelLength === 0 || v.charCodeAt(i - 1) === 45) return undefined;
      dots++;
      labelLength = 0;
      continue;
    }
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    const digit = c >= 48 && c <= 57;
    if (!letter && !digit && !(c === 45 /* - */ && labelLength > 0)) return undefined;
    if (letter) letters = true;
    if (++labelLength > 63) return undefined;
  }
  return letters && dots > 0 && labelLength > 0 && v.charCodeAt(v.length - 1) !== 45 ? v : undefined;
}

/** Assigns only defined values, so events carry no `undefined` attributes for a validator to trip on. */
export function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** True when an object literal built with `put` received nothing. */
export const isEmpty = (o: object): boolean => {
  for (const _ in o) return false;
  return true;
};

/**
 * Copies one field the mapping did not use into `unmapped`. The default stores by computed key;
 * a source whose records all carry the same few unmapped fields can name them in a switch, so
 * each is a store by name, which V8 caches per site, where a store by computed key goes through a
 * megamorphic lookup every time (about 0.07 µs a CloudTrail record). Either way the same fields
 * land in the same order.
 */
export type KeepField = (unmapped: Fields, key: string, value: unknown) => void;

const keepField: KeepField = (unmapped, key, value) => {
  unmapped[key] = value;
};

/** Key positions a MappedKeys remembers: records with more keys look the rest up each time. */
const MAX_REMEMBERED_KEYS = 64;

/**
 * The top-level keys a normaliser maps, for `unmappedOf`. A source's records come with the same
 * keys in the same order, and JSON.parse hands the keys out as interned strings: comparing a key with
 * the one at the same position in the previous record is a pointer comparison, where asking the Set
 * hashes and probes. unmappedOf asks every key of every record, so on the CloudTrail hot path the
 * Set was most of its cost. A key that differs from the remembered one is looked up in the Set and
 * remembered in its place; at most MAX_REMEMBERED_KEYS positions, whatever a hostile stream sends.
 */
export class MappedKeys {
  readonly #set: ReadonlySet<string>;
  /** The keys of the last record seen, by position, and whether each is mapped. */
  readonly #keys: string[] = [];
  readonly #mapped: boolean[] = [];

  /** `keep` copies each unmapped field into `unmapped`; see KeepField. */
  constructor(
    keys: Iterable<string>,
    readonly keep: KeepField = keepField,
  ) {
    this.#set = new Set(keys);
  }

  /** Whether `key`, found at `position` among a record's keys, is mapped. */
  at(key: string, position: number): boolean {
    if (position < this.#keys.length && this.#keys[position] === key) return this.#mapped[position] === true;
    const mapped = this.#set.has(key);
    // Positions come one after another, so the arrays grow without holes.
    if (position < MAX_REMEMBERED_KEYS) {
      this.#keys[position] = key;
      this.#mapped[position] = mapped;
    }
    return mapped;
  }
}

/** True when `o` has an enumerable key of its own or inherited. */
function hasEnumerableKey(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * True when for…in over `record` can only yield its own keys: its prototype is null, or is
 * Object.prototype with nothing enumerable on it (as for every JSON.parse record, unless something
 * polluted Object.prototype). Asked once per record, it spares an Object.hasOwn call per key.
 */
function enumeratesOwnKeysOnly(record: object): boolean {
  const proto = Object.getPrototypeOf(record);
  return proto === null || (proto === Object.prototype && !hasEnumerableKey(proto));
}

/**
 * The record's keys OCSF has no place for, by reference (no copies), or undefined when there are
 * none. `__proto__` is left to the raw record: assigning it would replace the result's prototype.
 */
export function unmappedOf(record: Fields, mapped: MappedKeys): Fields | undefined {
  let out: Fields | undefined;
  let position = 0;
  // for…in rather than Object.keys: no array allocated per record on the hot path. Records come
  // from JSON.parse (no inherited enumerable keys); hasOwn keeps any other caller honest, and is
  // only asked when the prototype chain has enumerable keys to offer.
  const ownOnly = enumeratesOwnKeysOnly(record);
  for (const key in record) {
    if (mapped.at(key, position++) || key === '__proto__' || (!ownOnly && !Object.hasOwn(record, key)))
      continue;
    out ??= {};
    mapped.keep(out, key, record[key]);
  }
  return out;
}
