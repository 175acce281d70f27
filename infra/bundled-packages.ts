import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

interface PackageManifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * The top-level `node_modules` entries that hold a package and everything it depends on at run
 * time (dependencies and installed optional dependencies, transitively), as npm installed them
 * under `root`. A dependency npm nested inside its dependent's own `node_modules` travels with
 * the dependent's folder and is not listed separately.
 */
export function installedPackageClosure(root: string, name: string): string[] {
  const topLevel = new Set<string>();
  const visited = new Set<string>();
  const visit = (dir: string) => {
    if (visited.has(dir)) return;
    visited.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
    const required = Object.keys(manifest.dependencies ?? {});
    const optional = Object.keys(manifest.optionalDependencies ?? {});
    for (const dep of [...required, ...optional]) {
      const found = resolvePackage(root, dir, dep);
      if (found === undefined) {
        if (required.includes(dep))
          throw new Error(`${dep}, a dependency of ${dir}, is not installed under ${root}: run npm ci`);
        continue;
      }
      if (found === join(root, 'node_modules', dep)) topLevel.add(dep);
      visit(found);
    }
  };
  const start = join(root, 'node_modules', name);
  if (!existsSync(join(start, 'package.json')))
    throw new Error(`${name} is not installed under ${root}: run npm ci`);
  topLevel.add(name);
  visit(start);
  return [...topLevel].sort();
}

/** Node's lookup: the nearest `node_modules/<name>` from `dir` upwards, not above `root`. */
function resolvePackage(root: string, dir: string, name: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (relative(root, current) === '' || relative(root, current).startsWith('..')) return undefined;
  }
}
