import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * `brreg-efm-bridge/<version> (<platform>)`, the form the IP asks of its clients. The version is read from
 * our package.json, found by walking up from this file (its depth differs between src/, dist/src/ and a test's copy of dist/).
 */
export function userAgent(): string {
  return `brreg-efm-bridge/${ownVersion()} (${process.platform}; node ${process.versions.node})`;
}

/** The version in our package.json. */
export function ownVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'brreg-efm-bridge' && pkg.version) {
        return pkg.version;
      }
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}
