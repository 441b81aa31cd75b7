#!/usr/bin/env bash
# Builds the xDS validator (this directory: an ADS client running go-control-plane's ValidateAll
# on every resource and every Any inside it) from the Go module proxy into the peer cache outside
# the clone. The binary is never committed.
#
#   test/e2e/xds-validator/build.sh            build unless the cache already matches the sources
#   test/e2e/xds-validator/build.sh --check    exit 0 when the cache matches, 1 otherwise (no build)
#   test/e2e/xds-validator/build.sh --print    print the binary's path
#
# Cache: ${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/xds-validator/{bin/xds-validator,stamp}.
# The stamp is the sha256 of go.mod, go.sum, the Go sources (sorted by name) and this script;
# test/e2e/support/xds-validator.ts computes the same hash and refuses a stale binary.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache="${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/xds-validator"
bin="$cache/bin/xds-validator"

stamp() {
  (cd "$here" && cat go.mod go.sum $(LC_ALL=C ls *.go | LC_ALL=C sort) build.sh) | sha256sum | cut -d' ' -f1
}

up_to_date() { [[ -f "$cache/stamp" && "$(cat "$cache/stamp")" == "$(stamp)" && -x "$bin" ]]; }

case "${1:-}" in
  --check) up_to_date && exit 0 || exit 1 ;;
  --print) echo "$bin"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--check|--print]" >&2; exit 2 ;;
esac

if up_to_date; then
  echo "xds-validator up to date in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "go is required to build the xds-validator" >&2; exit 1; }
mkdir -p "$cache/bin"
exec 9>"$cache/.lock"
flock 9
if up_to_date; then
  echo "xds-validator up to date in $bin (built by another process)"
  exit 0
fi
export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
echo "building xds-validator with $(go version) into $bin"
start=$(date +%s)
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .)
"$bin.tmp" -self-test
mv "$bin.tmp" "$bin"
stamp > "$cache/stamp"
echo "xds-validator built in $(($(date +%s) - start)) s"
