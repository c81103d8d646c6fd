import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * `brreg-efm-bridge/<version> (<platform>)`, the form the IP asks of its clients. The version is read from
 * our package.json, found by walking up from this file (its depth differs between src/ and dist/src/).
 */
export function userAgent(): string {
  return `brreg-efm-bridge/${ownVersion()} (${process.platform}; node ${process.versions.node})`;
}

/** Our package.json's version (also on every log line and in build_info). */
export function ownVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
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
