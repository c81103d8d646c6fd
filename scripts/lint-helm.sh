#!/usr/bin/env bash
# npm run lint:helm — lints the Helm chart, renders it with default, full and existing-Secret values, schema-checks
# every rendered object (scripts/validate-manifests.mjs), and proves that values.schema.json rejects wrong values.
# Also: rendering without the required values fails naming each one, and the chart's README parameter table is
# what Bitnami's readme generator makes of values.yaml. Helm comes from scripts/helm.sh (into .tools/).
set -euo pipefail
cd "$(dirname "$0")/.."

CHART=helm/brreg-efm-bridge
RELEASE=bridge
NAMESPACE=integrasjon
# shellcheck source=scripts/helm.sh
source scripts/helm.sh
ensure_helm
helm_version=$("$HELM" version --template '{{.Version}}')
helm_major=${helm_version%%.*}
echo "== helm $helm_version"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# name → extra helm arguments
declare -A variants=(
  [default]="-f $CHART/ci/default-values.yaml"
  [full]="-f $CHART/ci/full-values.yaml"
  [existing-secret]="-f $CHART/ci/existing-secret-values.yaml"
  [cloudnative-pg]="-f $CHART/ci/cloudnative-pg-values.yaml"
)

for name in default full existing-secret cloudnative-pg; do
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
expect_rejected "config[./]REDIS_SENTINELS" --set-string "config.REDIS_SENTINELS=a:26379 b:26379"
expect_rejected "TYPO_VARIABLE" --set config.TYPO_VARIABLE=x
expect_rejected "terminationGracePeriodSeconds" --set terminationGracePeriodSeconds=20
expect_rejected "secrets[./]env[./]DATABASE_URL" --set secrets.env.DATABASE_URL=mysql://x
expect_rejected "service[./]ports[./]http" --set service.ports.http=http
expect_rejected "grafanaDashboard[./]enabled" --set grafanaDashboard.enabled=yes
expect_rejected "retentionDays" --set retentionDays=-1
expect_rejected "dashboard[./]readOnly" --set dashboard.readOnly=yes
expect_rejected "containerPorts[./]management" --set containerPorts.management=70000
expect_rejected "prometheusRule[./]rules[./]queueBacklog[./]window" --set metrics.prometheusRule.rules.queueBacklog.window=half-an-hour

echo "== required values: rendering without them fails naming each one"
expect_required() {
  local log
  if log=$("$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "$@" 2>&1); then
    echo "  ✗ rendered without required values: $*" >&2
    exit 1
  fi
  echo "$log"
}
# No values at all: every required one is named, in one message.
log=$(expect_required)
for name in config.MASKINPORTEN_CLIENT_ID config.EFM_SENDER_ORGNR secrets.env.DATABASE_URL secrets.env.REDIS_URL \
  keyMaterial.privateKey; do
  if ! grep -qF -- "- $name" <<<"$log"; then
    echo "  ✗ the failure does not name $name:" >&2
    echo "$log" >&2
    exit 1
  fi
done
echo "  ✓ no values: $(grep -c '^  - ' <<<"$log") missing values named ($(grep '^  - ' <<<"$log" | cut -d' ' -f4 | tr '\n' ' '))"
# One missing at a time, from an otherwise complete set: only that one is named.
expect_only() {
  local name=$1
  shift
  local log
  log=$(expect_required -f "$CHART/ci/default-values.yaml" "$@")
  if [[ $(grep -c '^  - ' <<<"$log") -ne 1 ]] || ! grep -qF -- "- $name" <<<"$log"; then
    echo "  ✗ $* should fail naming only $name:" >&2
    echo "$log" >&2
    exit 1
  fi
  echo "  ✓ $* → names $name"
}
expect_only config.EFM_SENDER_ORGNR --set config.EFM_SENDER_ORGNR=
expect_only secrets.env.DATABASE_URL --set secrets.env.DATABASE_URL=
expect_only database.existingSecretUriKey --set database.existingSecret=pg-app
expect_only database.host --set database.existingSecret=pg --set database.existingSecretPasswordKey=password
expect_only redis.host --set redis.existingSecret=redis --set redis.existingSecretPasswordKey=redis-password
expect_only secrets.env.ADMIN_PASSWORD --set config.ADMIN_USERNAME=ops
expect_only secrets.env.EFM_WEBHOOK_SECRET --set config.EFM_WEBHOOK_BASE_URL=http://bridge.integrasjon.svc
expect_only config.REDIS_SENTINEL_MASTER --set config.REDIS_SENTINELS=redis-sentinel:26379
# The existing Secret's DATABASE_URL key is mapped away and nothing else provides it.
expect_only secrets.env.DATABASE_URL --set secrets.existingSecret=env --set secrets.existingSecretKeys.DATABASE_URL=

echo "== README parameter table is what Bitnami's readme generator makes of values.yaml"
# The generator rewrites the table in place: run it on a copy and compare.
README_GENERATOR=@bitnami/readme-generator-for-helm@2.7.2
cp "$CHART/README.md" "$out/README.md"
if ! npx --yes "$README_GENERATOR" --values "$CHART/values.yaml" --readme "$out/README.md" >"$out/generator.log" 2>&1; then
  cat "$out/generator.log" >&2
  echo "  ✗ $README_GENERATOR failed on $CHART/values.yaml (every key needs a ## @param)" >&2
  exit 1
fi
if ! diff -u "$CHART/README.md" "$out/README.md" >"$out/readme.diff"; then
  head -40 "$out/readme.diff" >&2
  echo "  ✗ $CHART/README.md's parameter table is out of date: run" >&2
  echo "    npx $README_GENERATOR -v $CHART/values.yaml -r $CHART/README.md" >&2
  exit 1
fi
echo "  ✓ $(sed -n '/^## Parameters/,$p' "$CHART/README.md" | grep -c '^| `') parameters in $CHART/README.md, up to date"
echo "helm chart OK"
