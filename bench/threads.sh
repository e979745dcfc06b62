#!/usr/bin/env bash
# Training time at the default thread setting against hand-set thread counts, on a machine whose cores
# are busy: starts BUSY busy loops (default: one per core), waits until the 1-minute load average has
# seen them, then times `conceptrank train` on models/toy at the defaults and with --threads 1..cores.
# Prints one table. A benchmark, not a test: run it from the repository root after
# `mvn -B -q -DskipTests package`.
#
#   bench/threads.sh [STEPS (500)] [BUSY (cores)] [SETTLE_SECONDS (60)]
#
# Environment: JAVA (default java), NICE (a prefix for every process, e.g. "nice -n 10", applied to the
# busy loops too so that they compete on equal terms), SPIN=1 to add the old default for comparison
# (one thread per core, OMP_WAIT_POLICY=ACTIVE: threads spin-wait; slow, it is what this fixes).
set -euo pipefail
cd "$(dirname "$0")/.."

steps=${1:-500}
cores=$(nproc)
busy=${2:-$cores}
settle=${3:-60}
java=${JAVA:-java}
nice=${NICE:-}
jar=target/conceptrank.jar
refs=docs/examples/blue-striped-circle
[ -f "$jar" ] || { echo "no $jar: run mvn -B -q -DskipTests package first" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

for _ in $(seq "$busy"); do $nice sh -c 'while :; do :; done' & pids+=($!); done
echo "started $busy busy loop(s) on $cores core(s); waiting ${settle}s for the load average" >&2
sleep "$settle"

# run NAME WAIT_POLICY ARGS...: times one training; prints "NAME seconds first-progress-line".
# WAIT_POLICY "-" leaves OMP_WAIT_POLICY unset (the jar then relaunches itself with PASSIVE).
run() {
  local name=$1 policy=$2; shift 2
  local start end line
  local envs=(env -u OMP_WAIT_POLICY)
  [ "$policy" = - ] || envs=(env OMP_WAIT_POLICY="$policy")
  start=$(date +%s.%N)
  $nice "${envs[@]}" "$java" -jar "$jar" train --model models/toy --references "$refs" --placeholder '<bench>' \
      --initializer circle --steps "$steps" --seed 1 --out "$work/$name.safetensors" --json "$@" \
      >"$work/$name.json" 2>"$work/$name.err"
  end=$(date +%s.%N)
  line=$(grep -m1 '^threads:' "$work/$name.err" || echo '?')
  printf '%s\t%.1f\t%s\n' "$name" "$(echo "$end - $start" | bc)" "$line"
}

results=$(
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  run defaults -
  for t in $(seq "$cores"); do
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    run "threads-$t" - --threads "$t"
  done
  if [ "${SPIN:-0}" = 1 ]; then
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    run "spin-$cores" ACTIVE --threads "$cores"
  fi
)
echo
echo "conceptrank train, models/toy, $steps steps, $busy busy loop(s) on $cores core(s), $(date -u +%Y-%m-%d)"
printf '%-12s %10s  %s\n' run seconds "first progress line"
echo "$results" | while IFS=$'\t' read -r name secs line; do printf '%-12s %10s  %s\n' "$name" "$secs" "$line"; done
default=$(echo "$results" | awk -F'\t' '$1 == "defaults" {print $2}')
best=$(echo "$results" | awk -F'\t' '$1 ~ /^threads-/ {print $2}' | sort -n | head -1)
printf 'defaults / best hand-set = %.2f\n' "$(echo "$default / $best" | bc -l)"
