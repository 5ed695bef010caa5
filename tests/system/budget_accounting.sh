#!/bin/bash
# shellcheck disable=SC2016
# Budgets against the real spend snapshot: with Slurm accounting in the
# sandbox (MariaDB, slurmdbd, stratus-jobcost recording each job's actual
# cost), `stratus-spend snapshot` adds up what accounts and cost centers
# spent and each user's default account; job_submit/stratus (and sbatch's
# SPANK plugin) then refuse a job that would overrun what is left, also when
# the job names no account (its user's default one is charged).
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"

SPEND=$STRATUS_TOP_BUILDDIR/tools/stratus-spend
[[ -x $SPEND ]] || skip "stratus-spend not built in $STRATUS_TOP_BUILDDIR"
[[ -x $STRATUS_TOP_BUILDDIR/tools/stratus-jobcost ]] || skip "stratus-jobcost not built (accounting)"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
for prog in mariadbd mariadb-install-db slurmdbd sacctmgr sacct; do
    command -v "$prog" >/dev/null 2>&1 || [[ -x /usr/sbin/$prog ]] || skip "$prog is not installed (Debian: mariadb-server slurmdbd)"
done
start_sandbox --accounting --spank
. "$STRATUS_TOP_SRCDIR/tests/system/budget_lib.sh"

SNAP=$SANDBOX/state/spend.json
ORIGINAL=$(cat "$SANDBOX/etc/stratus.conf")
MONTH_FIRST=$(date -u +%Y-%m-01)
MONTH_LAST=$(date -u -d "$MONTH_FIRST +1 month -1 day" +%F)
RANGE_LAST=$(date -u -d "$MONTH_FIRST +2 month -1 day" +%F)

# actual_usd JOB: what stratus-jobcost recorded in slurmdbd (waits up to 30 s).
actual_usd() {
    local i comment
    for ((i = 0; i < 150; i++)); do
        comment=$(sacct -X -n -P -j "$1" -o AdminComment 2>/dev/null | head -n 1)
        if [[ $comment == *'"actual_usd":'* ]]; then
            json_get "$comment" actual_usd
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# ---- two jobs that cost something -----------------------------------------------------
submit -A chem -p gpu --gpus-per-node=8 -t 60 --wrap='sleep 3'
J1=$JOB
submit -A phys --cost-center=proj-x -p gpu -w gpu-g6e-1 --gpus-per-node=4 -t 60 --wrap='sleep 3'
J2=$JOB
assert_completes "chem's job on p5.48xlarge" "$J1"
assert_completes "phys's job for proj-x on g6e.12xlarge" "$J2"
A1=$(actual_usd "$J1") || fail "no actual_usd recorded for job $J1"
A2=$(actual_usd "$J2") || fail "no actual_usd recorded for job $J2"
echo "  (actual cost: job $J1 \$$A1, job $J2 \$$A2)"
cents() { awk -v u="$1" 'BEGIN { printf "%d", u * 100 + 0.5 }'; }
usd() { awk -v c="$1" 'BEGIN { printf "%.2f", c / 100 }'; }
# Budgets that leave exactly $1.00 for chem and $0.50 for proj-x.
CHEM_AMOUNT=$(usd $(($(cents "$A1") + 100)))
PROJ_AMOUNT=$(usd $(($(cents "$A2") + 50)))

# ---- stratus-spend snapshot, from slurmdbd ---------------------------------------------------
write_stratus_conf "$ORIGINAL
Budget=account:chem Amount=$CHEM_AMOUNT Period=month
Budget=cost-center:proj-x Amount=$PROJ_AMOUNT Period=$MONTH_FIRST..$RANGE_LAST
SpendSnapshot=$SNAP"
# slurmdbd's time-window queries see a job only once slurmctld has sent its
# times: a second or two after it ends, longer on a loaded machine.
snapshot_has_both_accounts() {
    run "$SPEND" snapshot
    [[ $RC != 0 || $OUT == *"up to 2 accounts"* ]]
}
wait_until 30 snapshot_has_both_accounts || :
# Once more, a second later: this snapshot's generated_at is its own, so
# its load is told from the loads of the ones before.
sleep 1
run "$SPEND" snapshot
assert_eq "stratus-spend snapshot: exit status" 0 "$RC"
assert_eq "stratus-spend snapshot: what it wrote" \
    "stratus-spend: wrote $SNAP: 2 periods, up to 2 accounts and 1 cost centers, 1 default accounts" "$OUT"
snapshot=$(cat "$SNAP" 2>/dev/null)
# Periods with their spend in cents, and the default accounts.
figures() {
    python3 -c '
import json, sys
s = json.loads(sys.argv[1])
cents = lambda d: " ".join("%s=%d" % (k, round(v * 100)) for k, v in sorted(d.items()))
for p in s["periods"]:
    print(p["first"], p["last"], cents(p["accounts"]), "/", cents(p["cost_centers"]))
print(json.dumps(s.get("default_accounts"), sort_keys=True))' "$1"
}
C1=$(cents "$A1") C2=$(cents "$A2")
assert_eq "the snapshot: actual spend per account and cost center, and root's default account" \
    "$MONTH_FIRST $MONTH_LAST chem=$C1 phys=$C2 / proj-x=$C2
$MONTH_FIRST $RANGE_LAST chem=$C1 phys=$C2 / proj-x=$C2
{\"0\": \"chem\"}" "$(figures "$snapshot" 2>&1)"
if wait_snapshot_loaded "$SNAP"; then pass "slurmctld loaded it"; else fail "slurmctld did not load the snapshot"; fi
CHECKS=$((CHECKS + 1))

run "$SPEND" show --account chem
assert_contains "stratus-spend show --account chem" \
    "account chem $MONTH_FIRST..$MONTH_LAST \$$CHEM_AMOUNT \$$(usd "$C1") \$0.00 \$1.00" "$(tr -s ' ' <<<"$OUT")"

# ---- enforced ----------------------------------------------------------------------------------
chem="stratus: account chem has \$1.00 of \$$CHEM_AMOUNT left this month; this job may cost up to \$1.68"
by_client "chem: \$1.00 left" "$chem" -A chem -p graviton -t 60
by_ctld "chem: \$1.00 left" none "$chem" -A chem -p graviton -t 60
# No --account: root's default account (chem) is charged.
by_ctld "no --account: the default account's budget" none "$chem" -p graviton -t 60
by_client "no --account: the default account's budget" "$chem" -p graviton -t 60
SLURM_CONF=$SANDBOX/ref-none/slurm.conf submit -H -A chem -p graviton -t 30 --wrap=true
assert_eq "chem: a \$0.84 job fits in \$1.00" 0 "$RC"
center="stratus: cost center proj-x has \$0.50 of \$$PROJ_AMOUNT left in $MONTH_FIRST..$RANGE_LAST; this job may cost up to \$0.84"
by_client "proj-x: \$0.50 left" "$center" -A phys --cost-center=proj-x -p graviton -t 30
by_ctld "proj-x: \$0.50 left" pass "$center" -A phys --cost-center=proj-x -p graviton -t 30
submit -H -A phys -p graviton -t 30 --wrap=true
assert_eq "phys without a cost center: no budget, accepted" 0 "$RC"
scancel --user=root

# ---- commitments: pending jobs in the snapshot ------------------------------------------------
# A pending job's highest estimate is committed against its account in the
# next snapshot (read from slurmctld), next to the actual spend.
SLURM_CONF=$SANDBOX/ref-none/slurm.conf submit -H -A phys -p graviton -t 60 --wrap=true
assert_eq "phys: a held 1-hour job" 0 "$RC"
run "$SPEND" snapshot
assert_eq "stratus-spend snapshot with a pending job: exit status" 0 "$RC"
assert_eq "the snapshot commits its estimate to phys" "phys=168" \
    "$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join("%s=%d" % (k, round(v*100)) for k, v in sorted(s["committed"]["accounts"].items())))' "$SNAP")"
assert_contains "and says when it read the jobs" '"jobs_read_at":"' "$(cat "$SNAP")"
scancel --user=root
