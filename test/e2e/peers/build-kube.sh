#!/usr/bin/env bash
# Builds the Kubernetes test peers (etcd, kube-apiserver, kubectl) from the Go module proxy,
# through our wrapper module test/e2e/peers/kube (its go.mod pins k8s.io/kubernetes and
# re-declares the staging replaces that `go install pkg@version` refuses), into a cache directory
# outside the clone. Binaries are never committed.
#
#   test/e2e/peers/build-kube.sh            build unless the cache already matches the pins
#   test/e2e/peers/build-kube.sh --check    exit 0 when the cache matches, 1 otherwise (no build)
#   test/e2e/peers/build-kube.sh --print    print the bin directory
#
# Cache: ${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/kube/{bin,stamp}. The stamp is the
# sha256 of go.mod, go.sum and this script; test/e2e/support/kube-cluster.ts computes the same
# hash and refuses stale binaries.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mod="$here/kube"
cache="${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/kube"
bin="$cache/bin"
binaries=(etcd kube-apiserver kubectl)

stamp() { cat "$mod/go.mod" "$mod/go.sum" "$here/build-kube.sh" | sha256sum | cut -d' ' -f1; }

up_to_date() {
  [[ -f "$cache/stamp" && "$(cat "$cache/stamp")" == "$(stamp)" ]] || return 1
  for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || return 1; done
}

case "${1:-}" in
  --check) up_to_date && exit 0 || exit 1 ;;
  --print) echo "$bin"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--check|--print]" >&2; exit 2 ;;
esac

if up_to_date; then
  echo "kube peers up to date in $bin"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build the kube peers" >&2; exit 1; }
mkdir -p "$cache"
# One build at a time per cache (parallel CI steps or test workers).
exec 9>"$cache/.lock"
flock 9
if up_to_date; then
  echo "kube peers up to date in $bin (built by another process)"
  exit 0
fi

export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
k8s_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2 }' "$mod/go.mod")
etcd_version=$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ { print $2 }' "$mod/go.mod")
minor=${k8s_version#v1.}; minor=${minor%%.*}
v=k8s.io/component-base/version
ldflags="-s -w -X $v.gitVersion=$k8s_version -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"

echo "building kube peers: kubernetes $k8s_version, etcd $etcd_version, $(go version) into $bin"
start=$(date +%s)
tmp="$cache/bin.tmp"
rm -rf "$tmp" && mkdir -p "$tmp"
cd "$mod"
# -mod=readonly: go.mod and go.sum are committed and complete; a build never rewrites them.
go build -mod=readonly -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
echo "  etcd: $(($(date +%s) - start))s"
go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
echo "  kube-apiserver: $(($(date +%s) - start))s"
go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
echo "  kubectl: $(($(date +%s) - start))s"
rm -rf "$bin" && mv "$tmp" "$bin"
stamp >"$cache/stamp"
echo "kube peers built in $(($(date +%s) - start))s: $(ls "$bin" | tr '\n' ' ')"
