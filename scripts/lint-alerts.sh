#!/usr/bin/env bash
# Checks the chart's alert rules with promtool: renders the PrometheusRule (default thresholds), pulls its
# spec.groups out (scripts/extract-rules.mjs), runs `promtool check rules` on them and `promtool test rules` on
# helm/alerts/brreg-efm-bridge.rules.test.yaml, which fires each alert on a hand-made series and shows it quiet on
# a healthy one. promtool comes from Debian's `prometheus` package: only the binary, extracted into .tools/ (no
# service is installed or started). Set PROMTOOL=/path/to/promtool to use another one.
set -euo pipefail
cd "$(dirname "$0")/.."

CHART=helm/brreg-efm-bridge
TESTS=helm/alerts/brreg-efm-bridge.rules.test.yaml
# shellcheck source=scripts/helm.sh
source scripts/helm.sh
ensure_helm

ensure_promtool() {
  if [[ -n "${PROMTOOL:-}" ]]; then
    return
  fi
  if command -v promtool >/dev/null 2>&1; then
    PROMTOOL=$(command -v promtool)
    return
  fi
  PROMTOOL=.tools/promtool
  if [[ -x "$PROMTOOL" ]] && "$PROMTOOL" --version >/dev/null 2>&1; then
    return
  fi
  echo "== fetching promtool from Debian's prometheus package into .tools/"
  local tmp
  tmp=$(mktemp -d)
  # `apt-get download` needs no root and installs nothing; refresh the lists once if the package is unknown.
  (cd "$tmp" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get download prometheus >/dev/null; }; })
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
  mkdir -p .tools
  install -m 0755 "$tmp/x/usr/bin/promtool" "$PROMTOOL"
  rm -rf "$tmp"
}
ensure_promtool
PROMTOOL=$(realpath "$PROMTOOL")
echo "== $("$PROMTOOL" --version 2>&1 | head -1)"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$HELM" template bridge "$CHART" --namespace integrasjon -f "$CHART/ci/default-values.yaml" \
  --set metrics.prometheusRule.enabled=true --show-only templates/prometheusrule.yaml >"$out/rendered.yaml"
node scripts/extract-rules.mjs "$out/rendered.yaml" >"$out/brreg-efm-bridge.rules.yaml"
echo "== promtool check rules (default thresholds; full values: own selector, labels, runbook_url)"
"$PROMTOOL" check rules "$out/brreg-efm-bridge.rules.yaml"
"$HELM" template bridge "$CHART" --namespace integrasjon -f "$CHART/ci/full-values.yaml" \
  --show-only templates/prometheusrule.yaml | node scripts/extract-rules.mjs >"$out/full.rules.yaml"
"$PROMTOOL" check rules "$out/full.rules.yaml"

# Every alert of the chart has a test that expects it to fire.
alerts=$(grep -oP '^\s+- alert: \K\S+' "$out/brreg-efm-bridge.rules.yaml" | sort -u)
for alert in $alerts; do
  if ! grep -qE "alertname: $alert\$" "$TESTS" || ! grep -A3 -E "alertname: $alert\$" "$TESTS" | grep -q 'exp_labels\|exp_alerts: \*'; then
    echo "  ✗ $alert: $TESTS has no test that expects it to fire" >&2
    exit 1
  fi
done
if ! grep -q "runbook" "$out/brreg-efm-bridge.rules.yaml"; then
  echo "  ✗ the rules carry no runbook annotation" >&2
  exit 1
fi

echo "== promtool test rules ($(grep -c '^  - name:' "$TESTS") tests, $(wc -w <<<"$alerts") alerts)"
# rule_files in the test file are relative to it: run it from a copy next to the rendered rules.
cp "$TESTS" "$out/"
(cd "$out" && "$PROMTOOL" test rules "$(basename "$TESTS")")
echo "alert rules OK"
