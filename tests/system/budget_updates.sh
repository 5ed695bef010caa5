#!/bin/bash
# shellcheck disable=SC2016
# Estimates and budgets that ordinary Slurm habits cannot walk past, through
# the real slurmctld and a hand-written spend snapshot with commitments: a
# job array is priced as all its tasks; an update (scontrol update
# TimeLimit=) is priced again from the job's AdminComment and refused when
# its increase is more than the budget has left (the user is told why from
# Slurm 23.02); jobs submitted at once share what is left, no more.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
command -v runuser >/dev/null 2>&1 || skip "runuser is not installed (util-linux)"
start_sandbox  # slurmctld judges alone: the SPANK client keeps no ledger

CONF=$SANDBOX/etc/stratus.conf
SNAP=$SANDBOX/state/spend.json
ORIGINAL=$(cat "$CONF")
MONTH_FIRST=$(date -u +%Y-%m-01)
MONTH_LAST=$(date -u -d "$MONTH_FIRST +1 month -1 day" +%F)
. "$STRATUS_TOP_SRCDIR/tests/system/budget_lib.sh"

# budget AMOUNT: chem's budget of AMOUNT this month, $1.00 spent, nothing
# committed when the jobs were read (now). A second apart from the one
# before, so that its load is told from theirs; after the seconds the
# ledger keeps what was accepted before a snapshot (kLedgerOverlapSeconds).
budget() {
    sleep 6
    local now
    now=$(date -u +%FT%TZ)
    printf '{"v":1,"generated_at":"%s","periods":[{"first":"%s","last":"%s","accounts":{"chem":1.00},"cost_centers":{}}],"jobs_read_at":"%s","committed":{"accounts":{},"cost_centers":{}}}\n' \
        "$now" "$MONTH_FIRST" "$MONTH_LAST" "$now" >"$SNAP.new" && mv "$SNAP.new" "$SNAP"
    write_stratus_conf "$ORIGINAL
Budget=account:chem Amount=$1 Period=month
SpendSnapshot=$SNAP"
    if wait_snapshot_loaded "$SNAP"; then pass "budget of \$$1: slurmctld loaded the snapshot"; else fail "budget of \$$1: snapshot not loaded"; fi
    CHECKS=$((CHECKS + 1))
}

# ---- arrays: the whole submission ----------------------------------------------------------
budget 101
expect_refused "1000-task array against \$100 left" \
    'stratus: account chem has $100.00 of $101.00 left this month; this job may cost up to $1683.20' \
    -H -A chem -p graviton -t 60 --array=0-999 --wrap=true
assert_contains "1000-task array: ESLURM_ACCOUNTING_POLICY" "$POLICY" "$ERR"
submit -H -A chem -p graviton -t 60 --wrap=true
assert_eq "one task fits" 0 "$RC"
scancel "$JOB"
submit -H -A chem -p graviton -t 60 --array=0-9%2 --wrap=true
assert_eq "a 10-task array fits (\$16.83)" 0 "$RC"
assert_contains "the user sees the tasks" \
    'estimate $16.83 (10 tasks x 1 x hpc7g.16xlarge on-demand at $1.6832/h for 1h00, time limit; $1.68 a task)' "$ERR"
comment=$(job_field "$JOB" AdminComment)
assert_eq "AdminComment: tasks" 10 "$(json_get "$comment" tasks)"
assert_eq "AdminComment: est_usd is the whole array's" 16.83 "$(json_get "$comment" est_usd)"
assert_eq "AdminComment: est_usd_task" 1.68 "$(json_get "$comment" est_usd_task)"
scancel "$JOB"

# ---- updates: priced again, held or refused --------------------------------------------------
# $1.00 spent; a $1.68 job and $2.00 more.
budget 4.68
run runuser -u daemon -- sbatch --parsable -H -A chem -p graviton -t 60 --wrap=true
assert_eq "daemon's 1-hour job: accepted" 0 "$RC"
JOB=${OUT%%;*}
run runuser -u daemon -- scontrol update jobid="$JOB" TimeLimit=120
assert_eq "TimeLimit=120 (\$1.69 more, \$2.00 left): accepted" 0 "$RC"
comment=$(job_field "$JOB" AdminComment)
assert_eq "the AdminComment has the new estimate" 3.37 "$(json_get "$comment" est_usd)"
assert_eq "and the new time" 120 "$(json_get "$comment" minutes)"
assert_contains "its request says the new time limit" '"t":120' "$comment"
run runuser -u daemon -- scontrol update jobid="$JOB" TimeLimit=240
assert_fails "TimeLimit=240 (\$3.36 more, \$0.31 left): refused"
update_refusal='stratus: account chem has $0.31 of $4.68 left this month ($3.37 of it held by pending and running jobs); this update may cost up to $3.36'
if ((SLURM_RELEASE >= 2302)); then assert_contains "the user is told why" "$update_refusal" "$ERR"; fi
assert_contains "slurmctld logs why" "job_submit/stratus: refused update of job $JOB from uid 1: $update_refusal" "$(ctld_log)"
assert_eq "the time limit stays" 02:00:00 "$(job_field "$JOB" TimeLimit)"
assert_eq "the AdminComment stays" 3.37 "$(json_get "$(job_field "$JOB" AdminComment)" est_usd)"
# root (like SlurmUser) is priced and held, never refused for what it costs.
run scontrol update jobid="$JOB" TimeLimit=240
assert_eq "root's TimeLimit=240: accepted" 0 "$RC"
assert_eq "root's update: the new estimate" 6.73 "$(json_get "$(job_field "$JOB" AdminComment)" est_usd)"
scancel "$JOB"

# ---- at once: 50 submissions against a budget that fits 10 ----------------------------------
# $1.00 spent, $16.80 left: 10 jobs of $1.68. A job is accepted when its
# estimate is at most what is left after those accepted before it.
budget 17.80
rm -rf "$SANDBOX/parallel" && mkdir -p "$SANDBOX/parallel"
for i in $(seq 50); do
    (sbatch --parsable -H -A chem -p graviton -t 60 --wrap=true >"$SANDBOX/parallel/$i.out" 2>&1 && echo ok >"$SANDBOX/parallel/$i.ok") &
done
wait
accepted=$(find "$SANDBOX/parallel" -name '*.ok' | wc -l)
assert_eq "50 at once, room for 10: exactly 10 accepted" 10 "$accepted"
assert_eq "and 10 held jobs exist" 10 "$(squeue -h -u root -t pending -o %i | wc -l)"
assert_contains "the others are told why" 'stratus: account chem has $0.00 of $17.80 left this month ($16.80 of it held by pending and running jobs); this job may cost up to $1.68' \
    "$(cat "$SANDBOX"/parallel/*.out)"
scancel --user=root
