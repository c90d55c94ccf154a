#!/usr/bin/env bash
# Plans a synthetic fleet of 100,000 hosts (groupBy cluster, rack, zone; five waves) and prints
# the median planning time. Last line: plan_ms=<milliseconds> hosts=<n>.
# Usage: bench/plan-bench.sh [hosts] [warmup-runs] [measured-runs]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests compile
exec java -Xmx2g -cp target/classes bench/PlanBench.java "$@"
