#!/usr/bin/env bash
# Builds the Eureka test peer (Spring Cloud Netflix Eureka Server, Spring Boot 3.5.0 + Spring Cloud
# 2025.0.0, JDK 17) from Maven Central, out of our own pom.xml + main class + application.yml in
# test/e2e/peers/eureka, into a cache directory outside the clone. The jar is never committed.
#
#   test/e2e/peers/build-eureka.sh            build unless the cache already matches the sources
#   test/e2e/peers/build-eureka.sh --check    exit 0 when the cache matches, 1 otherwise (no build)
#   test/e2e/peers/build-eureka.sh --print    print the jar's path
#
# Cache: ${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/eureka/{bin/peer-eureka.jar,stamp}.
# The stamp is the sha256 of the peer's sources and this script; test/e2e/support/registry-peers.ts
# computes the same hash and refuses a stale jar. Maven's artifacts land in the ordinary local
# repository (~/.m2/repository), so a rebuild after the first one works offline (mvn -o is tried
# first).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src="$here/eureka"
cache="${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}/eureka"
jar="$cache/bin/peer-eureka.jar"
files=(pom.xml src/main/java/local/peers/eureka/PeerEurekaServer.java src/main/resources/application.yml)

stamp() { (cd "$src" && cat "${files[@]}" "$here/build-eureka.sh") | sha256sum | cut -d' ' -f1; }

up_to_date() { [[ -f "$cache/stamp" && "$(cat "$cache/stamp")" == "$(stamp)" && -f "$jar" ]]; }

case "${1:-}" in
  --check) up_to_date && exit 0 || exit 1 ;;
  --print) echo "$jar"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--check|--print]" >&2; exit 2 ;;
esac

if up_to_date; then
  echo "eureka up to date in $jar"
  exit 0
fi

command -v mvn >/dev/null || { echo "mvn (Maven >= 3.6.3) and JDK 17 are required to build eureka" >&2; exit 1; }
mkdir -p "$cache/bin"
# One build at a time per cache (parallel CI steps or test workers).
exec 9>"$cache/.lock"
flock 9
if up_to_date; then
  echo "eureka up to date in $jar (built by another process)"
  exit 0
fi

echo "building eureka peer (Spring Boot 3.5.0, Spring Cloud 2025.0.0) into $jar"
start=$(date +%s)
# Build in a copy under the cache so Maven's target/ never lands in the clone.
work="$cache/work"
rm -rf "$work" && mkdir -p "$work"
(cd "$src" && cp --parents "${files[@]}" "$work/")
cd "$work"
# Offline first (every artifact already in ~/.m2/repository after one build), online otherwise.
mvn -B -q -o -DskipTests package >/dev/null 2>&1 || mvn -B -q -DskipTests package
mv target/peer-eureka.jar "$jar.tmp"
mv "$jar.tmp" "$jar"
rm -rf "$work"
stamp >"$cache/stamp"
echo "eureka built in $(($(date +%s) - start))s"
