import { createRequire } from 'node:module';
import { TransientError, ValidationError } from '../errors.ts';
import { lazyOnce } from './lazy.ts';

export interface GeoLocation {
  /** ISO 3166-1 alpha-2, upper case, as OCSF `location.country` wants it. */
  country?: string;
}

/** Offline geolocation port. Callers pass only canonical public addresses (see `classifyAddress`). */
export type GeoLookup = (ip: string) => GeoLocation | undefined;

/**
 * Credit line for the data behind `geoipCountryLookup`. The geoip-country package (Apache-2.0)
 * ships MaxMind's GeoLite2 Country database, which is licensed CC BY-SA 4.0 under the GeoLite2 EULA:
 * attribution to MaxMind is required wherever Vigil is distributed, and the data may not be used
 * for FCRA purposes or to identify households or individuals.
 */
export const GEOLITE2_ATTRIBUTION =
  'This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com';

/** The `provider` Vigil names on locations and enrichments that come from this adapter. */
export const GEOLITE2_PROVIDER = 'MaxMind GeoLite2 Country (geoip-country)';

/** The slice of geoip-country's API this adapter uses. */
export interface GeoipCountryModule {
  lookup(ip: string): { country?: unknown } | null;
}

const COUNTRY_CODE = /^[A-Z]{2}$/;

/**
 * geoip-country reads its whole database (~8 MB, two files) synchronously the moment it is
 * required, so it is required here on the first lookup, never at import: most Lambda cold starts
 * serve events that need no geolocation before the first public address shows up.
 * `load` is injectable so tests can exercise the failure path.
 */
export function geoipCountryLookup(load: () => GeoipCountryModule = requireGeoipCountry): GeoLookup {
  const database = lazyOnce<GeoipCountryModule | undefined>(() => loadDatabase(load), undefined);
  return (ip) => {
    const country = database()?.lookup(ip)?.country;
    return typeof country === 'string' && COUNTRY_CODE.test(country) ? { country } : undefined;
  };
}

function loadDatabase(load: () => GeoipCountryModule): GeoipCountryModule {
  try {
    return load();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    // A missing package or data file is a packaging fault that no retry fixes.
    const missing = code === 'MODULE_NOT_FOUND' || code === 'ENOENT';
    const Kind = missing ? ValidationError : TransientError;
    throw new Kind('geolocation database failed to load', 'enrich.geo', { code: String(code ?? 'unknown') });
  }
}

function requireGeoipCountry(): GeoipCountryModule {
  return createRequire(import.meta.url)('geoip-country') as GeoipCountryModule;
}
