#!/usr/bin/env bash
# The safety benchmark: four incidents (a kernel that panics on reboot everywhere; the same on one
# hardware class; a service that fails six hours after install; the network lost after install)
# and a calm rollout, on a generated fleet with Kafka, ZooKeeper and Cassandra groups, rolled out by
# Patchwave's policy (the controller's own planner and state machine on a virtual clock) and by
# unattended-upgrades, kured, Ansible serial and SSM rate control as documented. Prints a Markdown
# table and writes an SVG chart per incident under target/safety/; then times a 10,000-host,
# seven-day rollout. Last line: simulate_10000_hosts_ms=<ms> decisions=<n> finished_after=<h>.
# Usage: bench/safety.sh [hosts, default 2000] [runs per incident, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests compile
# the policy reader needs Jackson (YAML): the runtime class path, written once
[ -s target/bench-classpath.txt ] ||
  ./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
    -Dmdep.includeScope=runtime
exec java -Xmx2g -cp "target/classes:$(cat target/bench-classpath.txt)" bench/SafetyBench.java "$@"
