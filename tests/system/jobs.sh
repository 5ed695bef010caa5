#!/bin/bash
# shellcheck disable=SC2119,SC2016
# Feasible jobs pass the plugin untouched and really run to completion on the
# sandbox's nodes: batch, multi-node, GPUs, srun.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
start_sandbox

submit -p graviton -t 5 -o hello.out --wrap='echo hello from $SLURMD_NODENAME'
assert_completes "graviton batch job" "$JOB"
assert_contains "graviton batch job: its output" "hello from graviton-" "$(cat hello.out 2>/dev/null)"
assert_eq "graviton batch job: exit code" 0:0 "$(job_field "$JOB" ExitCode)"

submit -p graviton -N 2 -t 5 -o multi.out --wrap='srun hostname | wc -l'
assert_completes "2-node graviton job" "$JOB"
assert_eq "2-node graviton job: one task per node" 2 "$(tr -d ' ' <multi.out 2>/dev/null)"

submit -p gpu --gpus-per-node=2 -t 5 -o gpus.out --wrap='echo gpus=$SLURM_GPUS_ON_NODE'
assert_completes "gpu job with 2 GPUs per node" "$JOB"
assert_eq "gpu job with 2 GPUs per node: Slurm gave it 2 GPUs" gpus=2 "$(cat gpus.out 2>/dev/null)"
assert_eq "gpu job with 2 GPUs per node: TresPerNode=" "$(tres_gres gpu:2)" "$(job_field "$JOB" TresPerNode)"
assert_contains "gpu job with 2 GPUs per node: priced on g6e.12xlarge" '"instance_type":"g6e.12xlarge"' \
    "$(job_field "$JOB" AdminComment)"

submit -p gpu --gpus-per-node=h100:8 -t 5 -o h100.out --wrap='echo $SLURMD_NODENAME gpus=$SLURM_GPUS_ON_NODE'
assert_completes "gpu job with 8 H100s" "$JOB"
assert_eq "gpu job with 8 H100s: ran on the p5 node" "gpu-p5-1 gpus=8" "$(cat h100.out 2>/dev/null)"
assert_contains "gpu job with 8 H100s: priced on p5.48xlarge" '"instance_type":"p5.48xlarge"' \
    "$(job_field "$JOB" AdminComment)"

submit -p hpc -c 96 -t 5 --wrap=true
assert_completes "hpc job with 96 CPUs" "$JOB"

run srun -p gpu --gpus-per-node=1 -t 5 printenv SLURM_GPUS_ON_NODE
assert_eq "srun with 1 GPU: exit status" 0 "$RC"
assert_eq "srun with 1 GPU: output" 1 "$OUT"
assert_contains "srun with 1 GPU: prints the estimate" \
    'srun: stratus: partition gpu: estimate $0.87 (1 x g6e.12xlarge on-demand at $10.4926/h for 5 min, time limit)' "$ERR"

run srun -t 5 -N 1 hostname
assert_eq "routed srun: exit status" 0 "$RC"
assert_contains "routed srun: says where it went" "srun: stratus: routed to graviton,gpu (cheapest first)" "$ERR"
