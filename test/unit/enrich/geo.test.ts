import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { type GeoipCountryModule, geoipCountryLookup } from '../../../shared/enrich/geo.ts';
import { TransientError, ValidationError } from '../../../shared/errors.ts';

const COUNTRY_CODE = /^[A-Z]{2}$/;
const geoipLoaded = () =>
  Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('geoip-country'));

describe('geoipCountryLookup', () => {
  it('does not read the database until the first lookup', () => {
    expect(geoipLoaded()).toBe(false);
    const lookup = geoipCountryLookup();
    expect(geoipLoaded()).toBe(false);
    lookup('8.8.8.8');
    expect(geoipLoaded()).toBe(true);
  });

  it('locates well-known public addresses', () => {
    const lookup = geoipCountryLookup();
    // Google's anycast resolver has been registered to the US in every GeoLite2 release.
    expect(lookup('8.8.8.8')).toEqual({ country: 'US' });
    expect(lookup('2001:4860:4860::8888')?.country).toMatch(COUNTRY_CODE);
    // Real public addresses from the labelled CloudTrail records.
    expect(lookup('52.42.146.205')?.country).toMatch(COUNTRY_CODE);
    expect(lookup('46.91.25.204')?.country).toMatch(COUNTRY_CODE);
  });

  it('has no country for addresses that are not on the internet', () => {
    const lookup = geoipCountryLookup();
    expect(lookup('10.0.0.1')).toBeUndefined();
    expect(lookup('127.0.0.1')).toBeUndefined();
    expect(lookup('not an address')).toBeUndefined();
  });

  it('loads once, however many lookups follow', () => {
    const load = vi.fn((): GeoipCountryModule => ({ lookup: () => ({ country: 'NZ' }) }));
    const lookup = geoipCountryLookup(load);
    expect(load).not.toHaveBeenCalled();
    expect([lookup('1.2.3.4'), lookup('5.6.7.8')]).toEqual([{ country: 'NZ' }, { country: 'NZ' }]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('passes on only ISO 3166 alpha-2 codes', () => {
    for (const country of ['nz', 'NZL', '', 7, null]) {
      expect(geoipCountryLookup(() => ({ lookup: () => ({ country }) }))('1.2.3.4')).toBeUndefined();
    }
  });

  it('reports a missing database once, then answers without it', () => {
    const load = vi.fn((): GeoipCountryModule => {
      throw Object.assign(new Error("Cannot find module 'geoip-country'"), { code: 'MODULE_NOT_FOUND' });
    });
    const lookup = geoipCountryLookup(load);
    expect(() => lookup('8.8.8.8')).toThrow(ValidationError);
    expect(lookup('8.8.8.8')).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reports other load faults as transient', () => {
    const lookup = geoipCountryLookup(() => {
      throw Object.assign(new Error('too many open files'), { code: 'EMFILE' });
    });
    expect(() => lookup('8.8.8.8')).toThrow(TransientError);
  });
});
