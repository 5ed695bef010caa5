#!/bin/bash
# bench_burstd_slurmctld.sh: stratus-burstd's cycle (read slurmctld's jobs,
# nodes and partitions, then plan) against a real slurmctld holding
# BENCH_ARRAY_TASKS pending array tasks (default 500000, in arrays of
# 100000), the burst partition CLOUD nodes to plan for. Prints greppable
# figures "burstd.slurmctld.*": the tasks slurmctld holds, and the median
# wall time of BENCH_ROUNDS (default 5) `stratus-burstd --once --dry-run`.
# Figures only, never assertions. Run as root; skips (exit 0) otherwise.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${STRATUS_BUILD_DIR:-$SRC_DIR}
TASKS=${BENCH_ARRAY_TASKS:-500000}
ROUNDS=${BENCH_ROUNDS:-5}
SANDBOX_SCRIPT=$SRC_DIR/contrib/sandbox/stratus-sandbox
if [[ $(id -u) != 0 ]] || ! command -v slurmctld >/dev/null 2>&1 && [[ ! -x /usr/sbin/slurmctld ]]; then
    echo "burstd.slurmctld: SKIP (needs root and Slurm)"
    exit 0
fi
DIR=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/stratus-bb.XXXXXX")
[[ -n ${BENCH_KEEP:-} ]] || trap '"$SANDBOX_SCRIPT" --dir "$DIR" down >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
# Large arrays (slurmctld keeps one record per array until tasks start, but
# counts each task against MaxJobCount).
STRATUS_SANDBOX_SLURM_CONF_EXTRA=$'MaxArraySize=100001\nMaxJobCount=1000000' \
    "$SANDBOX_SCRIPT" --dir "$DIR" --build-dir "$BUILD_DIR" --no-spank --burst --quiet up
eval "$("$SANDBOX_SCRIPT" --dir "$DIR" env)"
left=$TASKS
while ((left > 0)); do
    n=$((left < 100000 ? left : 100000))
    sbatch -H -p burst -t 30 --exclusive --array=0-$((n - 1)) -o /dev/null --wrap=true >/dev/null 2>&1
    left=$((left - n))
done
scontrol release "$(squeue -h -o %F -u root | sort -u | paste -sd,)" >/dev/null
sleep 2
held=$(squeue -h -r -t pending -o %i | wc -l)
burstd=$BUILD_DIR/tools/stratus-burstd
times=()
for ((r = 0; r < ROUNDS; r++)); do
    a=$(date +%s%N)
    "$burstd" --conf "$DIR/etc/stratus.conf" --once --dry-run >"$DIR/burstd.out" 2>&1 || true
    b=$(date +%s%N)
    times+=($(((b - a) / 1000000)))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$((ROUNDS / 2 + 1))p")
echo "burstd.slurmctld.pending_tasks $held"
echo "burstd.slurmctld.cycle_ms.median $median"
echo "burstd.slurmctld.cycle_ms.all ${times[*]}"
sed -n '/^partition burst /,/^$/p' "$DIR/burstd.out" | grep -m 1 'pending demand' | sed 's/^ *pending demand: */burstd.slurmctld.burst_demand /'
