#!/bin/bash
# shellcheck disable=SC2016
# What the SPANK plugin tells each task on the node (remote context): the
# node's instance type from its slurm.conf Features, its architecture,
# capacity and catalog price, the user's cost center and the job's estimate.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
start_sandbox --spank

# Instance type of each sandbox node, by name, and the us-east-1 on-demand
# prices the task should be told (as the catalog has them, to 4 places).
node_type() {
    case $1 in
    graviton-hpc7g-*) echo hpc7g.16xlarge ;;
    graviton-c7gn-*) echo c7gn.16xlarge ;;
    gpu-g6e-*) echo g6e.12xlarge ;;
    gpu-p5-*) echo p5.48xlarge ;;
    *) echo "unknown node: $1" ;;
    esac
}
declare -A PRICE=([hpc7g.16xlarge]=1.6832 [c7gn.16xlarge]=3.9936 [g6e.12xlarge]=10.4926 [p5.48xlarge]=55.0400)
# Spot: the upper end of the built-in snapshot's us-east-1 range (SpotSnapshotPrice=max).
declare -A SPOT=([g6e.12xlarge]=6.0150 [p5.48xlarge]=55.0400)
for type in "${!PRICE[@]}"; do
    assert_eq "data/ec2-instance-types.csv: $type" "${PRICE[$type]}" \
        "$(awk -F, -v t="$type" '$1 == t { printf "%.4f", $NF }' "$STRATUS_TOP_SRCDIR/data/ec2-instance-types.csv")"
done
for type in "${!SPOT[@]}"; do
    assert_eq "data/ec2-prices-by-region.csv: $type spot" "${SPOT[$type]}" \
        "$(awk -F, -v t="$type" '$1 == t && $2 == "us-east-1" { printf "%.4f", $NF }' \
            "$STRATUS_TOP_SRCDIR/data/ec2-prices-by-region.csv")"
done

# env_of VAR: VAR's value in OUT (the output of `env`), or <unset>.
env_of() { sed -n "s/^$1=//p" <<<"$OUT" | grep . || echo "<unset>"; }

# check_env WHAT ARCH CAPACITY COST-CENTER EST: OUT holds a task's `env`.
check_env() {
    local node type
    node=$(env_of SLURMD_NODENAME)
    type=$(node_type "$node")
    assert_eq "$1 on $node: STRATUS_INSTANCE_TYPE" "$type" "$(env_of STRATUS_INSTANCE_TYPE)"
    assert_eq "$1 on $node: STRATUS_ARCH" "$2" "$(env_of STRATUS_ARCH)"
    assert_eq "$1 on $node: STRATUS_CAPACITY" "$3" "$(env_of STRATUS_CAPACITY)"
    if [[ $3 == on-demand ]]; then
        assert_eq "$1 on $node: STRATUS_PRICE_USD_H" "${PRICE[$type]:-?}" "$(env_of STRATUS_PRICE_USD_H)"
    else
        assert_eq "$1 on $node: STRATUS_PRICE_USD_H (spot snapshot)" "${SPOT[$type]:-<unset>}" "$(env_of STRATUS_PRICE_USD_H)"
    fi
    assert_eq "$1 on $node: STRATUS_COST_CENTER" "$4" "$(env_of STRATUS_COST_CENTER)"
    assert_eq "$1 on $node: STRATUS_EST_USD" "$5" "$(env_of STRATUS_EST_USD)"
}

run srun -p graviton --cost-center=x -t 5 env
assert_eq "srun -p graviton env: runs (/usr/bin/env is not judged)" 0 "$RC"
check_env "srun -p graviton --cost-center=x" arm64 on-demand x 0.14
# Each graviton node in turn: both instance types.
for node in graviton-hpc7g-1 graviton-hpc7g-2 graviton-c7gn-1; do
    run srun -p graviton -w "$node" -t 10 env
    check_env "srun -w $node" arm64 on-demand "<unset>" 0.28
done
run srun -p gpu --capacity=spot --cost-center=gpu-team -t 60 env
check_env "srun -p gpu --capacity=spot" x86_64 spot gpu-team 6.02  # 1 h of g6e.12xlarge spot at $6.0150/h
run srun -p gpu -w gpu-p5-1 --gpus-per-node=8 -t 60 env
check_env "srun -p gpu -w gpu-p5-1 --gpus-per-node=8" x86_64 on-demand "<unset>" 55.04

# A batch job sees the same (its script is a task too).
submit -p graviton --cost-center=chem-2 -t 5 --output=env-%j.out --wrap=env
assert_completes "sbatch --wrap=env" "$JOB"
OUT=$(cat "env-$JOB.out")
check_env "sbatch -p graviton --cost-center=chem-2" arm64 on-demand chem-2 0.14
submit -p gpu --gpus-per-node=1 -t 30 --output=env-%j.out --wrap=env
assert_completes "sbatch -p gpu --wrap=env" "$JOB"
OUT=$(cat "env-$JOB.out")
check_env "sbatch -p gpu --gpus-per-node=1" x86_64 on-demand "<unset>" 5.25
