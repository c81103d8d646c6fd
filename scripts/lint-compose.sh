#!/usr/bin/env bash
# Validates docker-compose.yml offline with `docker-compose config -q` (v1.29.2 from Debian apt; there is no
# `docker compose` plugin here). Installs docker-compose only if it is missing and apt is usable; otherwise prints a
# note and exits 0, so it never fails for want of the tool. Before that, and always, it asserts what the stack
# promises: Postgres' and Redis' data in named volumes (a `down`/`up` keeps both), Redis persisting (append-only),
# and every long-running service restarted unless stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== docker-compose.yml: named volumes, persistence, restart policies"
node --input-type=module - <<'JS'
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
const problems = [];
const named = new Set(Object.keys(compose.volumes ?? {}));
const dataVolume = (service, path) => {
  const mounts = (compose.services[service]?.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]));
  const mount = mounts.find(([, target]) => target === path);
  if (!mount || !named.has(mount[0])) {
    problems.push(`${service}: ${path} must be a named volume (top-level volumes:), so a down/up keeps it`);
  }
};
dataVolume('postgres', '/var/lib/postgresql/data');
dataVolume('redis', '/data');
const redisCommand = [compose.services.redis?.command ?? []].flat().join(' ');
if (!/--appendonly\s+yes/.test(redisCommand)) {
  problems.push('redis: persistence must be on (--appendonly yes): it holds the queues');
}
for (const [name, service] of Object.entries(compose.services)) {
  if (service.restart !== 'unless-stopped') {
    problems.push(`${name}: restart must be unless-stopped (every service here is long-running)`);
  }
}
if (problems.length > 0) {
  problems.forEach((p) => console.error(`  ✗ ${p}`));
  process.exit(1);
}
console.log(`  ✓ ${Object.keys(compose.services).length} services restart unless stopped; postgres and redis data in named volumes`);
JS

compose=""
if command -v docker-compose >/dev/null 2>&1; then
  compose=docker-compose
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  compose="docker compose"
elif command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
  echo "== installing docker-compose (apt)"
  if { apt-get install -y --no-install-recommends docker-compose >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends docker-compose >/dev/null 2>&1; }; } &&
    command -v docker-compose >/dev/null 2>&1; then
    compose=docker-compose
  fi
fi

if [[ -z $compose ]]; then
  echo "note: docker-compose is not available and could not be installed (no apt, not root, or offline);" \
    "docker-compose.yml was not validated"
  exit 0
fi

echo "== $compose config -q ($($compose version --short 2>/dev/null || $compose version | head -1))"
$compose -f docker-compose.yml config -q
echo "docker-compose.yml OK"
