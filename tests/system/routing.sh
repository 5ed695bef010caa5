#!/bin/bash
# shellcheck disable=SC2119
# Jobs that name no partition are routed by Stratus: the job's partition list
# becomes the partitions that can run it, cheapest first.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
start_sandbox

# One GPU per node: only gpu has GPUs.
submit -H --gpus-per-node=1 --wrap=true
assert_eq "1 GPU per node, no partition: accepted" 0 "$RC"
assert_eq "1 GPU per node, no partition: Partition=" gpu "$(job_field "$JOB" Partition)"
assert_contains "1 GPU per node, no partition: sbatch says where it went" \
    "sbatch: stratus: routed to gpu (cheapest first); partition gpu: estimate \$10.49 (1 x g6e.12xlarge on-demand at \$10.4926/h for 1h00, no time limit given: partition DefaultTime)" "$ERR"
assert_eq "1 GPU per node, no partition: TresPerNode=" "$(tres_gres gpu:1)" "$(job_field "$JOB" TresPerNode)"
scancel "$JOB"

# A small CPU job fits everywhere: graviton is cheapest, hpc has no
# us-east-1 price and comes last.
submit -H --wrap=true
assert_eq "small job, no partition: Partition=" graviton,gpu "$(job_field "$JOB" Partition)"
assert_contains "small job, no partition: sbatch message" \
    "sbatch: stratus: routed to graviton,gpu (cheapest first); partition graviton: estimate \$1.68 (1 x hpc7g.16xlarge on-demand at \$1.6832/h for 1h00, no time limit given: partition DefaultTime); up to \$10.49 in another partition" "$ERR"
scancel "$JOB"

# x86_64 only: graviton (arm64) drops out.
submit -H --constraint=x86_64 -t 30 --wrap=true
assert_eq "--constraint=x86_64, no partition: Partition=" gpu "$(job_field "$JOB" Partition)"
scancel "$JOB"

# More memory than graviton has: gpu (priced) before hpc (no price).
submit -H --mem=300G --wrap=true
assert_eq "--mem=300G, no partition: Partition=" gpu "$(job_field "$JOB" Partition)"
scancel "$JOB"

# 8 GPUs: gpu still, p5.48xlarge in the estimate.
submit -H --gpus-per-node=8 -t 30 --wrap=true
assert_eq "8 GPUs per node, no partition: Partition=" gpu "$(job_field "$JOB" Partition)"
assert_contains "8 GPUs per node, no partition: priced on p5.48xlarge" '"instance_type":"p5.48xlarge"' "$(job_field "$JOB" AdminComment)"
scancel "$JOB"

# A list naming partitions that can never run the job: those are dropped,
# the user's order is kept.
submit -H -p hpc,graviton,gpu --gpus-per-node=2 --wrap=true
assert_eq "-p hpc,graviton,gpu with GPUs: Partition=" gpu "$(job_field "$JOB" Partition)"
scancel "$JOB"
submit -H -p hpc,graviton --wrap=true
assert_eq "-p hpc,graviton (both fit): order kept" hpc,graviton "$(job_field "$JOB" Partition)"
scancel "$JOB"

# A routed job runs in the cheapest partition with room.
submit -t 5 --wrap=true
assert_completes "routed small job" "$JOB"
assert_eq "routed small job: ran in" graviton "$(job_field "$JOB" Partition)"
assert_contains "routed small job: on a graviton node" graviton- "$(job_field "$JOB" NodeList)"
