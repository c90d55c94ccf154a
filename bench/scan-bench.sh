#!/usr/bin/env bash
# Scans a fleet of emulated hosts (half apt, half dnf) behind MINA SSHD servers on loopback, over
# real SSH, as the controller's periodic scan does, and prints scan time, commands per scan,
# hosts per minute and CPU per host. Last line: scan_ms_median=<ms> hosts_per_min=<n>.
# Usage: bench/scan-bench.sh [hosts] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests test-compile
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
exec java -Xmx1g -cp "target/classes:target/test-classes:$(cat target/bench-classpath.txt)" \
  bench/ScanBench.java "$@"
