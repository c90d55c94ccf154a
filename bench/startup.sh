#!/usr/bin/env bash
# Starts the controller as the README runs it (demo profile, embedded H2, the example policies, the
# demo fleet) in a fresh working directory and prints how long it took to be ready (health UP)
# and its resident memory then. Last line: ready_ms=<ms> rss_mb=<MB>.
# Usage: bench/startup.sh [runs]   (needs a built app: ./mvnw -B -q -DskipTests package)
# JAVA=<java> runs another JDK; JAVA_OPTS adds options; ARCHIVE=none starts without the class
# archive the build recorded (target/quarkus-app/patchwave.jsa, ADR 13), as a comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
jar=$PWD/target/quarkus-app/quarkus-run.jar
archive=-XX:SharedArchiveFile=$PWD/target/quarkus-app/patchwave.jsa
[ "${ARCHIVE:-}" = none ] && archive=
[ -f "$jar" ] || ./mvnw -B -q -DskipTests package
port=18080
for r in $(seq "$runs"); do
  dir=$(mktemp -d)
  cp -r policies "$dir/"
  start=$(date +%s%N)
  (cd "$dir" && exec ${JAVA:-java} $archive ${JAVA_OPTS:-} -Dquarkus.profile=demo -Dquarkus.http.port=$port -jar "$jar" > log.txt 2>&1) &
  pid=$!
  until curl -sf "http://localhost:$port/q/health/ready" > /dev/null 2>&1; do
    sleep 0.02
    kill -0 $pid 2> /dev/null || { echo "controller died:"; cat "$dir/log.txt"; exit 1; }
  done
  ready=$(( ($(date +%s%N) - start) / 1000000 ))
  jpid=$(pgrep -f -n "quarkus.http.port=$port")
  rss=$(( $(awk '/VmRSS/ {print $2}' /proc/$jpid/status) / 1024 ))
  echo "run $r: ready_ms=$ready rss_mb=$rss"
  kill $jpid; wait $pid 2> /dev/null || true
  rm -rf "$dir"
  last="ready_ms=$ready rss_mb=$rss"
done
echo "$last"
