#!/usr/bin/env bash
# Plans a synthetic fleet of 100,000 hosts (groupBy cluster, rack, zone; five waves) and prints
# the median planning time. Last line: plan_ms=<milliseconds> hosts=<n>.
# Usage: bench/plan-bench.sh [hosts] [warmup-runs] [measured-runs] [needs]
# With "needs", every host also needs package versions the canaries must prove (the canary search
# covers them too) and the output says how many canaries it took and what it left uncovered.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests compile
exec java -Xmx2g -cp target/classes bench/PlanBench.java "$@"
