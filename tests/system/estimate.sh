#!/bin/bash
# shellcheck disable=SC2119,SC2016 # the messages contain literal dollar signs
# Accepted jobs carry the cost estimate as JSON in AdminComment, and sbatch
# prints the estimate line to the user.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
start_sandbox

# check_json WHAT JSON: every key present, and est_usd = nodes x price x minutes / 60.
check_json() {
    local what=$1 json=$2 key missing=""
    for key in v partition instance_type capacity region nodes usd_per_node_hour minutes basis est_usd; do
        [[ $json == *"\"$key\":"* ]] || missing+=" $key"
    done
    assert_eq "$what: AdminComment has every key" "" "$missing"
    local nodes price minutes est
    nodes=$(json_get "$json" nodes) price=$(json_get "$json" usd_per_node_hour)
    minutes=$(json_get "$json" minutes) est=$(json_get "$json" est_usd)
    if [[ $price != null && $minutes != null ]]; then
        assert_eq "$what: est_usd = nodes x usd_per_node_hour x minutes / 60, to the cent" \
            "$(awk -v n="$nodes" -v p="$price" -v m="$minutes" 'BEGIN { printf "%.2f", n * p * m / 60 }')" \
            "$(awk -v e="$est" 'BEGIN { printf "%.2f", e }')"
    fi
}

# estimate WHAT EXPECTED-JSON EXPECTED-MESSAGE SBATCH-ARGS...
estimate() {
    local what=$1 json=$2 message=$3
    shift 3
    submit -H "$@"
    assert_eq "$what: accepted" 0 "$RC"
    local got
    got=$(job_field "$JOB" AdminComment)
    assert_eq "$what: AdminComment" "$json" "$got"
    check_json "$what" "$got"
    assert_contains "$what: sbatch prints the estimate" "sbatch: $message" "$ERR"
    if [[ -n $JOB ]]; then scancel "$JOB"; fi
}

estimate "graviton, 2 nodes, 2 h" \
    '{"v":1,"partition":"graviton","instance_type":"hpc7g.16xlarge","capacity":"on-demand","region":"us-east-1","nodes":2,"usd_per_node_hour":1.6832,"minutes":120,"basis":"time_limit","est_usd":6.73,"req":{"p":"graviton","N":2,"Nmax":2,"cpus":2,"t":120}}' \
    'stratus: partition graviton: estimate $6.73 (2 x hpc7g.16xlarge on-demand at $1.6832/h for 2h00, time limit)' \
    -p graviton -t 120 -N 2 --wrap=true

estimate "gpu, 4 GPUs per node, 1 h: the cheapest type with 4 GPUs" \
    '{"v":1,"partition":"gpu","instance_type":"g6e.12xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":10.49264,"minutes":60,"basis":"time_limit","est_usd":10.49,"req":{"p":"gpu","cpus":1,"gpn":4,"t":60}}' \
    'stratus: partition gpu: estimate $10.49 (1 x g6e.12xlarge on-demand at $10.4926/h for 1h00, time limit)' \
    -p gpu -t 60 --gpus-per-node=4 --wrap=true

estimate "gpu, 8 GPUs per node, 30 min: only p5.48xlarge has 8" \
    '{"v":1,"partition":"gpu","instance_type":"p5.48xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":55.04,"minutes":30,"basis":"time_limit","est_usd":27.52,"req":{"p":"gpu","cpus":1,"gpn":8,"t":30}}' \
    'stratus: partition gpu: estimate $27.52 (1 x p5.48xlarge on-demand at $55.0400/h for 30 min, time limit)' \
    -p gpu -t 30 --gpus-per-node=8 --wrap=true

estimate "graviton, no time limit: partition DefaultTime" \
    '{"v":1,"partition":"graviton","instance_type":"hpc7g.16xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":1.6832,"minutes":60,"basis":"partition_default","est_usd":1.68,"req":{"p":"graviton","cpus":1}}' \
    'stratus: partition graviton: estimate $1.68 (1 x hpc7g.16xlarge on-demand at $1.6832/h for 1h00, no time limit given: partition DefaultTime)' \
    -p graviton --wrap=true

estimate "hpc, no time limit, no price: partition MaxTime, unknown cost" \
    '{"v":1,"partition":"hpc","instance_type":"hpc7a.96xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":null,"minutes":720,"basis":"partition_max","est_usd":null,"req":{"p":"hpc","cpus":1}}' \
    'stratus: partition hpc: estimate: price unknown (1 x hpc7a.96xlarge on-demand, not offered in us-east-1 (offered in eu-north-1, eu-west-1, eu-west-3, us-east-2), for 12h00, no time limit given: partition MaxTime)' \
    -p hpc --wrap=true

estimate "graviton, 128 tasks, 3 h: two 64-CPU nodes" \
    '{"v":1,"partition":"graviton","instance_type":"hpc7g.16xlarge","capacity":"on-demand","region":"us-east-1","nodes":2,"usd_per_node_hour":1.6832,"minutes":180,"basis":"time_limit","est_usd":10.1,"req":{"p":"graviton","n":128,"cpus":128,"t":180}}' \
    'stratus: partition graviton: estimate $10.10 (2 x hpc7g.16xlarge on-demand at $1.6832/h for 3h00, time limit)' \
    -p graviton -n 128 -t 3:00:00 --wrap=true

estimate "graviton, 1 day" \
    '{"v":1,"partition":"graviton","instance_type":"hpc7g.16xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":1.6832,"minutes":1440,"basis":"time_limit","est_usd":40.4,"req":{"p":"graviton","cpus":1,"t":1440}}' \
    'stratus: partition graviton: estimate $40.40 (1 x hpc7g.16xlarge on-demand at $1.6832/h for 1d 0h00, time limit)' \
    -p graviton -t 1-00:00:00 --wrap=true

estimate "two partitions named: cheapest estimate, list and maximum in the JSON" \
    '{"v":1,"partition":"graviton","instance_type":"hpc7g.16xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":1.6832,"minutes":60,"basis":"time_limit","est_usd":1.68,"partitions":"gpu,graviton","est_usd_max":10.49,"req":{"p":"gpu,graviton","cpus":1,"t":60}}' \
    'stratus: partition graviton: estimate $1.68 (1 x hpc7g.16xlarge on-demand at $1.6832/h for 1h00, time limit); up to $10.49 in another partition' \
    -p gpu,graviton -t 60 --wrap=true

# The estimate survives the job's life: still there once it has run.
submit -p graviton -t 2 --wrap=true
assert_completes "short graviton job" "$JOB"
assert_eq "short graviton job: AdminComment after completion" \
    '{"v":1,"partition":"graviton","instance_type":"hpc7g.16xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":1.6832,"minutes":2,"basis":"time_limit","est_usd":0.06,"req":{"p":"graviton","cpus":1,"t":2}}' \
    "$(job_field "$JOB" AdminComment)"
