import { describe, expect, it } from 'vitest';
import { installedPackageClosure } from '../../infra/bundled-packages.ts';

const ROOT = process.cwd();

describe('installedPackageClosure', () => {
  it('lists a package with everything it needs at run time, each once', () => {
    const closure = installedPackageClosure(ROOT, 'geoip-country');
    // countries-list is what geoip-country requires when it loads; the rest serve its update script.
    expect(closure).toEqual(expect.arrayContaining(['geoip-country', 'countries-list']));
    expect(new Set(closure).size).toBe(closure.length);
    expect(closure).toEqual([...closure].sort());
  });

  it('lists a package without dependencies alone', () => {
    expect(installedPackageClosure(ROOT, 'ipaddr.js')).toEqual(['ipaddr.js']);
  });

  it('says so when the package is not installed, rather than shipping a bundle without it', () => {
    expect(() => installedPackageClosure(ROOT, 'vigil-no-such-package')).toThrow(
      /is not installed .*: run npm ci/,
    );
  });
});
