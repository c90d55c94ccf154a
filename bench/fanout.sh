#!/usr/bin/env bash
# SSH fan-out: rolls out one package to N real OpenSSH servers on loopback and prints hosts per
# minute, the controller's CPU seconds per host, the hosts' side (every sshd and what it ran) in CPU
# seconds per host, and SSH commands per host.
#
# Each host is Debian's sshd on its own loopback address (127.0.1.1, 127.0.1.2, ...; 127.0.2.x after
# 250) and port 2222, with its own host key, pinned in a known_hosts file the controller is given.
# The login user is a service account made for the bench (pwbench, login shell /bin/sh; root's
# shell start-up files on a developer machine can cost more than the whole step) whose PATH starts
# with a small test package manager (apt-get, apt-cache, dpkg-query as
# shell scripts over a per-host state directory): openssl 3.0.13-0ubuntu3.4 installed, ...3.5
# pending from noble-security. Policy: one canary, then 10%, then 100%, no reboot, no disruption
# limit, the reachable check.
#
# Usage: bench/fanout.sh [hosts] [workers]   (default 200 hosts, 50 workers; needs root: it
# installs openssh-server if missing and starts the sshd servers; builds the app if missing)
# Last line: hosts=<n> workers=<w> hosts_per_min=.. controller_cpu_s_per_host=..
#   hosts_cpu_s_per_host=.. ssh_commands_per_host=..
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
workers=${2:-50}
port=18082
hz=$(getconf CLK_TCK)
[ "$(id -u)" = 0 ] || { echo "run as root: it starts sshd servers"; exit 1; }
if [ ! -x /usr/sbin/sshd ]; then
  apt-get update -q > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssh-server > /dev/null
fi
jar=$PWD/target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -B -q -DskipTests package

dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  [ -n "${KEEP:-}" ] && echo "kept: $dir" || rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/bin" "$dir/policies" /run/sshd
id pwbench > /dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent \
  --shell /bin/sh --password "*" pwbench
chmod 755 "$dir"

# --- the test package manager on the login user's PATH ---------------------------------------
cat > "$dir/bin/apt-get" << 'SH'
#!/bin/sh
# apt-get for the fan-out bench: one package, openssl; state in $PWBENCH_HOST/openssl
state=$PWBENCH_HOST/openssl
have=$(cat "$state")
want=3.0.13-0ubuntu3.5
sim=0; verb=""; pins=""
for a in "$@"; do
  case "$a" in
    -s) sim=1 ;;
    update|dist-upgrade|install) verb=$a ;;
    openssl=*) pins="$pins ${a#openssl=}" ;;
  esac
done
case "$verb" in
  update) echo "Reading package lists..." ;;
  dist-upgrade)
    [ "$have" = "$want" ] || echo "Inst openssl [$have] ($want Ubuntu:24.04/noble-security [amd64])" ;;
  install)
    v=$(echo $pins)
    [ "$v" = "$want" ] || { echo "E: Version '$v' for 'openssl' was not found" >&2; exit 100; }
    if [ $sim = 1 ]; then
      [ "$have" = "$want" ] || echo "Inst openssl [$have] ($want Ubuntu:24.04/noble-security [amd64])"
    else
      echo "$want" > "$state"
      echo "Setting up openssl ($want) ..."
    fi ;;
esac
exit 0
SH
cat > "$dir/bin/apt-cache" << 'SH'
#!/bin/sh
# apt-cache madison for the fan-out bench
for p in "$@"; do
  [ "$p" = openssl ] && echo "   openssl | 3.0.13-0ubuntu3.5 | http://archive.ubuntu.com/ubuntu noble-security/main amd64 Packages"
done
exit 0
SH
cat > "$dir/bin/dpkg-query" << 'SH'
#!/bin/sh
# dpkg-query -W for the fan-out bench
for p in "$@"; do
  [ "$p" = openssl ] && printf 'openssl\t%s\tii \n' "$(cat "$PWBENCH_HOST/openssl")"
done
exit 0
SH
chmod +x "$dir/bin/"*

# --- N sshd servers ---------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N "" -f "$dir/id_ed25519"
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
chmod 644 "$dir/authorized_keys"
: > "$dir/known_hosts"
{
  echo "apiVersion: patchwave.dev/v1"
  echo "kind: Inventory"
  echo "hosts:"
} > "$dir/inventory.yaml"
for i in $(seq 0 $((n - 1))); do
  ip=127.0.$((1 + i / 250)).$((1 + i % 250))
  h=$dir/h$i
  mkdir -p "$h"
  echo 3.0.13-0ubuntu3.4 > "$h/openssl"
  chown pwbench "$h/openssl"
  ssh-keygen -q -t ed25519 -N "" -f "$h/key"
  echo "[$ip]:2222 $(cut -d' ' -f1,2 "$h/key.pub")" >> "$dir/known_hosts"
  cat > "$h/sshd_config" << CFG
Port 2222
ListenAddress $ip
HostKey $h/key
PidFile $h/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 200:30:400
MaxSessions 100
LogLevel ERROR
SetEnv PATH=$dir/bin:/usr/bin:/bin PWBENCH_HOST=$h
CFG
  /usr/sbin/sshd -D -f "$h/sshd_config" -E "$h/log" &
  pids+=($!)
  printf '  - {name: host-%04d, address: "%s", port: 2222, transport: ssh, labels: {role: app}}\n' "$i" "$ip" >> "$dir/inventory.yaml"
done
sleep 1
cat > "$dir/policies/fanout.yaml" << 'POLICY'
apiVersion: patchwave.dev/v1
kind: RolloutPolicy
metadata: {name: fanout}
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

hosts_cpu() {
  local s=0
  for p in "${pids[@]}"; do
    s=$((s + $(awk '{print $14 + $15 + $16 + $17}' /proc/$p/stat 2> /dev/null || echo 0)))
  done
  echo $s
}

(cd "$dir" && exec java ${JAVA_OPTS:-} -Dquarkus.http.port=$port \
  -Dpatchwave.inventory.file="$dir/inventory.yaml" -Dpatchwave.policies.dir="$dir/policies" \
  -Dpatchwave.data-dir="$dir/data" -Dpatchwave.scan.enabled=false \
  -Dpatchwave.workers="$workers" -Dpatchwave.ssh.max-sessions=$((2 * workers + 8)) \
  -Dpatchwave.ssh.user=pwbench -Dpatchwave.ssh.private-key-file="$dir/id_ed25519" \
  -Dpatchwave.ssh.known-hosts-file="$dir/known_hosts" \
  -Dpatchwave.guardrails.max-in-flight-percent=100 -Dpatchwave.guardrails.first-wave.required=false \
  -Dpatchwave.guardrails.first-wave.max-size=100% -Dpatchwave.guardrails.first-wave.min-soak=0s \
  -Dpatchwave.guardrails.select-all=true \
  -jar "$jar" > "$dir/log.txt" 2>&1) &
cpid=$!
pids+=($cpid)
until curl -sf "http://localhost:$port/q/health/ready" > /dev/null 2>&1; do
  sleep 0.2
  kill -0 $cpid 2> /dev/null || { echo "controller died:"; tail -20 "$dir/log.txt"; exit 1; }
done
jpid=$(pgrep -f -n "quarkus.http.port=$port")
token=$(cat "$dir/data/admin-token")
cpu0=$(awk '{print $14 + $15}' /proc/$jpid/stat)
hcpu0=$(hosts_cpu)
t0=$(date +%s%N)
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"policy": "fanout"}' "http://localhost:$port/api/v1/rollouts" > /dev/null
phase=""
until [[ "$phase" == COMPLETED* || "$phase" == HALTED || "$phase" == PAUSED ]]; do
  sleep 0.5
  phase=$(curl -sf -H "Authorization: Bearer $token" "http://localhost:$port/api/v1/rollouts?limit=1" \
    | sed -n 's/.*"phase":"\([A-Z_]*\)".*/\1/p' | head -1)
done
wall=$(( ($(date +%s%N) - t0) / 1000000 ))
cpu1=$(awk '{print $14 + $15}' /proc/$jpid/stat)
hcpu1=$(hosts_cpu)
commands=$(curl -sf "http://localhost:$port/q/metrics" \
  | awk '/^patchwave_host_command_duration_seconds_count\{.*transport="ssh"/ {s += $2} END {printf "%d", s}')
healthy=$(curl -sf -H "Authorization: Bearer $token" "http://localhost:$port/api/v1/rollouts/1" \
  | sed -n 's/.*"hosts":{"total":[0-9]*,.*"HEALTHY":\([0-9]*\).*/\1/p')
echo "phase=$phase healthy=${healthy:-0} wall_s=$(awk "BEGIN {printf \"%.1f\", $wall/1000}")"
echo "hosts=$n workers=$workers hosts_per_min=$(awk "BEGIN {printf \"%.0f\", $n * 60000 / $wall}") controller_cpu_s_per_host=$(awk "BEGIN {printf \"%.3f\", ($cpu1 - $cpu0) / $hz / $n}") hosts_cpu_s_per_host=$(awk "BEGIN {printf \"%.3f\", ($hcpu1 - $hcpu0) / $hz / $n}") ssh_commands_per_host=$(awk "BEGIN {printf \"%.1f\", $commands / $n}")"
