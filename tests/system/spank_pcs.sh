#!/bin/bash
# shellcheck disable=SC2016
# The AWS PCS case: slurmctld loads no custom job_submit plugin, so the
# Stratus SPANK plugin is the only place policy acts. It routes jobs that
# name no partition, refuses what no instance type can run or afford, shows
# the estimate once and passes the options to the job's tasks.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
start_sandbox --spank --job-submit=none
assert_eq "slurmctld runs no job_submit plugin" "(null)" \
    "$(scontrol show config | sed -n 's/^JobSubmitPlugins *= *//p')"

submit -H --wrap=true
assert_eq "no partition: routed by the client" graviton,gpu "$(job_field "$JOB" Partition)"
assert_eq "no partition: the client shows the estimate, once" \
    'sbatch: stratus: routed to graviton,gpu (cheapest first); partition graviton: estimate $1.68 (1 x hpc7g.16xlarge on-demand at $1.6832/h for 1h00, no time limit given: partition DefaultTime); up to $10.49 in another partition' "$ERR"
assert_not_contains "no AdminComment (nothing in slurmctld writes one)" "AdminComment=" "$(scontrol show job -o "$JOB")"
submit -H --arch=arm64 -t 5 --wrap=true
assert_eq "--arch=arm64, no partition: routed to graviton" graviton "$(job_field "$JOB" Partition)"
submit -H --mem=300G -t 5 --wrap=true
assert_eq "--mem=300G, no partition: Partition=" gpu "$(job_field "$JOB" Partition)"
submit -H -p gpu --gpus-per-node=2 -t 30 --wrap=true
assert_eq "-p gpu: the estimate, once" \
    'sbatch: stratus: partition gpu: estimate $5.25 (1 x g6e.12xlarge on-demand at $10.4926/h for 30 min, time limit)' "$ERR"
scancel --user=root

expect_refused "too many GPUs" \
    "sbatch: error: stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)" \
    -H -p gpu --gpus-per-node=16 --wrap=true
expect_refused "no partition fits" "sbatch: error: stratus: no partition can run this job: graviton:" \
    -H --gpus-per-node=16 --wrap=true
expect_refused "over budget" \
    'sbatch: error: stratus: --max-cost: the estimate is $550.40, above $1.00 (partition gpu: estimate $550.40 (1 x p5.48xlarge on-demand at $55.0400/h for 10h00, time limit))' \
    -H --max-cost=1 -p gpu --gpus-per-node=8 -t 10:00:00 --wrap=true
expect_refused "bad --capacity" "sbatch: error: stratus: --capacity: unknown capacity (spot, on-demand or any): cheap" \
    -H --capacity=cheap --wrap=true

before=$(scontrol show jobs -o | grep -c '^JobId=')
run sbatch --stratus-dry-run --cost-center=pcs-0 -t 30 --wrap=true
assert_eq "--stratus-dry-run: exit status" 0 "$RC"
assert_contains "--stratus-dry-run: where the job would go" \
    'stratus: dry run: the job would be submitted to partition graviton,gpu' "$OUT"
assert_contains "--stratus-dry-run: its AdminComment" '"cost_center":"pcs-0"' "$OUT"
assert_eq "--stratus-dry-run: submits nothing" "$before" "$(scontrol show jobs -o | grep -c '^JobId=')"

# A routed job runs, and its tasks see the options and the estimate.
submit -t 5 --cost-center=pcs-2 --wrap='echo "$STRATUS_COST_CENTER $STRATUS_EST_USD $STRATUS_ARCH"'
assert_completes "routed job" "$JOB"
assert_eq "routed job: ran in" graviton "$(job_field "$JOB" Partition)"
assert_eq "routed job: its environment" "pcs-2 0.14 arm64" "$(cat "slurm-$JOB.out")"
