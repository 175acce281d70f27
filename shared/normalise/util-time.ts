/**
 * Timestamps as OCSF wants them (`timestamp_t`: integer milliseconds since the epoch), read from
 * the shapes AWS and log exporters write.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Latest instant accepted: 9999-12-31T23:59:59.999Z. Later values are corrupt, not future. */
const MAX_MS = 253_402_300_799_999;

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, in integer arithmetic (the civil-calendar
 * algorithm: count from a March-based year so that the leap day falls last). Date.UTC does the same
 * but costs more than the rest of the parse.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The two-digit decimal number at `s[i]` and `s[i + 1]`, or -1 unless both are digits. Callers
 * keep both indexes inside the string. Every field of a timestamp is two digits (the year is two
 * pairs), so this straight-line read replaces a general digit loop on a path every record takes.
 */
function twoDigits(s: string, i: number): number {
  const high = s.charCodeAt(i) - 48;
  const low = s.charCodeAt(i + 1) - 48;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

/** Milliseconds east of UTC for a zone suffix at `at` (`Z`, `+hh:mm`, `+hhmm`, `+hh`, or none = UTC); NaN if malformed. */
function zoneOffset(s: string, at: number): number {
  if (at === s.length) return 0;
  const c = s.charCodeAt(at);
  if ((c === 90 || c === 122) /* Z z */ && at + 1 === s.length) return 0;
  if (c !== 43 && c !== 45 /* + - */) return Number.NaN;
  const rest = s.length - at - 1;
  const hours = rest >= 2 ? twoDigits(s, at + 1) : -1;
  const colon = rest === 5 && s.charCodeAt(at + 3) === 58;
  const minutes = rest === 2 ? 0 : rest === 4 ? twoDigits(s, at + 3) : colon ? twoDigits(s, at + 4) : -1;
  if (hours < 0 || minutes < 0 || hours > 18 || minutes > 59) return Number.NaN;
  return (c === 43 ? 1 : -1) * (hours * 60 + minutes) * 60_000;
}

/** At most this many fraction digits are read; the first three make the milliseconds. */
const MAX_FRACTION_DIGITS = 9;

/**
 * Milliseconds since the epoch from `YYYY-MM-DD[T ]hh:mm:ss[.fraction][Z|±hh[:mm]]`, or undefined
 * unless it names a real instant after 1970. AWS writes RFC 3339 (`2024-01-01T00:00:00Z`); Panther
 * and Athena exports write a blank for the `T`, up to nine fraction digits and no zone, meaning UTC.
 * Read by character position rather than a regex: it runs once or more for every record.
 */
export function parseDateTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length < 19 || v.length > 40) return undefined;
  const sep = v.charCodeAt(10);
  if (
    v.charCodeAt(4) !== 45 ||
    v.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 116 && sep !== 32) /* T t blank */ ||
    v.charCodeAt(13) !== 58 ||
    v.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const century = twoDigits(v, 0);
  const yearOfCentury = twoDigits(v, 2);
  const month = twoDigits(v, 5);
  const day = twoDigits(v, 8);
  const hour = twoDigits(v, 11);
  const minute = twoDigits(v, 14);
  const second = twoDigits(v, 17);
  // Date.UTC would quietly roll 2024-02-30 into March; a date that does not exist is refused instead.
  if (century < 0 || yearOfCentury < 0 || month < 1 || month > 12 || day < 1) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const year = century * 100 + yearOfCentury;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day > monthDays) return undefined;
  let at = 19;
  let millis = 0;
  const point = at < v.length ? v.charCodeAt(at) : 0;
  if (point === 46 || point === 44 /* . , */) {
    const start = ++at;
    const end = Math.min(v.length, start + MAX_FRACTION_DIGITS);
    for (; at < end; at++) {
      const digit = v.charCodeAt(at) - 48;
      if (digit < 0 || digit > 9) break;
      if (at - start < 3) millis = millis * 10 + digit;
    }
    if (at === start) return undefined;
    const width = at - start;
    if (width === 1) millis *= 100;
    else if (width === 2) millis *= 10;
  }
  const offset = zoneOffset(v, at);
  if (Number.isNaN(offset)) return undefined;
  const t =
    (daysSinceEpoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis - offset;
  return t >= 0 && t <= MAX_MS ? t : undefined;
}

/**
 * Epoch seconds, milliseconds, microseconds or nanoseconds (number or digit string), told apart by
 * magnitude: 1e11 s is the year 5138, 1e11 ms is 1973, so the ranges cannot be confused for any
 * date a log can honestly carry.
 */
export function parseEpoch(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && EPOCH_TEXT.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const ms = n < 1e11 ? n * 1000 : n < 1e14 ? n : n < 1e17 ? n / 1e3 : n < 1e20 ? n / 1e6 : Number.NaN;
  return ms <= MAX_MS ? Math.trunc(ms) : undefined;
}

const EPOCH_TEXT = /^\d{9,20}(?:\.\d{1,9})?$/;

/** A date-time string or an epoch number: what a log of unknown origin may use. */
export const parseAnyTime = (v: unknown): number | undefined => parseDateTime(v) ?? parseEpoch(v);

/**
 * `parse` remembering its last string argument and result: consecutive records of a stream repeat
 * the same timestamp text (CloudTrail times have whole seconds; a session's calls share its creation
 * date). Comparing a short string costs less than reading it again. Other arguments are not remembered.
 */
export function lastOf(parse: (v: unknown) => number | undefined): (v: unknown) => number | undefined {
  let lastText: string | undefined;
  let lastValue: number | undefined;
  return (v) => {
    if (typeof v !== 'string' || v.length > 40) return parse(v);
    if (v !== lastText) {
      lastValue = parse(v);
      lastText = v;
    }
    return lastValue;
  };
}
