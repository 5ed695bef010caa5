#!/bin/bash
# shellcheck disable=SC2119,SC2016
# stratus-burstd in PCS mode against a real slurmctld and the fake AWS's PCS:
# held jobs are not demand; once released, 20 exclusive jobs in partition
# graviton make `stratus-burstd --once` raise the node group's
# minInstanceCount (clamped to maxInstanceCount), through a throttle and a
# ConflictException; after the jobs end and ScaleDownIdleTime passes it
# lowers it back. Also: --dry-run changes nothing, --status reads the
# status file, BurstLog says why, the daemon loop stops on SIGTERM.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"

BURSTD=$STRATUS_TOP_BUILDDIR/tools/stratus-burstd
[[ -x $BURSTD ]] || skip "stratus-burstd not built in $STRATUS_TOP_BUILDDIR"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (the fake AWS needs it)"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
[[ -f $STRATUS_TOP_SRCDIR/tests/fake_aws/fake_aws.py ]] || skip "no fake AWS in $STRATUS_TOP_SRCDIR/tests/fake_aws"

start_sandbox

# ---- the fake AWS -------------------------------------------------------------
start_fake_aws --pcs-update-delay-s 1
C=$FAKE_CONTROL
PORT=${FAKE_AWS##*:}
export AWS_EC2_METADATA_DISABLED=true

# A PCS cluster whose node group ng-graviton backs partition graviton.
run curl -sf -X POST "$C/node-groups" -d '{"region": "us-east-1", "cluster": "sandbox-pcs",
  "computeNodeGroups": [{"name": "ng-graviton", "scalingConfiguration": {"minInstanceCount": 0, "maxInstanceCount": 16},
  "instanceConfigs": [{"instanceType": "hpc7g.16xlarge"}]}]}'
assert_eq "fake AWS: PCS node group seeded" 0 "$RC"

# stratus.conf gets the burst keys (slurmctld's plugin reads the same file).
CONF=$SANDBOX/etc/stratus.conf
sed -i 's/^PartitionName=graviton .*/& PcsNodeGroup=ng-graviton/' "$CONF"
cat >>"$CONF" <<EOF
PcsCluster=sandbox-pcs
PcsEndpoint=http://127.0.0.1:$PORT
StateDir=$SANDBOX/state/burstd
BurstLog=$SANDBOX/log/burst.log
BurstInterval=1
BurstCooldown=0
ScaleDownIdleTime=5
EOF

# py EXPR: evaluates EXPR over the fake's /_fake/calls (as `calls`) and
# /_fake/state (as `state`).
py() {
    python3 - "$1" "$C" <<'PY'
import json, sys, urllib.request
expr, base = sys.argv[1], sys.argv[2]
calls = json.load(urllib.request.urlopen(base + "/calls"))["calls"]
state = json.load(urllib.request.urlopen(base + "/state"))
def group(name):
    for c in state["pcs_clusters"]:
        for g in c["computeNodeGroups"]:
            if g["name"] == name:
                return g
def updates():
    return [c for c in calls if c.get("operation") == "UpdateComputeNodeGroup"]
print(eval(expr))
PY
}
group_min() { py 'group("ng-graviton")["scalingConfiguration"]["minInstanceCount"]'; }
updates_ok() { py 'len([c for c in updates() if c["status"] == 200])'; }
burstd() { run "$BURSTD" --conf "$CONF" "$@"; }

assert_eq "fake AWS: node group readable" 0 "$(group_min)"

# ---- held jobs are not demand -----------------------------------------------
JOBS=()
for ((i = 0; i < 20; i++)); do
    submit -H -p graviton --exclusive -t 5 -o /dev/null --wrap='sleep 8'
    [[ -n $JOB ]] && JOBS+=("$JOB")
done
assert_eq "20 held exclusive jobs submitted" 20 "${#JOBS[@]}"

burstd --once --dry-run
assert_eq "dry run with held jobs: exit status" 0 "$RC"
assert_contains "dry run: says it changes nothing" "dry run: nothing is changed" "$OUT"
assert_contains "dry run: held jobs are not counted" "pending demand: 0 nodes for 0 jobs; not counted: 20 jobs waiting for other things" "$OUT"
assert_contains "dry run: reason named" "not counted: 20 jobs (20 JobHeldUser)" "$OUT"
assert_eq "dry run: no status file" no "$([[ -e $SANDBOX/state/burstd/burstd.status ]] && echo yes || echo no)"

burstd --once
assert_eq "once with held jobs: exit status" 0 "$RC"
assert_contains "once with held jobs: no change" "change:         none" "$OUT"
assert_eq "held jobs: no UpdateComputeNodeGroup" 0 "$(py 'len(updates())')"

# ---- released: raise minInstanceCount ------------------------------------------
run scontrol release "$(IFS=,; echo "${JOBS[*]}")"
assert_eq "jobs released" 0 "$RC"
# Until the scheduler's next pass the released jobs wait with reason None
# next to idle nodes; let it start 3 on the partition's 3 nodes.
for ((i = 0; i < 100; i++)); do
    [[ $(squeue -h -t running -p graviton -o %i 2>/dev/null | wc -l) == 3 ]] && break
    sleep 0.2
done
assert_eq "3 jobs run, 17 wait" "3 17" \
    "$(squeue -h -t running -o %i | wc -l) $(squeue -h -t pending -o %i | wc -l)"

burstd --once --dry-run
assert_contains "dry run: demand of 20 exclusive jobs" "pending demand: 17 nodes for 17 jobs" "$OUT"
assert_contains "dry run: the 3 graviton nodes are busy" "nodes up:       3 (3 busy, 0 idle, 0 powering up)" "$OUT"
assert_contains "dry run: plan to raise, clamped" "add 13 nodes: raise minInstanceCount 0 -> 16" "$OUT"
assert_contains "dry run: says which limit" "limit: maxInstanceCount 16" "$OUT"
assert_contains "dry run: price after" '$/h:            $5.05/h -> $26.93/h (one node $1.68/h)' "$OUT"
assert_eq "dry run: still no UpdateComputeNodeGroup" 0 "$(py 'len(updates())')"

# PCS throttles the first update with a long retryAfterSeconds: burstd
# stops calling PCS until it passes.
run curl -sf -X POST "$C/faults" -d '{"operation": "UpdateComputeNodeGroup", "kind": "throttle", "retry_after_s": 4, "count": 1}'
burstd --once
assert_eq "throttled: exit status" 0 "$RC"
assert_contains "throttled: reported" "result:         throttled: no PCS call for 4 s" "$OUT"
assert_eq "throttled: minInstanceCount unchanged" 0 "$(group_min)"
calls_before=$(py 'len(calls)')
burstd --once
assert_contains "throttled: the next cycle holds" "PCS is throttling burstd: next call in" "$OUT"
assert_eq "throttled: no PCS call while it lasts" "$calls_before" "$(py 'len(calls)')"
sleep 4

# Then a ConflictException (the group is being updated by someone else):
# wait for the next cycle.
run curl -sf -X POST "$C/faults" -d '{"operation": "UpdateComputeNodeGroup", "kind": "error", "error_code": "ConflictException", "status": 409, "count": 1, "fields": {"resourceId": "ng-graviton", "resourceType": "computeNodeGroup"}}'
burstd --once
assert_eq "conflict: exit status" 0 "$RC"
assert_contains "conflict: reported" "result:         conflict, the node group is being updated: trying again next cycle" "$OUT"
assert_eq "conflict: minInstanceCount unchanged" 0 "$(group_min)"

burstd --once
assert_eq "raise: exit status" 0 "$RC"
assert_contains "raise: done" "result:         UpdateComputeNodeGroup ng-graviton minInstanceCount 0 -> 16" "$OUT"
assert_eq "raise: minInstanceCount at the fake" 16 "$(group_min)"
assert_eq "raise: one successful UpdateComputeNodeGroup" 1 "$(updates_ok)"
assert_eq "raise: the calls PCS saw: throttled, conflict, done" "429 409 200" "$(py '" ".join(str(c["status"]) for c in updates())')"
assert_eq "raise: sent min 16, max 16" "16 16" \
    "$(py '" ".join(str(updates()[-1]["params"]["scalingConfiguration"][k]) for k in ("minInstanceCount", "maxInstanceCount"))')"
assert_eq "raise: with a clientToken" True "$(py '8 <= len(updates()[-1]["params"].get("clientToken", "")) <= 100')"
assert_eq "raise: signed for pcs" True "$(py 'updates()[-1]["signature_ok"]')"

burstd --once
assert_contains "next cycle: nothing more to do" "change:         none" "$OUT"
assert_eq "next cycle: no further update" 3 "$(py 'len(updates())')"

run "$BURSTD" --conf "$CONF" --status
assert_eq "--status: exit status" 0 "$RC"
assert_contains "--status: the partition" "partition graviton (pcs)" "$OUT"
assert_contains "--status: the group" "group:    ng-graviton" "$OUT"
assert_contains "--status: what burstd remembers" "graviton: last action" "$OUT"
assert_contains "--status: the baseline" "baseline minInstanceCount 0; burstd set 16" "$OUT"

log=$(cat "$SANDBOX/log/burst.log" 2>/dev/null)
assert_contains "BurstLog: the decision with its reasons" \
    "partition graviton (pcs): raise minInstanceCount of ng-graviton 0 -> 16; pending: " "$log"
assert_contains "BurstLog: the outcome" "partition graviton: done: UpdateComputeNodeGroup ng-graviton minInstanceCount 0 -> 16" "$log"
assert_contains "BurstLog: the conflict" "partition graviton: conflict" "$log"

# ---- drained: lower it back after ScaleDownIdleTime ------------------------------
for ((i = 0; i < 240; i++)); do
    [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
    sleep 0.5
done
assert_eq "all jobs ended" "" "$(squeue -h -o %i 2>/dev/null)"
burstd --once
assert_contains "just drained: holds for ScaleDownIdleTime" "(held: minInstanceCount 16 is above the 0 needed, idle for" "$OUT"
assert_eq "just drained: minInstanceCount kept" 16 "$(group_min)"
sleep 5
for ((i = 0; i < 20; i++)); do
    [[ $(py 'group("ng-graviton")["status"]') == ACTIVE ]] && break
    sleep 0.5
done
burstd --once
assert_eq "lower: exit status" 0 "$RC"
assert_contains "lower: done" "result:         UpdateComputeNodeGroup ng-graviton minInstanceCount 16 -> 0" "$OUT"
assert_contains "lower: says why" "capacity above 0 not needed for" "$OUT"
assert_eq "lower: minInstanceCount back to 0 at the fake" 0 "$(group_min)"
assert_eq "lower: two successful updates in all" 2 "$(updates_ok)"
run "$BURSTD" --conf "$CONF" --status
assert_contains "--status after lowering" "lower-min 16 -> 0: done" "$OUT"

# ---- the daemon loop -------------------------------------------------------------
"$BURSTD" --conf "$CONF" >"$SANDBOX/log/burstd.out" 2>&1 &
DAEMON=$!
sleep 3
kill -TERM "$DAEMON"
rc=0
wait "$DAEMON" || rc=$?
assert_eq "daemon: exits 0 on SIGTERM" 0 "$rc"
assert_contains "daemon: logged its start and stop" "stopped" "$(cat "$SANDBOX/log/burst.log")"
assert_contains "daemon: ran cycles" '"run": "daemon"' "$(cat "$SANDBOX/state/burstd/burstd.status")"
assert_eq "daemon: changed nothing with an empty queue" 2 "$(updates_ok)"
