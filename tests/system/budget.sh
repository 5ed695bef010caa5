#!/bin/bash
# shellcheck disable=SC2016
# Dollar budgets at submit, against a hand-written spend snapshot (the one
# stratus-spend writes from slurmdbd is tested in budget_accounting.sh): a job
# whose highest estimate is more than what is left of its account's or cost
# center's budget is refused with the numbers, by sbatch's SPANK plugin and
# by slurmctld's job_submit/stratus alike (ESLURM_ACCOUNTING_POLICY); a stale
# or missing snapshot follows BudgetOnStale; --max-cost still applies.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
start_sandbox --spank

CONF=$SANDBOX/etc/stratus.conf
SNAP=$SANDBOX/state/spend.json
ORIGINAL=$(cat "$CONF")

# write_snapshot GENERATED_AT: chem spent $4958.80 this month, proj-x $1100 in its range.
MONTH_FIRST=$(date -u +%Y-%m-01)
MONTH_LAST=$(date -u -d "$MONTH_FIRST +1 month -1 day" +%F)
RANGE_LAST=$(date -u -d "$MONTH_FIRST +2 month -1 day" +%F)
write_snapshot() {
    printf '{"v":1,"generated_at":"%s","periods":[{"first":"%s","last":"%s","accounts":{"chem":4958.80,"phys":1},"cost_centers":{}},{"first":"%s","last":"%s","accounts":{},"cost_centers":{"proj-x":1100}}]}\n' \
        "$1" "$MONTH_FIRST" "$MONTH_LAST" "$MONTH_FIRST" "$RANGE_LAST" >"$SNAP.new" && mv "$SNAP.new" "$SNAP"
}
budgets="Budget=account:chem Amount=5000 Period=month
Budget=cost-center:proj-x Amount=1200 Period=$MONTH_FIRST..$RANGE_LAST
SpendSnapshot=$SNAP"

. "$STRATUS_TOP_SRCDIR/tests/system/budget_lib.sh"

# ---- a fresh snapshot ---------------------------------------------------------------
write_snapshot "$(date -u +%FT%TZ)"
loads=$(config_loads)
write_stratus_conf "$ORIGINAL"$'\n'"$budgets"
wait_loads $((loads + 1)) 15
if wait_snapshot_loaded "$SNAP"; then pass "slurmctld loaded the snapshot"; else fail "slurmctld did not load the snapshot"; fi
CHECKS=$((CHECKS + 1))

over='stratus: account chem has $41.20 of $5000.00 left this month; this job may cost up to $55.04'
by_client "chem over budget" "$over" -A chem -p gpu --gpus-per-node=8 -t 60
by_ctld "chem over budget" none "$over" -A chem -p gpu --gpus-per-node=8 -t 60
submit -H -A chem -p graviton -N 2 -t 12:00:00 --wrap=true
assert_eq "chem within budget (2 x hpc7g.16xlarge for 12 h, \$40.40): accepted" 0 "$RC"
submit -H -A phys -p gpu --gpus-per-node=8 -t 60 --wrap=true
assert_eq "phys has no budget: accepted" 0 "$RC"
scancel --user=root

# The highest estimate over the partitions the job may run in: routed to
# graviton (4 x \$1.68) and gpu (4 x g6e.12xlarge, \$41.97).
routed='stratus: account chem has $41.20 of $5000.00 left this month; this job may cost up to $41.97'
by_client "routed: the highest estimate counts" "$routed" -A chem -N 4 -t 60
by_ctld "routed: the highest estimate counts" none "$routed" -A chem -N 4 -t 60
SLURM_CONF=$SANDBOX/ref-none/slurm.conf submit -H -A chem -N 4 -t 60 -p graviton --wrap=true
assert_eq "graviton alone (\$6.73): accepted" 0 "$RC"
scancel --user=root

# A cost center's budget over a date range.
center="stratus: cost center proj-x has \$100.00 of \$1200.00 left in $MONTH_FIRST..$RANGE_LAST; this job may cost up to \$110.08"
by_client "proj-x over budget" "$center" -A phys --cost-center=proj-x -p gpu --gpus-per-node=8 -N 2 -t 60
by_ctld "proj-x over budget" pass "$center" -A phys --cost-center=proj-x -p gpu --gpus-per-node=8 -N 2 -t 60
submit -H -A phys --cost-center=proj-x -p gpu --gpus-per-node=8 -t 60 --wrap=true
assert_eq "proj-x within budget (\$55.04 of \$100.00): accepted" 0 "$RC"
scancel --user=root

# --max-cost is still checked against the estimate.
expect_refused "--max-cost still applies" \
    'stratus: --max-cost: the estimate is $55.04, above $50.00' -H -A phys --max-cost=50 -p gpu --gpus-per-node=8 -t 60 --wrap=true

# ---- stale: BudgetOnStale=allow (the default) ------------------------------------------
write_snapshot "$(date -u -d '-2 hours' +%FT%TZ)"
if wait_log "$SNAP is stale: generated" 15; then pass "stale snapshot reported"; else fail "stale snapshot not reported"; fi
CHECKS=$((CHECKS + 1))
assert_contains "stale: the log says budgets are not enforced" \
    "budgets are not enforced (BudgetOnStale=allow)" "$(grep "$SNAP is stale" "$SANDBOX/log/slurmctld.log")"
SLURM_CONF=$SANDBOX/ref-none/slurm.conf submit -H -A chem -p gpu --gpus-per-node=8 -t 60 --wrap=true
assert_eq "stale, allow: slurmctld lets the over-budget job in" 0 "$RC"
submit -H -A chem -p gpu --gpus-per-node=8 -t 60 --wrap=true
assert_eq "stale, allow: so does sbatch" 0 "$RC"
scancel --user=root

# ---- stale: BudgetOnStale=refuse ----------------------------------------------------------
loads=$(config_loads)
write_stratus_conf "$ORIGINAL"$'\n'"$budgets"$'\nBudgetOnStale=refuse'
wait_loads $((loads + 1)) 15
stale_head="stratus: account chem has a budget of \$5000.00 this month but what it spent is unknown: the spend snapshot $SNAP is 2h0"
by_client "stale, refuse" "$stale_head" -A chem -p graviton -t 60
assert_contains "stale, refuse (sbatch): says why" "; jobs it covers are refused until the snapshot is refreshed (BudgetOnStale=refuse)" "$ERR"
by_ctld "stale, refuse" none "$stale_head" -A chem -p graviton -t 60
submit -H -A phys -p graviton -t 60 --wrap=true
assert_eq "stale, refuse: jobs no budget covers still pass" 0 "$RC"
scancel --user=root

# Missing (a path with no file): the same rule.
loads=$(config_loads)
write_stratus_conf "$ORIGINAL"$'\n'"${budgets/spend.json/none.json}"$'\nBudgetOnStale=refuse'
wait_loads $((loads + 1)) 15
wait_log "no spend snapshot at $SANDBOX/state/none.json; jobs covered by a budget are refused (BudgetOnStale=refuse)" 15
by_ctld "missing, refuse" none \
    "stratus: account chem has a budget of \$5000.00 this month but what it spent is unknown: no spend snapshot at $SANDBOX/state/none.json" \
    -A chem -p graviton -t 60

# ---- fresh again: enforced with the numbers ------------------------------------------------
loads=$(config_loads)
write_snapshot "$(date -u +%FT%TZ)"
write_stratus_conf "$ORIGINAL"$'\n'"$budgets"$'\nBudgetOnStale=refuse'
wait_loads $((loads + 1)) 15
if wait_log "spend snapshot $SNAP is current again" 15; then pass "fresh snapshot: current again"; else fail "fresh snapshot not reported"; fi
CHECKS=$((CHECKS + 1))
by_ctld "fresh again: chem over budget" none "$over" -A chem -p gpu --gpus-per-node=8 -t 60
SLURM_CONF=$SANDBOX/ref-none/slurm.conf submit -H -A chem -p graviton -t 60 --wrap=true
assert_eq "fresh again: chem within budget" 0 "$RC"
scancel --user=root
