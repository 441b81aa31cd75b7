#!/usr/bin/env bash
# Builds the Consul test peer (github.com/hashicorp/consul v1.22.6, the agent's main package) from
# the Go module proxy through our wrapper module test/e2e/peers/consul (it re-declares Consul's
# exclude directives, which `go install pkg@version` refuses), into a cache directory outside the
# clone. The binary is never committed. Consul is BSL 1.1: fine as a local test peer.
#
#   test/e2e/peers/build-consul.sh            build unless the cache already matches the pins
#   test/e2e/peers/build-consul.sh --check    exit 0 when the cache matches, 1 otherwise (no build)
#   test/e2e/peers/build-consul.sh --print    print the binary's path
#
# Cache: ${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/consul/{bin/consul,stamp}. The stamp
# is the sha256 of go.mod, go.sum and this script; test/e2e/support/registry-peers.ts computes the
# same hash and refuses a stale binary.
#
# go.sum was written once with `go mod tidy` and
# GONOSUMDB=github.com/hashicorp/consul/proto-public,github.com/hashicorp/consul/envoyextensions,github.com/hashicorp/consul/troubleshoot
# because the checksum database reachable here answers 404 for those three submodule versions
# (the module proxy serves them). Builds verify every download against the committed go.sum.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mod="$here/consul"
cache="${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/consul"
bin="$cache/bin/consul"

stamp() { cat "$mod/go.mod" "$mod/go.sum" "$here/build-consul.sh" | sha256sum | cut -d' ' -f1; }

up_to_date() { [[ -f "$cache/stamp" && "$(cat "$cache/stamp")" == "$(stamp)" && -x "$bin" ]]; }

case "${1:-}" in
  --check) up_to_date && exit 0 || exit 1 ;;
  --print) echo "$bin"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--check|--print]" >&2; exit 2 ;;
esac

if up_to_date; then
  echo "consul up to date in $bin"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build consul" >&2; exit 1; }
mkdir -p "$cache/bin"
# One build at a time per cache (parallel CI steps or test workers).
exec 9>"$cache/.lock"
flock 9
if up_to_date; then
  echo "consul up to date in $bin (built by another process)"
  exit 0
fi

export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
version=$(awk '$1 == "github.com/hashicorp/consul" && $2 ~ /^v/ { print $2 }' "$mod/go.mod")
echo "building consul $version with $(go version) into $bin"
start=$(date +%s)
cd "$mod"
# -mod=readonly: go.mod and go.sum are committed and complete; a build never rewrites them.
go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.tmp" github.com/hashicorp/consul
mv "$bin.tmp" "$bin"
stamp >"$cache/stamp"
echo "consul built in $(($(date +%s) - start))s"
