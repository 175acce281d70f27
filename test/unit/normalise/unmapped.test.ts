import { describe, expect, it } from 'vitest';
import { type Fields, MappedKeys, unmappedOf } from '../../../shared/normalise/util-fields.ts';

/**
 * unmappedOf remembers the previous record's keys by position and skips Object.hasOwn when the
 * prototype chain has nothing enumerable. Whatever it remembers, the answer must be the plain
 * definition: every own key that is not mapped, in record order, `__proto__` left out.
 */
const MAPPED = ['eventName', 'eventSource', 'eventTime'];

function reference(record: Fields): Fields | undefined {
  let out: Fields | undefined;
  for (const key in record) {
    if (MAPPED.includes(key) || key === '__proto__' || !Object.hasOwn(record, key)) continue;
    out ??= {};
    out[key] = record[key];
  }
  return out;
}

const same = (mapped: MappedKeys, record: Fields) => {
  const got = unmappedOf(record, mapped);
  const want = reference(record);
  expect(got).toEqual(want);
  expect(got === undefined ? undefined : Object.keys(got)).toEqual(
    want === undefined ? undefined : Object.keys(want),
  );
};

describe('unmappedOf with MappedKeys', () => {
  it('answers per record when the key order and the keys change from one record to the next', () => {
    const mapped = new MappedKeys(MAPPED);
    const records: Fields[] = [
      { eventName: 'a', eventSource: 'b', extra: 1, eventTime: 't', more: 2 },
      { eventName: 'a', eventSource: 'b', extra: 1, eventTime: 't', more: 2 },
      { extra: 1, eventName: 'a', more: 2, eventSource: 'b' },
      { eventTime: 't', other: 3 },
      { eventName: 'a', eventSource: 'b', eventTime: 't' },
      {},
      { eventName: 'x', eventTime: 'y', eventSource: 'z', extra: [1], more: { b: 2 } },
    ];
    for (const record of [...records, ...records.reverse()]) same(mapped, record);
  });

  it('answers for records with more keys than it remembers', () => {
    const mapped = new MappedKeys(MAPPED);
    const wide = (shift: number): Fields => {
      const record: Fields = {};
      for (let i = 0; i < 200; i++)
        record[i % 7 === 0 ? MAPPED[i % 3] + String(i + shift) : `k${i + shift}`] = i;
      record.eventName = 'n';
      record.tail = shift;
      return record;
    };
    for (const shift of [0, 0, 1, 0, 5]) same(mapped, wide(shift));
  });

  it('leaves inherited keys and an own __proto__ to the raw record', () => {
    const mapped = new MappedKeys(MAPPED);
    same(
      mapped,
      Object.assign(Object.create({ inherited: 'x', eventName: 'y' }), { own: 1, eventSource: 's' }),
    );
    same(mapped, Object.assign(Object.create(null), { own: 1, eventSource: 's' }));
    same(mapped, JSON.parse('{"__proto__": {"polluted": true}, "own": 1, "eventName": "n"}'));
    Object.defineProperty(Object.prototype, 'pollutedKey', {
      value: 'p',
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      same(mapped, { own: 1, eventName: 'n' });
      same(mapped, JSON.parse('{"own": 1, "eventName": "n"}'));
    } finally {
      delete (Object.prototype as Fields).pollutedKey;
    }
    same(mapped, { own: 1, eventName: 'n' });
  });

  it('copies each unmapped field through the given keep function, in record order', () => {
    const seen: string[] = [];
    const mapped = new MappedKeys(MAPPED, (unmapped, key, value) => {
      seen.push(key);
      unmapped[key] = value;
    });
    const record = { b: 1, eventName: 'n', a: 2, c: 3 };
    expect(unmappedOf(record, mapped)).toEqual({ b: 1, a: 2, c: 3 });
    expect(seen).toEqual(['b', 'a', 'c']);
  });
});
