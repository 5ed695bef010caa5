#!/bin/bash
# bench_slurmctld.sh: slurmctld's submit latency with no job_submit plugin,
# with job_submit/stratus and with job_submit/lua running
# contrib/job_submit.lua (the same checks, routing and estimate in Lua).
#
# For each mode it brings up a throwaway sandbox cluster
# (contrib/sandbox/stratus-sandbox), submits a few warm-up jobs, resets the
# statistics (sdiag --reset), submits BENCH_JOBS held jobs (sbatch -H: nothing
# runs) from a fixed mix, reads the REQUEST_SUBMIT_BATCH_JOB line of sdiag
# (ave_time is in microseconds, measured inside slurmctld) and brings the
# cluster down. The mix names one partition, several, or none (routed), with
# and without GPUs; every job is feasible. Slurm has no default partition in
# the sandbox, so in the "none" run the jobs that name no partition are
# given the partition list Stratus routed them to: slurmctld then creates
# the same jobs in all three runs, and only the plugin differs.
#
# Prints a table and greppable lines such as "slurmctld.stratus.submit_ave_us 812".
# Targets (documented, not asserted): stratus within noise of none, clearly
# below lua. Run as root; skips (exit 0) when not root or Slurm is missing.
#
# Environment:
#   BENCH_JOBS           jobs per run (default 300)
#   BENCH_WARMUP         warm-up jobs per run, not counted (default 10)
#   BENCH_ROUNDS         repeat the three runs; the median is reported (default 3)
#   STRATUS_BUILD_DIR    build tree holding plugins/ and tools/ (default: the source tree)
#   STRATUS_SANDBOX      the stratus-sandbox script (default: SRC/contrib/sandbox/stratus-sandbox)
#   BENCH_TMPDIR         where the sandbox lives (default: /dev/shm if writable, else /tmp)
#   BENCH_KEEP           set to 1 to keep the sandbox directory (logs) afterwards
set -euo pipefail

readonly PROG=bench_slurmctld
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly SRC_DIR

JOBS=${BENCH_JOBS:-300}
WARMUP=${BENCH_WARMUP:-10}
ROUNDS=${BENCH_ROUNDS:-3}
BUILD_DIR=${STRATUS_BUILD_DIR:-$SRC_DIR}
SANDBOX=${STRATUS_SANDBOX:-$SRC_DIR/contrib/sandbox/stratus-sandbox}
LUA_SRC=$SRC_DIR/contrib/job_submit.lua
CATALOG_CSV=$SRC_DIR/data/ec2-instance-types.csv

skip() {
    echo "$PROG: SKIP: $*"
    exit 0
}

die() {
    echo "$PROG: $*" >&2
    exit 1
}

for v in JOBS WARMUP ROUNDS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v: expected a whole number: ${!v}"
done
((JOBS > 0 && ROUNDS > 0)) || die "BENCH_JOBS and BENCH_ROUNDS must be at least 1"

[[ $(id -u) == 0 ]] || skip "needs root (the sandbox runs slurmctld, slurmd and munged as root)"
for c in slurmctld slurmd munged sbatch sdiag squeue; do
    command -v "$c" >/dev/null 2>&1 || [[ -x /usr/sbin/$c ]] || skip "$c is not installed"
done
[[ -x $SANDBOX ]] || skip "no sandbox script at $SANDBOX"
[[ -f $BUILD_DIR/plugins/job_submit/.libs/job_submit_stratus.so ]] ||
    die "job_submit_stratus.so is not built in $BUILD_DIR (run make first)"
[[ -f $LUA_SRC ]] || die "missing $LUA_SRC"
[[ -f $CATALOG_CSV ]] || die "missing $CATALOG_CSV"

# Slurm saves every job's script and environment under StateSaveLocation;
# on tmpfs that disk I/O (the same in every run, and noisy) stays out of the figures.
BENCH_TMP=${BENCH_TMPDIR:-}
if [[ -z $BENCH_TMP ]]; then
    BENCH_TMP=/tmp
    if [[ -d /dev/shm && -w /dev/shm ]]; then BENCH_TMP=/dev/shm; fi
fi
WORK=$(mktemp -d "$BENCH_TMP/stratus-bench.XXXXXX")
chmod 755 "$WORK"  # munged wants every directory above its socket searchable by all
SBX=$WORK/sandbox
mkdir "$SBX"
export SLURM_CONF=$SBX/etc/slurm.conf

cleanup() {
    "$SANDBOX" --dir "$SBX" down >/dev/null 2>&1 || true
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        echo "$PROG: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# The Lua script as a site would install it: the catalog path at its top
# points at this source tree's CSV.
LUA_FILE=$WORK/job_submit.lua
sed "s|^local CATALOG_CSV = .*|local CATALOG_CSV = \"$CATALOG_CSV\"|" "$LUA_SRC" >"$LUA_FILE"
grep -q "^local CATALOG_CSV = \"$CATALOG_CSV\"" "$LUA_FILE" || die "cannot set CATALOG_CSV in $LUA_FILE"

# The job mix, cycled: sbatch options, one template a line. Templates
# without -p are routed by the plugins. All fit the sandbox's nodes:
# graviton 3 x 64 CPUs arm64, hpc 1 x 192 CPUs, gpu g6e (4 x l40s) + p5 (8 x h100).
readonly MIX="-p graviton -n 64 -t 30
-p graviton -N 2 --ntasks-per-node=64 -t 2:00:00
-p hpc -n 192 --mem=600G -t 12:00:00
-p gpu --gpus-per-node=l40s:4 -t 1:00:00
-p gpu --gpus-per-node=h100:8 -c 96 -t 30
-p graviton,hpc -n 32 -t 4:00:00
-n 8 --mem-per-cpu=1G -t 30
--gpus-per-node=2 -t 2:00:00
-c 128 --mem=500G
--constraint=arm64 -n 4 -t 15
-n 16
-p gpu --gpus=4 -n 4 --mem-per-cpu=4G"

mapfile -t TEMPLATES <<<"$MIX"
declare -a ROUTED  # template index -> partition list Stratus chose (for the "none" run)

# Submits job number $1 of the mix in mode $2; prints nothing, fails on refusal.
submit() {
    local i=$1 mode=$2 t opts
    t=$((i % ${#TEMPLATES[@]}))
    read -r -a opts <<<"${TEMPLATES[t]}"
    if [[ $mode == none && ${TEMPLATES[t]} != *"-p "* ]]; then
        opts=(-p "${ROUTED[t]}" "${opts[@]}")
    fi
    sbatch -H -Q -J "bench$t" -o /dev/null "${opts[@]}" --wrap=true >/dev/null 2>>"$WORK/sbatch-$mode.err"
}

# One run; sets RUN_AVE (us), RUN_COUNT and RUN_WALL (us per job, as sbatch sees it).
run_mode() {
    local mode=$1 i line count ave start end held
    local args=(--dir "$SBX" --build-dir "$BUILD_DIR" --job-submit="$mode" -q)
    [[ $mode != lua ]] || args+=(--lua "$LUA_FILE")
    "$SANDBOX" "${args[@]}" up >"$WORK/up-$mode.out" 2>&1 || {
        cat "$WORK/up-$mode.out" >&2
        die "sandbox up failed (--job-submit=$mode)"
    }
    for ((i = 0; i < WARMUP; i++)); do
        submit "$i" "$mode" || die "warm-up job refused (--job-submit=$mode): $(tail -n 2 "$WORK/sbatch-$mode.err")"
    done
    sdiag --reset >/dev/null
    start=$(date +%s%N)
    for ((i = 0; i < JOBS; i++)); do
        submit "$i" "$mode" || die "job $i refused (--job-submit=$mode, options: ${TEMPLATES[i % ${#TEMPLATES[@]}]}): $(tail -n 2 "$WORK/sbatch-$mode.err")"
    done
    end=$(date +%s%N)
    line=$(sdiag | grep -E '^[[:space:]]*REQUEST_SUBMIT_BATCH_JOB[[:space:]]' || true)
    [[ -n $line ]] || die "no REQUEST_SUBMIT_BATCH_JOB line in sdiag (--job-submit=$mode)"
    count=$(sed -E 's/.*count:([0-9]+).*/\1/' <<<"$line")
    ave=$(sed -E 's/.*ave_time:([0-9]+).*/\1/' <<<"$line")
    held=$(squeue -h -t pending -o %i | wc -l)
    ((held == JOBS + WARMUP)) || die "expected $((JOBS + WARMUP)) held jobs, squeue shows $held (--job-submit=$mode)"
    if [[ $mode == stratus ]]; then
        # Where Stratus routed each template that names no partition.
        local name part
        while read -r name part; do
            ROUTED[${name#bench}]=$part
        done < <(squeue -h -o '%j %P')
    fi
    "$SANDBOX" --dir "$SBX" down >/dev/null 2>&1
    RUN_AVE=$ave
    RUN_COUNT=$count
    RUN_WALL=$(((end - start) / 1000 / JOBS))
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

echo "slurmctld: REQUEST_SUBMIT_BATCH_JOB with $JOBS held jobs per run, $ROUNDS round(s)," \
    "mix of ${#TEMPLATES[@]} templates, sandbox in $BENCH_TMP"
declare -A AVES WALLS
for ((r = 1; r <= ROUNDS; r++)); do
    # stratus first: the "none" run reuses its routing.
    for mode in stratus lua none; do
        run_mode "$mode"
        ((RUN_COUNT == JOBS)) ||
            echo "$PROG: warning: sdiag counted $RUN_COUNT submissions, expected $JOBS (--job-submit=$mode)" >&2
        AVES[$mode]+="$RUN_AVE "
        WALLS[$mode]+="$RUN_WALL "
        echo "  round $r: $mode: ave_time $RUN_AVE us (sdiag count $RUN_COUNT), sbatch wall $RUN_WALL us/job"
    done
done

declare -A AVE WALL
for mode in none stratus lua; do
    AVE[$mode]=$(tr ' ' '\n' <<<"${AVES[$mode]}" | grep . | median)
    WALL[$mode]=$(tr ' ' '\n' <<<"${WALLS[$mode]}" | grep . | median)
done
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'
}

echo
printf '%-10s %16s %14s %18s\n' job_submit "submit ave (us)" "vs none" "sbatch wall (us)"
for mode in none stratus lua; do
    printf '%-10s %16s %14s %18s\n' "$mode" "${AVE[$mode]}" "$(ratio "${AVE[$mode]}" "${AVE[none]}")" "${WALL[$mode]}"
done
echo
for mode in none stratus lua; do
    echo "slurmctld.$mode.submit_ave_us ${AVE[$mode]}"
done
echo "slurmctld.ratio.stratus_none $(ratio "${AVE[stratus]}" "${AVE[none]}")"
echo "slurmctld.ratio.lua_none $(ratio "${AVE[lua]}" "${AVE[none]}")"
echo "slurmctld.jobs $JOBS"
