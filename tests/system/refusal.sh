#!/bin/bash
# shellcheck disable=SC2119
# Jobs no instance type of their partition can run are refused at submission,
# with a message naming the partition's best offer.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
start_sandbox

expect_refused "too many GPUs per node" \
    "stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)" \
    -p gpu --gpus-per-node=16 --wrap=true
assert_contains "too many GPUs per node: Slurm's error for it" \
    "Batch job submission failed: Invalid generic resource (gres) specification" "$ERR"

expect_refused "too much memory per node" \
    "stratus: partition graviton: no instance type has 204800 MiB of memory per node (largest: hpc7g.16xlarge, 124519 MiB usable); fits in: gpu" \
    -p graviton --mem=200G --wrap=true

expect_refused "too many CPUs per node" \
    "stratus: partition hpc: no instance type has 256 CPUs per node (largest: hpc7a.96xlarge, 192 CPUs)" \
    -p hpc --cpus-per-task=256 --wrap=true
assert_not_contains "too many CPUs per node: nothing else fits either" "fits in:" "$ERR"

expect_refused "constraint no type matches" \
    "stratus: partition graviton: no instance type matches --constraint=x86_64 (it has hpc7g.16xlarge, c7gn.16xlarge); fits in: gpu" \
    -p graviton --constraint=x86_64 --wrap=true

expect_refused "GPUs in a partition without any" \
    "stratus: partition graviton: no instance type has 1 GPU per node (it has no GPUs); fits in: gpu" \
    -p graviton --gpus-per-node=1 --wrap=true

expect_refused "no partition fits a routed job" \
    "stratus: no partition can run this job: graviton: no instance type has 16 GPUs per node (it has no GPUs); hpc: no instance type has 16 GPUs per node (it has no GPUs); gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)" \
    --gpus-per-node=16 --wrap=true

# srun and salloc go through the same plugin.
run srun -p gpu --gpus-per-node=16 -t 1 true
assert_eq "srun: refused" 1 "$([[ $RC != 0 ]] && echo 1 || echo 0)"
assert_contains "srun: the user is told why" \
    "stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)" "$ERR"

run salloc -p hpc --mem=800G -t 1 true
assert_eq "salloc: refused" 1 "$([[ $RC != 0 ]] && echo 1 || echo 0)"
assert_contains "salloc: the user is told why" \
    "stratus: partition hpc: no instance type has 819200 MiB of memory per node (largest: hpc7a.96xlarge, 747111 MiB usable); fits in: gpu" "$ERR"

# The refusals are logged for the administrator.
assert_contains "slurmctld log names the refused job's uid" \
    "job_submit/stratus: refused job from uid 0: stratus: partition gpu: no instance type has 16 GPUs" "$(ctld_log)"

# Not Stratus's business: a job feasible in its partition is not refused.
submit -H -p gpu --gpus-per-node=8 --wrap=true
assert_eq "8 GPUs per node in gpu: accepted" 0 "$RC"
if [[ -n $JOB ]]; then scancel "$JOB"; fi
