#!/usr/bin/env bash
# Rolls out one package to N simulated hosts (in-memory emulated hosts, no reboot, one canary, then
# 10%, then 100%, no disruption limit) through the built controller on an H2 file under a fresh
# data directory, and prints wall time, the controller's CPU per host, database bytes per host
# (live data, after compacting a copy; and the file as the run left it), and peak heap and RSS.
# Last line: hosts=<n> wall_s=.. cpu_ms_per_host=.. db_bytes_per_host=.. db_file_bytes_per_host=..
# peak_heap_mb=.. peak_rss_mb=..
# Usage: bench/scale.sh [hosts ...]   (default: 1000; needs a built app, built if missing)
# Extra JVM options: JAVA_OPTS="-Xmx512m" bench/scale.sh 10000
# KEEP=1 keeps each run's directory (log, gc.log, database) and prints where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=$PWD/target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -B -q -DskipTests package
port=18081
hz=$(getconf CLK_TCK)
[ $# -gt 0 ] || set -- 1000
for n in "$@"; do
  dir=$(mktemp -d)
  mkdir -p "$dir/policies"
  {
    echo "apiVersion: patchwave.dev/v1"
    echo "kind: Inventory"
    echo "hosts:"
    for i in $(seq 1 "$n"); do
      printf '  - {name: app-%06d, transport: simulated, labels: {role: app, rack: r%d}, simulation: {installed: {openssl: "3.0.13-0ubuntu3.4"}, available: {openssl: "3.0.13-0ubuntu3.5"}}}\n' "$i" $((i % 50))
    done
  } > "$dir/inventory.yaml"
  cat > "$dir/policies/scale.yaml" <<'POLICY'
apiVersion: patchwave.dev/v1
kind: RolloutPolicy
metadata: {name: scale}
spec:
  selector: {matchLabels: {role: app}}
  packages: {include: ["openssl"]}
  reboot: never
  disruption: {maxUnavailable: 100%}
  waves:
    - {name: canary, size: 1}
    - {size: 10%}
    - {size: 100%}
  health: {interval: 5s, timeout: 5m, checks: [{builtin: reachable}]}
POLICY
  (cd "$dir" && exec java ${JAVA_OPTS:-} -Xlog:gc:file=gc.log \
    -Dquarkus.http.port=$port \
    -Dpatchwave.inventory.file="$dir/inventory.yaml" -Dpatchwave.policies.dir="$dir/policies" \
    -Dpatchwave.data-dir="$dir/data" -Dpatchwave.scan.enabled=false \
    -Dpatchwave.simulation.command-log=0 \
    -Dpatchwave.guardrails.max-in-flight-percent=100 -Dpatchwave.guardrails.first-wave.required=false \
    -Dpatchwave.guardrails.first-wave.max-size=100% -Dpatchwave.guardrails.first-wave.min-soak=0s \
    -Dpatchwave.guardrails.select-all=true \
    -jar "$jar" > log.txt 2>&1) &
  pid=$!
  until curl -sf "http://localhost:$port/q/health/ready" > /dev/null 2>&1; do
    sleep 0.2
    kill -0 $pid 2> /dev/null || { echo "controller died:"; tail -20 "$dir/log.txt"; exit 1; }
  done
  jpid=$(pgrep -f -n "quarkus.http.port=$port")
  token=$(cat "$dir/data/admin-token")
  cpu0=$(awk '{print $14 + $15}' /proc/$jpid/stat)
  t0=$(date +%s%N)
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"policy": "scale"}' "http://localhost:$port/api/v1/rollouts" > /dev/null
  phase=""
  until [[ "$phase" == COMPLETED* || "$phase" == HALTED ]]; do
    sleep 1
    phase=$(curl -sf -H "Authorization: Bearer $token" "http://localhost:$port/api/v1/rollouts?limit=1" \
      | sed -n 's/.*"phase":"\([A-Z_]*\)".*/\1/p' | head -1)
  done
  wall=$(( ($(date +%s%N) - t0) / 1000000 ))
  cpu1=$(awk '{print $14 + $15}' /proc/$jpid/stat)
  rss=$(( $(awk '/VmHWM/ {print $2}' /proc/$jpid/status) / 1024 ))
  kill $jpid; wait $pid 2> /dev/null || true
  file=$(du -sb "$dir"/data/*.mv.db | awk '{s += $1} END {print s}')
  # live data: H2 keeps old chunks for 45 s before reusing their space (MVStore's retention time),
  # so the file left by a fast run holds garbage; compact a copy offline to measure what is kept
  cp "$dir/data/patchwave.mv.db" "$dir/compact.mv.db"
  java -cp "$(ls "$PWD"/target/quarkus-app/lib/main/com.h2database.h2-*.jar)" org.h2.tools.Shell \
    -url "jdbc:h2:file:$dir/compact" -user patchwave -password "" -sql "SHUTDOWN COMPACT" > /dev/null 2>&1 || true
  db=$(du -sb "$dir/compact.mv.db" | awk '{print $1}')
  heap=$(grep -o '[0-9]*M->' "$dir/gc.log" | sed 's/M->//' | sort -n | tail -1)
  cpu_ms=$(( (cpu1 - cpu0) * 1000 / hz ))
  echo "hosts=$n phase=$phase wall_s=$(awk "BEGIN {printf \"%.1f\", $wall/1000}") cpu_ms_per_host=$(awk "BEGIN {printf \"%.1f\", $cpu_ms/$n}") db_bytes_per_host=$(( db / n )) db_file_bytes_per_host=$(( file / n )) peak_heap_mb=${heap:-0} peak_rss_mb=$rss"
  if [ -n "${KEEP:-}" ]; then echo "kept: $dir"; else rm -rf "$dir"; fi
done
