#!/bin/bash
# shellcheck disable=SC2119,SC2001
# stratus.conf edits take effect without restarting slurmctld (ReloadInterval=1
# in the sandbox); a broken file is reported with file:line and the last good
# configuration stays in force.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
start_sandbox

CONF=$SANDBOX/etc/stratus.conf
ORIGINAL=$(cat "$CONF")

# Replaces stratus.conf the way an editor or config manager does.
write_conf() {
    printf '%s\n' "$1" >"$CONF.new" && mv "$CONF.new" "$CONF"
}

loads=$(config_loads)
assert_eq "stratus.conf loaded once at startup" 1 "$loads"

submit -H -p gpu --gpus-per-node=8 --wrap=true
assert_eq "before the edit: 8 GPUs per node accepted in gpu" 0 "$RC"
if [[ -n $JOB ]]; then scancel "$JOB"; fi

# 1. A good edit: gpu loses p5.48xlarge; graviton gets its own DefaultTime.
write_conf "$(sed -e 's/^PartitionName=gpu .*/PartitionName=gpu InstanceTypes=g6e.12xlarge/' \
    -e 's/^PartitionName=graviton .*/& DefaultTime=2:00:00/' <<<"$ORIGINAL")"
start=$SECONDS
wait_loads $((loads + 1)) 15
loads=$(config_loads)
assert_eq "the edit is loaded within 15 s" 2 "$loads"
echo "  (reloaded after $((SECONDS - start)) s)"
expect_refused "after the edit: 8 GPUs per node" \
    "stratus: partition gpu: no instance type has 8 GPUs per node (largest: g6e.12xlarge, 4 x l40s)" \
    -p gpu --gpus-per-node=8 --wrap=true
submit -H -p graviton --wrap=true
assert_contains "after the edit: graviton's DefaultTime from stratus.conf" '"minutes":120,"basis":"partition_default"' \
    "$(job_field "$JOB" AdminComment)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi

# 2. A bad edit: an unknown key.
good=$(cat "$CONF")
write_conf "$good"$'\nBogus=1'
line=$(wc -l <"$CONF")
if wait_log "stratus.conf:$line: Bogus: unknown key" 15; then
    pass "bad stratus.conf reported"
else
    fail "bad stratus.conf not reported within 15 s"
fi
assert_contains "the log names file:line: key and keeps the old configuration" \
    "error: job_submit/stratus: $CONF:$line: Bogus: unknown key (keeping the configuration loaded before)" "$(ctld_log)"
assert_contains "slurmctld still answers" "is UP" "$(scontrol ping)"
expect_refused "bad file: the last good configuration is still enforced" \
    "stratus: partition gpu: no instance type has 8 GPUs per node (largest: g6e.12xlarge, 4 x l40s)" \
    -p gpu --gpus-per-node=8 --wrap=true
submit -H -p gpu --gpus-per-node=4 --wrap=true
assert_eq "bad file: jobs that fit are still accepted" 0 "$RC"
assert_contains "bad file: and still get their estimate" '"instance_type":"g6e.12xlarge"' "$(job_field "$JOB" AdminComment)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi

# 3. Another bad edit: an instance type the catalog does not know.
write_conf "$(sed 's/^PartitionName=gpu .*/PartitionName=gpu InstanceTypes=g6e.12xlarge,nope.large/' <<<"$good")"
line=$(grep -n '^PartitionName=gpu' "$CONF" | cut -d: -f1)
if wait_log "stratus.conf:$line: InstanceTypes: unknown instance type: nope.large" 15; then
    pass "unknown instance type reported with file:line"
else
    fail "unknown instance type not reported within 15 s"
    grep 'job_submit/stratus' "$SANDBOX/log/slurmctld.log" | tail -n 5 | sed 's/^/  | /'
fi
assert_eq "bad files were never loaded" 2 "$(config_loads)"

# 4. Fixed: back to the original file.
write_conf "$ORIGINAL"
wait_loads 3 15
assert_eq "the fixed file is loaded" 3 "$(config_loads)"
submit -H -p gpu --gpus-per-node=8 --wrap=true
assert_eq "fixed: 8 GPUs per node accepted again" 0 "$RC"
assert_contains "fixed: priced on p5.48xlarge" '"instance_type":"p5.48xlarge"' "$(job_field "$JOB" AdminComment)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi

# 4b. Another region: prices, offers and routing follow Region= at once.
submit -H -p hpc -t 60 --wrap=true
assert_contains "us-east-1: hpc7a.96xlarge is not offered, so no price" \
    "price unknown (1 x hpc7a.96xlarge on-demand, not offered in us-east-1 (offered in eu-north-1, eu-west-1, eu-west-3, us-east-2)" "$ERR"
if [[ -n $JOB ]]; then scancel "$JOB"; fi
write_conf "$(sed 's/^Region=.*/Region=us-east-2/' <<<"$ORIGINAL")"
wait_loads 4 15
assert_eq "the Region change is loaded" 4 "$(config_loads)"
submit -H -p hpc -t 60 --wrap=true
assert_eq "us-east-2: hpc accepted" 0 "$RC"
assert_contains "us-east-2: hpc7a.96xlarge priced at its us-east-2 price" \
    "estimate \$7.20 (1 x hpc7a.96xlarge on-demand at \$7.2000/h for 1h00, time limit)" "$ERR"
assert_contains "us-east-2: the AdminComment says which region" '"region":"us-east-2"' "$(job_field "$JOB" AdminComment)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi
line=$(grep -n '^PartitionName=graviton' "$CONF" | cut -d: -f1)
assert_contains "us-east-2: the offer check warns with file:line" \
    "error: job_submit/stratus: warning: $CONF:$line: hpc7g.16xlarge is not offered in us-east-2 (offered in ap-northeast-1, eu-west-1, us-east-1); jobs are not routed to it" \
    "$(ctld_log)"
submit -H -p graviton -t 60 --wrap=true
assert_eq "us-east-2: graviton still accepted (c7gn.16xlarge is offered)" 0 "$RC"
assert_contains "us-east-2: priced on c7gn.16xlarge, the type offered there" \
    "estimate \$3.99 (1 x c7gn.16xlarge on-demand at \$3.9936/h" "$ERR"
if [[ -n $JOB ]]; then scancel "$JOB"; fi
submit -H -t 60 --wrap=true
assert_eq "us-east-2: routed: all three partitions, hpc now priced" graviton,hpc,gpu "$(job_field "$JOB" Partition)"
if [[ -n $JOB ]]; then scancel "$JOB"; fi
write_conf "$ORIGINAL"
wait_loads 5 15
assert_eq "back to us-east-1" 5 "$(config_loads)"

# 5. scontrol reconfigure (22.05 keeps job_submit plugins loaded when
# JobSubmitPlugins is unchanged): still enforcing afterwards.
run scontrol reconfigure
assert_eq "scontrol reconfigure succeeds" 0 "$RC"
expect_refused "after reconfigure: still enforcing" \
    "stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)" \
    -p gpu --gpus-per-node=16 --wrap=true
