#!/usr/bin/env bash
# Validates manifests offline against the Kubernetes OpenAPI schema (validate.js): installs the
# npm packages kubernetes-models and js-yaml (versions pinned below) from the npm registry
# into a temp dir, runs the check, removes the dir. Needs node and npm (Debian: npm).
#   deploy/kubernetes/validate.sh FILE.yaml…
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d /tmp/mapsla-validate.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
files=()
for f in "$@"; do files+=("$(realpath "$f")"); done
cp "$here/validate.js" "$tmp/"
(cd "$tmp" && npm install --silent --no-audit --no-fund --no-save --cache "$tmp/.npm" \
  kubernetes-models@4.5.1 js-yaml@4.1.0 >/dev/null)
node "$tmp/validate.js" "${files[@]}"
