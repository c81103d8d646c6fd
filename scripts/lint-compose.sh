#!/usr/bin/env bash
# Validates docker-compose.yml offline with `docker-compose config -q` (v1.29.2 from Debian apt; there is no
# `docker compose` plugin here, see docs/development.md). Installs docker-compose only if it is missing and apt is
# usable; otherwise prints a note and exits 0, so it never fails for want of the tool.
set -euo pipefail
cd "$(dirname "$0")/.."

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
