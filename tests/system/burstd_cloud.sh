#!/bin/bash
# shellcheck disable=SC2016
# stratus-burstd in self-managed mode (stratus-sandbox --burst: CLOUD
# partition burst, stratus-resume/stratus-suspend at the fake AWS). Jobs wait
# although powered-down nodes exist (here: a reservation keeps the nodes from
# them, as the backfill scheduler's plans or a ResumeRate do), so
# `stratus-burstd --once` powers two nodes up through libslurm; Slurm runs
# stratus-resume, EC2 (the fake) launches their instances and the nodes
# register. No job takes them, so after ScaleDownIdleTime burstd powers them
# down again and stratus-suspend terminates the instances. Every cycle also
# runs the reconcile pass (DescribeInstances at the fake).
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"

BURSTD=$STRATUS_TOP_BUILDDIR/tools/stratus-burstd
[[ -x $BURSTD ]] || skip "stratus-burstd not built in $STRATUS_TOP_BUILDDIR"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (the fake AWS needs it)"
[[ -f $STRATUS_TOP_SRCDIR/tests/fake_aws/fake_aws.py ]] || skip "no fake AWS in the source tree"
[[ -x $STRATUS_TOP_BUILDDIR/tools/stratus-resume && -x $STRATUS_TOP_BUILDDIR/tools/stratus-suspend ]] ||
    skip "stratus-resume/stratus-suspend not built"
unshare --fork --time --boottime 0 true 2>/dev/null || skip "no time namespaces (unshare --time)"

start_sandbox --burst
C=$(sed -n 's/^STRATUS_FAKE_AWS=//p' "$SANDBOX/etc/burst.env")
# The fake's credentials and endpoint, for the reconcile pass's EC2 calls.
set -a
# shellcheck disable=SC1091
. "$SANDBOX/etc/burst.env"
set +a
# Slurm's own SuspendTime (10 s in the sandbox) must not beat burstd's release.
sed -i 's/^\(PartitionName=burst .*\)SuspendTime=[0-9]*/\1SuspendTime=600/' "$SANDBOX/etc/slurm.conf"
run scontrol reconfigure
assert_eq "slurm.conf: SuspendTime=600 for partition burst" 0 "$RC"
CONF=$SANDBOX/etc/stratus.conf
cat >>"$CONF" <<EOF
BurstCooldown=0
ScaleDownIdleTime=3
EOF

py() {
    python3 - "$1" "$C" <<'PY'
import json, sys, urllib.request
expr, base = sys.argv[1], sys.argv[2]
calls = json.load(urllib.request.urlopen(base + "/calls"))["calls"]
state = json.load(urllib.request.urlopen(base + "/state"))
def op(name):
    return [c for c in calls if c.get("operation") == name and c["status"] == 200]
def live():
    return sorted(i["tags"].get("stratus:node", "?") for i in state["instances"] if i["state"] in ("pending", "running"))
print(eval(expr))
PY
}
both_up() { [[ $(node_field burst-1 State) != *POWER* && $(node_field burst-2 State) != *POWER* && $(node_field burst-1 State) == IDLE* && $(node_field burst-2 State) == IDLE* ]]; }
both_down() { [[ $(node_field burst-1 State) == *POWERED_DOWN* && $(node_field burst-2 State) == *POWERED_DOWN* ]]; }
no_instances() { [[ $(py 'live()') == "[]" ]]; }
# Cycles until burstd has powered both nodes down; on a loaded machine their
# idle times can cross ScaleDownIdleTime in different cycles.
RELEASES=
released() {
    run "$BURSTD" --conf "$CONF" --once
    RELEASES+=$(grep -o 'result:         powering down [^ ]*' <<<"$OUT" | sed 's/.* //')','
    [[ ,$RELEASES == *,burst-1,* && ,$RELEASES == *,burst-2,* ]]
}

# (For a user that is not root: daemon, since 26.05 refuses nobody's uid 65534.)
run scontrol create reservation reservationname=burstd-test nodes=burst-[1-6] users=daemon starttime=now \
    duration=30 flags=ignore_jobs
assert_eq "a reservation keeps the burst nodes from the jobs" 0 "$RC"
JOBS=()
for i in 1 2; do
    submit -p burst --exclusive -t 5 -o /dev/null --wrap=true
    JOBS+=("$JOB")
done
sleep 1
assert_eq "the jobs wait" "PENDING PENDING" "$(job_field "${JOBS[0]}" JobState) $(job_field "${JOBS[1]}" JobState)"

run "$BURSTD" --conf "$CONF" --once --dry-run
assert_contains "dry run: self-managed partition" "partition burst (self-managed)" "$OUT"
assert_contains "dry run: demand" "pending demand: 2 nodes for 2 jobs" "$OUT"
assert_contains "dry run: 6 powered-down nodes seen (PrivateData=cloud)" "0 powering up); 6 powered down, 0 unavailable" "$OUT"
assert_contains "dry run: the plan" "add 2 nodes: power up burst-1,burst-2" "$OUT"
assert_eq "dry run: no instance" "[]" "$(py 'live()')"

run "$BURSTD" --conf "$CONF" --once
assert_eq "power up: exit status" 0 "$RC"
assert_contains "power up: done" "result:         powering up burst-1,burst-2" "$OUT"
assert_contains "power up: the price after" '$/h:            $0.00/h -> $0.14/h' "$OUT"
wait_until 90 both_up || fail "burst-1 and burst-2 did not come up: $(node_field burst-1 State) $(node_field burst-2 State)"
assert_eq "stratus-resume launched their instances at the fake" "['burst-1', 'burst-2']" "$(py 'live()')"
assert_contains "the status file remembers them" "prewarmed 2 nodes" "$("$BURSTD" --conf "$CONF" --status)"
assert_contains "reconcile ran with the cycle" '"reconcile": "0 terminated' "$(cat "$SANDBOX/burst/burstd.status")"
assert_eq "reconcile: DescribeInstances at the fake" True "$(py 'len(op("DescribeInstances")) > 0')"

# While the jobs wait, the idle nodes are theirs: nothing is released.
run "$BURSTD" --conf "$CONF" --once
assert_contains "jobs still waiting: the idle nodes are kept" "change:         none" "$OUT"
# The jobs go away; nobody took the nodes: powered down after ScaleDownIdleTime=3.
run scancel "${JOBS[@]}"
wait_until 30 released || fail "burstd did not power the idle nodes down (released: $RELEASES): $OUT"
assert_contains "release: says why" "burstd powered up stayed idle for ScaleDownIdleTime=3 s" "$(cat "$SANDBOX/log/burst.log")"
wait_until 90 both_down || fail "burst-1 and burst-2 were not powered down: $(node_field burst-1 State) $(node_field burst-2 State)"
wait_until 30 no_instances || fail "instances left: $(py 'live()')"
assert_eq "stratus-suspend terminated the instances" "[]" "$(py 'live()')"
assert_contains "BurstLog: the power-up decision" "partition burst (self-managed): power up 2 nodes (burst-1,burst-2); pending: 2 jobs" \
    "$(cat "$SANDBOX/log/burst.log")"

run scontrol delete reservationname=burstd-test
