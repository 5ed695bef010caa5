#!/bin/bash
# shellcheck disable=SC2016
# With the Stratus SPANK plugin loaded (stratus-sandbox --spank): its options
# reach job_submit through the job's SPANK environment, and bad values or
# budgets are refused before anything is submitted.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
start_sandbox --spank

run sbatch --help
assert_contains "sbatch --help lists --max-cost" "--max-cost=USD" "$OUT"

expect_refused "--max-cost: not a number" "stratus: --max-cost: not a dollar amount: abc" \
    -H --max-cost=abc --wrap=true
run env STRATUS_MAX_COST_USD=abc sbatch -H --wrap=true
assert_contains "STRATUS_MAX_COST_USD=abc: refused, naming the variable" \
    "stratus: --max-cost: not a dollar amount: abc (from STRATUS_MAX_COST_USD)" "$ERR"
expect_refused "--max-cost: over budget" \
    'stratus: --max-cost: the estimate is $55.04, above $1.00 (partition gpu: estimate $55.04 (1 x p5.48xlarge on-demand at $55.0400/h for 1h00, time limit))' \
    -H --max-cost=1 -p gpu --gpus-per-node=8 -t 60 --wrap=true

# Options travel in the job's SPANK environment to job_submit/stratus.
submit -H --max-cost=100 --cost-center=proj-x -p gpu --gpus-per-node=8 -t 60 --wrap=true
assert_eq "--max-cost within budget, --cost-center: accepted" 0 "$RC"
assert_eq "--cost-center and --max-cost recorded in AdminComment" \
    '{"v":1,"partition":"gpu","instance_type":"p5.48xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":55.04,"minutes":60,"basis":"time_limit","est_usd":55.04,"cost_center":"proj-x","max_cost_usd":100}' \
    "$(job_field "$JOB" AdminComment)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi

submit -H -p graviton --instance-type=c7gn.16xlarge -t 60 --wrap=true
assert_contains "--instance-type=c7gn.16xlarge: priced on it" \
    '"instance_type":"c7gn.16xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":3.9936' \
    "$(job_field "$JOB" AdminComment)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi

submit -H --arch=x86_64 --wrap=true
assert_eq "--arch=x86_64 without a partition: Partition=" gpu,hpc "$(job_field "$JOB" Partition)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi
expect_refused "--arch=arm64 in gpu" \
    "stratus: partition gpu: no instance type is arm64 (it has g6e.12xlarge, p5.48xlarge); fits in: graviton" \
    -H --arch=arm64 -p gpu --wrap=true

before=$(scontrol show jobs -o | grep -c '^JobId=')
run sbatch --stratus-dry-run -p gpu --gpus-per-node=2 -t 30 --wrap=true
assert_eq "--stratus-dry-run: exit status" 0 "$RC"
assert_contains "--stratus-dry-run: prints the estimate" \
    'stratus: partition gpu: estimate $5.25 (1 x g6e.12xlarge on-demand at $10.4926/h for 30 min, time limit)' "$OUT$ERR"
assert_eq "--stratus-dry-run: submits nothing" "$before" "$(scontrol show jobs -o | grep -c '^JobId=')"

# A job with the options runs, and srun takes them too.
submit -p graviton --cost-center=proj-y -t 5 --wrap=true
assert_completes "graviton job with --cost-center" "$JOB"
run srun -p graviton --max-cost=0.5 -t 60 true
assert_contains "srun --max-cost: over budget" 'stratus: --max-cost: the estimate is $1.68, above $0.50' "$ERR"
run srun -p graviton --max-cost=5 -t 5 true
assert_eq "srun --max-cost within budget: runs" 0 "$RC"
