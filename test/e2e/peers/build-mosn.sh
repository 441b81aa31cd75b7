#!/usr/bin/env bash
# Builds MOSN (mosn.io/mosn v1.6.1, its upstream cmd/mosn/main) from the Go module proxy through our
# wrapper module test/e2e/peers/mosn (it re-declares MOSN's replace directives, which
# `go install pkg@version` refuses, and stands in for one module the proxy does not serve), into a
# cache directory outside the clone. The binary is never committed.
#
#   test/e2e/peers/build-mosn.sh            build unless the cache already matches the pins
#   test/e2e/peers/build-mosn.sh --check    exit 0 when the cache matches, 1 otherwise (no build)
#   test/e2e/peers/build-mosn.sh --print    print the binary's path
#
# Cache: ${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/mosn/{bin/mosn,stamp}. The stamp is
# the sha256 of go.mod, go.sum, byteio/{go.mod,byteio.go} and this script;
# test/e2e/support/mosn-peer.ts computes the same hash and refuses a stale binary.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mod="$here/mosn"
cache="${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/mosn"
bin="$cache/bin/mosn"

stamp() {
  cat "$mod/go.mod" "$mod/go.sum" "$mod/byteio/go.mod" "$mod/byteio/byteio.go" "$here/build-mosn.sh" |
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
  echo "mosn up to date in $bin"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build mosn" >&2; exit 1; }
mkdir -p "$cache/bin"
# One build at a time per cache (parallel CI steps or test workers).
exec 9>"$cache/.lock"
flock 9
if up_to_date; then
  echo "mosn up to date in $bin (built by another process)"
  exit 0
fi

# MOSN's Makefile sets CGO_ENABLED=1 only for the wasmer-tagged build; the default build needs no cgo.
export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
version=$(awk '$1 == "mosn.io/mosn" && $2 ~ /^v/ { print $2 }' "$mod/go.mod")
echo "building mosn $version with $(go version) into $bin"
start=$(date +%s)
cd "$mod"
# -mod=readonly: go.mod and go.sum are committed and complete; a build never rewrites them.
# IstioVersion: the Istio release MOSN's istio1106 adapter speaks, reported when node metadata comes
# from --service-meta rather than the config file.
go build -mod=readonly -trimpath \
  -ldflags "-s -w -X main.Version=${version#v} -X mosn.io/mosn/pkg/istio.IstioVersion=1.10.6" \
  -o "$bin.tmp" mosn.io/mosn/cmd/mosn/main
mv "$bin.tmp" "$bin"
stamp >"$cache/stamp"
echo "mosn built in $(($(date +%s) - start))s"
