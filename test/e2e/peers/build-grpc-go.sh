#!/usr/bin/env bash
# Builds our grpc-go xDS client (test/e2e/peers/grpc-go: a small program on google.golang.org/grpc's
# xds:/// resolver that calls the echo test backends and prints per-backend counts) from the Go
# module proxy into the peer cache outside the clone. The binary is never committed.
#
#   test/e2e/peers/build-grpc-go.sh            build unless the cache already matches the sources
#   test/e2e/peers/build-grpc-go.sh --check    exit 0 when the cache matches, 1 otherwise (no build)
#   test/e2e/peers/build-grpc-go.sh --print    print the binary's path
#
# Cache: ${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/grpc-go/{bin/grpc-go-xds-client,stamp}.
# The stamp is the sha256 of go.mod, go.sum, the Go sources (sorted by name) and this script;
# test/e2e/support/grpc-go-peer.ts computes the same hash and refuses a stale binary.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mod="$here/grpc-go"
cache="${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/grpc-go"
bin="$cache/bin/grpc-go-xds-client"

stamp() {
  (cd "$mod" && cat go.mod go.sum $(LC_ALL=C ls *.go | LC_ALL=C sort) "$here/build-grpc-go.sh") |
    sha256sum | cut -d' ' -f1
}

up_to_date() { [[ -f "$cache/stamp" && "$(cat "$cache/stamp")" == "$(stamp)" && -x "$bin" ]]; }

case "${1:-}" in
  --check) up_to_date && exit 0 || exit 1 ;;
  --print) echo "$bin"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--check|--print]" >&2; exit 2 ;;
esac

if up_to_date; then
  echo "grpc-go xDS client up to date in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "go is required to build the grpc-go xDS client" >&2; exit 1; }
mkdir -p "$cache/bin"
# One build at a time per cache (parallel CI steps or test workers).
exec 9>"$cache/.lock"
flock 9
if up_to_date; then
  echo "grpc-go xDS client up to date in $bin (built by another process)"
  exit 0
fi
export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
version=$(awk '{ for (i = 1; i < NF; i++) if ($i == "google.golang.org/grpc") print $(i + 1) }' "$mod/go.mod")
echo "building grpc-go xDS client (grpc $version) with $(go version) into $bin"
start=$(date +%s)
# -mod=readonly: go.mod and go.sum are committed and complete; a build never rewrites them.
(cd "$mod" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
stamp >"$cache/stamp"
echo "grpc-go xDS client built in $(($(date +%s) - start))s"
