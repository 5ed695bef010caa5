#!/bin/bash
# shellcheck disable=SC2016
# stratus-resume and stratus-suspend as slurmctld's ResumeProgram and
# SuspendProgram, against the fake AWS (stratus-sandbox --burst): a job to
# the CLOUD partition starts an instance (CreateFleet, overrides in price
# order, tags), its node registers, the job completes, the idle node's
# instance is terminated; capacity fail-over; no capacity at all (nodes DOWN
# with EC2's reason, the job requeued); throttling; a resume killed right
# after CreateFleet and the orphan it leaves, terminated by reconcile;
# nothing leaked.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (the fake AWS needs it)"
[[ -f $STRATUS_TOP_SRCDIR/tests/fake_aws/fake_aws.py ]] || skip "no fake AWS in the source tree"
[[ -x $STRATUS_TOP_BUILDDIR/tools/stratus-resume && -x $STRATUS_TOP_BUILDDIR/tools/stratus-suspend ]] ||
    skip "stratus-resume/stratus-suspend not built"
unshare --fork --time --boottime 0 true 2>/dev/null || skip "no time namespaces (unshare --time)"

start_sandbox --burst
T0=$SECONDS
C=$(sed -n 's/^STRATUS_FAKE_AWS=//p' "$SANDBOX/etc/burst.env")
STATE=$SANDBOX/burst/state.json
BURST_LOG=$SANDBOX/log/burst.log

# py EXPR: EXPR over the fake's /_fake/calls (`calls`), /_fake/state
# (`state`) and the node records (`records`).
py() {
    python3 - "$1" "$C" "$STATE" <<'PY'
import json, os, sys, urllib.request
expr, base, state_file = sys.argv[1], sys.argv[2], sys.argv[3]
calls = json.load(urllib.request.urlopen(base + "/calls"))["calls"]
state = json.load(urllib.request.urlopen(base + "/state"))
records = json.load(open(state_file))["nodes"] if os.path.exists(state_file) else {}
def fleets():
    return [c for c in calls if c.get("operation") == "CreateFleet"]
def ok_fleets():
    return [c for c in fleets() if c["status"] == 200]
def overrides(c):
    return [o["InstanceType"] for o in c["input"]["LaunchTemplateConfigs"][0]["Overrides"]]
def fleet_tags(c):
    return {t["Key"]: t["Value"] for ts in c["input"].get("TagSpecifications", []) for t in ts.get("Tags", [])}
def inst(iid):
    return next((i for i in state["instances"] if i["instance_id"] == iid), None)
def live():
    return [i for i in state["instances"] if i["state"] in ("pending", "running")]
def terminated_ids():
    return [i for c in calls if c.get("operation") == "TerminateInstances" and c["status"] == 200
            for k, i in c["params"].items() if k.startswith("InstanceId.")]
print(eval(expr))
PY
}
fake_post() {
    python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=10).read()' \
        "$C/$1" "$2"
}
fleets_at_least() { (($(py 'len(fleets())') >= $1)); }
record() { py "records.get('$1', {}).get('$2', '')"; }
# Predicates for wait_until (evaluated at each poll).
has_address() { [[ -n $(record "$1" private_ip) ]]; }
node_down() { [[ $(node_field "$1" State) == DOWN* ]]; }
job_in_state() { [[ $(job_field "$1" JobState) == "$2" ]]; }
node_addr_is() { [[ $(node_field "$1" NodeAddr) == "$2" ]]; }

# ---- 1. a job bursts, runs and completes; the idle node is given back --------------
submit -p burst --exclusive -t 5 -o a.out --wrap='echo ran on $SLURMD_NODENAME'
JOB_A=$JOB
assert_eq "job A submitted to the CLOUD partition" 0 "$RC"
wait_until 30 fleets_at_least 1 || fail "no CreateFleet within 30 s of job A"
NODE_A=$(job_field "$JOB_A" NodeList)
assert_eq "CreateFleet: overrides in price order (c7g.large before c7g.xlarge) x 2 subnets" \
    "['c7g.large', 'c7g.large', 'c7g.xlarge', 'c7g.xlarge']" "$(py 'overrides(fleets()[0])')"
# Subnet c is in use1-az3, which offers no c7g (the catalog): learnt once, never asked for.
assert_eq "CreateFleet: subnets a and b only (c's zone lacks both types)" \
    "['subnet-0sandbox0000000a', 'subnet-0sandbox0000000b', 'subnet-0sandbox0000000a', 'subnet-0sandbox0000000b']" \
    "$(py '[o["SubnetId"] for o in fleets()[0]["input"]["LaunchTemplateConfigs"][0]["Overrides"]]')"
assert_contains "resume: says which zone it skipped" \
    "partition burst: not asking for c7g.large in subnet-0sandbox0000000c (use1-az3): us-east-1's zone does not offer it" \
    "$(cat "$BURST_LOG")"
assert_eq "DescribeSubnets: the three subnets' zones, kept in the state file" "use1-az1 use1-az2 use1-az3" \
    "$(py '" ".join(v for k, v in sorted(json.load(open(state_file))["subnet_zones"].items()))')"
assert_eq "CreateFleet: type instant, one instance, a ClientToken" "instant 1 True" \
    "$(py 'fleets()[0]["input"]["Type"] + " " + str(fleets()[0]["input"]["TargetCapacitySpecification"]["TotalTargetCapacity"]) + " " + str(fleets()[0]["input"]["ClientToken"].startswith("stratus-"))')"
assert_eq "CreateFleet: cluster, partition and (exclusive job) job tags" \
    "stratus-sandbox burst $JOB_A root" \
    "$(py '" ".join(fleet_tags(fleets()[0])[k] for k in ("stratus:cluster", "stratus:partition", "stratus:job-id", "stratus:user"))')"
wait_until 20 has_address "$NODE_A" || fail "no node record with an address for $NODE_A"
IID_A=$(record "$NODE_A" instance_id)
assert_eq "node record: instance, type and private IP from EC2" "c7g.large $(py "inst('$IID_A')['private_ip']")" \
    "$(record "$NODE_A" instance_type) $(record "$NODE_A" private_ip)"
assert_eq "the instance carries its node's name (stratus:node, Name)" "$NODE_A $NODE_A" \
    "$(py "inst('$IID_A')['tags'].get('stratus:node', '') + ' ' + inst('$IID_A')['tags'].get('Name', '')")"
assert_eq "Slurm: NodeHostname is the instance's private DNS name" "$(py "inst('$IID_A')['private_dns_name']")" \
    "$(node_field "$NODE_A" NodeHostName)"

# ---- 2. no capacity for the first type: the second is used -------------------------
fake_post faults '{"operation": "CreateFleet", "kind": "capacity", "instance_types": ["c7g.large"], "count": 1}'
submit -p burst -w burst-2 -t 5 -o b.out --wrap='echo ran on $SLURMD_NODENAME'
JOB_B=$JOB
wait_until 30 fleets_at_least 2 || fail "no CreateFleet within 30 s of job B"
wait_until 20 has_address burst-2 || fail "burst-2 got no instance"
assert_eq "ICE on c7g.large: burst-2 runs on c7g.xlarge" c7g.xlarge "$(record burst-2 instance_type)"
IID_B=$(record burst-2 instance_id)
assert_eq "ICE on c7g.large: one CreateFleet call did it (EC2's own fall-back)" 2 "$(py 'len(fleets())')"
assert_contains "ICE on c7g.large: logged, and c7g.large avoided" \
    "capacity: InsufficientInstanceCapacity for c7g.large in us-east-1a (partition burst): avoiding c7g.large for 600 s" \
    "$(cat "$BURST_LOG")"

# A long job for the spot-reclaim scenario below (its cold start overlaps the others).
submit -p burst -w burst-6 -t 5 -o /dev/null --wrap='sleep 300'
JOB_F=$JOB
wait_until 30 fleets_at_least 3 || fail "no CreateFleet for job F"

# ---- 3. throttling: retried, succeeds ------------------------------------------------
fake_post faults '{"operation": "CreateFleet", "kind": "throttle", "count": 2}'
submit -p burst -w burst-4 -t 5 -o d.out --wrap='echo ran on $SLURMD_NODENAME'
JOB_D=$JOB
wait_until 30 fleets_at_least 6 || fail "no third CreateFleet for job D"
wait_until 20 has_address burst-4 || fail "burst-4 got no instance"
IID_D=$(record burst-4 instance_id)
assert_eq "throttled twice (HTTP 503 RequestLimitExceeded), then launched" "[503, 503, 200]" \
    "$(py '[c["status"] for c in fleets()[3:6]]')"
assert_eq "the retries repeat the same ClientToken" 1 \
    "$(py 'len(set(c["params"]["ClientToken"] for c in fleets()[3:6]))')"
assert_contains "the retries are logged" "RequestLimitExceeded" "$(cat "$BURST_LOG")"

# ---- 4. stratus-resume killed right after CreateFleet: reconcile takes the orphan ---
echo "STRATUS_TEST_EXIT_AFTER=create_fleet" >"$SANDBOX/etc/burst-test.env"
submit -p burst -w burst-5 -t 5 -o /dev/null --wrap=true
JOB_E=$JOB
wait_until 30 fleets_at_least 7 || fail "no CreateFleet for job E"
wait_until 10 grep -q 'TEST ONLY: exiting after create_fleet' "$BURST_LOG" || fail "stratus-resume did not stop after CreateFleet"
rm -f "$SANDBOX/etc/burst-test.env"
ORPHAN=$(py 'state["fleets"][-1]["instance_ids"][0]')
assert_eq "the killed launch recorded nothing for its instance" "[]" \
    "$(py "[n for n, r in records.items() if r.get('instance_id') == '$ORPHAN']")"
assert_contains "the killed launch left a running instance no node owns" "i-" "$ORPHAN"
run scancel "$JOB_E"
run "$SANDBOX/etc/stratus-suspend" --reconcile
assert_eq "reconcile within OrphanGracePeriod (20 s): the orphan stays" running "$(py "inst('$ORPHAN')['state']")"
sleep_until=$(($(py "int(__import__('datetime').datetime.fromisoformat(inst('$ORPHAN')['launch_time'].replace('Z', '+00:00')).timestamp())") + 21))
while (($(date +%s) < sleep_until)); do sleep 1; done
run "$SANDBOX/etc/stratus-suspend" --reconcile
assert_eq "reconcile after OrphanGracePeriod: exit status" 0 "$RC"
assert_contains "reconcile after OrphanGracePeriod: says so" "1 terminated" "$OUT"
assert_eq "reconcile after OrphanGracePeriod: the orphan is terminated" terminated "$(py "inst('$ORPHAN')['state']")"
assert_contains "reconcile: logged why" "reconcile: terminating $ORPHAN: orphan: " "$(cat "$BURST_LOG")"
# burst-5 waits for a node that will never come: give it back.
run scontrol update nodename=burst-5 state=power_down_force reason="test: launch killed"

# ---- 5. no capacity at all: nodes DOWN with EC2's reason, the job requeued ----------
fake_post faults '{"operation": "CreateFleet", "kind": "capacity", "count": 1}'
submit -p burst -w burst-3 -t 5 -o /dev/null --wrap=true
JOB_C=$JOB
wait_until 30 fleets_at_least 8 || fail "no CreateFleet within 30 s of job C"
wait_until 20 node_down burst-3 || true
assert_contains "ICE everywhere: burst-3 is DOWN" DOWN "$(node_field burst-3 State)"
REASON=$(scontrol show node burst-3 | sed -n 's/^ *Reason=\(.*\) \[.*/\1/p')
assert_contains "ICE everywhere: the node reason is what EC2 said" \
    "stratus: InsufficientInstanceCapacity for c7g.xlarge in us-east-1a, c7g.xlarge in us-east-1b, c7g.large in us-east-1a" "$REASON"
wait_until 10 job_in_state "$JOB_C" PENDING || true
assert_eq "ICE everywhere: the job is requeued (PENDING), not lost" PENDING "$(job_field "$JOB_C" JobState)"
assert_eq "ICE everywhere: Slurm restarted it once" 1 "$(job_field "$JOB_C" Restarts)"
assert_contains "ICE everywhere: the job says why (AdminComment wait_reason)" \
    '"wait_reason":"stratus: InsufficientInstanceCapacity for c7g.xlarge in us-east-1a' \
    "$(scontrol show job "$JOB_C" | sed -n 's/^ *AdminComment=//p')"
assert_eq "ICE everywhere: no instance left for burst-3" "" "$(record burst-3 instance_id)"
run scancel "$JOB_C"

# ---- 6. a spot reclaim: the instance of a running job's node vanishes -------------
wait_state "$JOB_F" RUNNING 60
assert_eq "job F runs on burst-6" RUNNING "$STATE_SEEN"
IID_F=$(record burst-6 instance_id)
fake_post instances/state "{\"instance_ids\": [\"$IID_F\"], \"state\": \"terminated\"}"
run "$SANDBOX/etc/stratus-suspend" --reconcile
assert_contains "reconcile: the node of the vanished instance is powered down" "1 node(s) powered down" "$OUT"
wait_until 10 job_in_state "$JOB_F" PENDING || true
assert_eq "reclaimed: job F is requeued (PENDING)" PENDING "$(job_field "$JOB_F" JobState)"
assert_eq "reclaimed: Slurm restarted it once" 1 "$(job_field "$JOB_F" Restarts)"
assert_contains "reclaimed: logged why" "powering down node burst-6: stratus: instance $IID_F (c7g.xlarge, on-demand) of node burst-6 is terminated" \
    "$(cat "$BURST_LOG")"
node_idle_powered_down() { [[ $(node_field "$1" State) == IDLE+CLOUD+POWERED_DOWN* ]]; }
wait_until 30 node_idle_powered_down burst-6 || true
assert_eq "reclaimed: burst-6 is back in service, powered down (idle~)" IDLE+CLOUD+POWERED_DOWN "$(node_field burst-6 State)"
assert_eq "reclaimed: the record holds no instance" "" "$(record burst-6 instance_id)"
run scancel "$JOB_F"

# ---- the jobs complete; idle nodes are given back ---------------------------------------
for job in "$JOB_A" "$JOB_B" "$JOB_D"; do
    wait_state "$job" COMPLETED 90
    assert_eq "job $job completes on its burst node" COMPLETED "$STATE_SEEN"
done
assert_eq "job A ran on its node" "ran on $NODE_A" "$(cat a.out 2>/dev/null)"
assert_eq "job B ran on burst-2" "ran on burst-2" "$(cat b.out 2>/dev/null)"
assert_eq "job D ran on burst-4" "ran on burst-4" "$(cat d.out 2>/dev/null)"
all_given_back() {
    [[ $(py "sorted(set(['$IID_A', '$IID_B', '$IID_D']) & set(terminated_ids())) == sorted(set(['$IID_A', '$IID_B', '$IID_D']))") == True ]]
}
wait_until 60 all_given_back || fail "the idle nodes' instances were not all terminated within 60 s"
assert_eq "after SuspendTime: TerminateInstances for the three instances" True \
    "$(py "set(['$IID_A', '$IID_B', '$IID_D']) <= set(terminated_ids())")"
wait_until 15 node_addr_is "$NODE_A" "$NODE_A" || true
assert_eq "suspended: NodeAddr back to the node name" "$NODE_A $NODE_A" \
    "$(node_field "$NODE_A" NodeAddr) $(node_field "$NODE_A" NodeHostName)"
assert_eq "suspended: the record holds no instance" "" "$(record "$NODE_A" instance_id)"

# ---- nothing leaked ---------------------------------------------------------------------
assert_eq "no running instance without a node that owns it" "[]" \
    "$(py '[i["instance_id"] for i in live() if i["instance_id"] not in [r.get("instance_id") for r in records.values()]]')"
assert_eq "no running instance at all once every node is powered down" "[]" "$(py '[i["instance_id"] for i in live()]')"
# slurmds of burst nodes still running (each one an "instance").
burst_slurmds() {
    local f count=0
    for f in /proc/[0-9]*/cmdline; do
        tr '\0' ' ' 2>/dev/null <"$f" | grep -q '^slurmd -D -N burst-' || continue
        grep -qzxF "STRATUS_SANDBOX_DAEMON=$SANDBOX" "${f%/cmdline}/environ" 2>/dev/null && count=$((count + 1))
    done
    echo "$count"
}
no_burst_slurmds() { [[ $(burst_slurmds) == 0 ]]; }
wait_until 15 no_burst_slurmds || true
assert_eq "no slurmd left for a terminated instance" 0 "$(burst_slurmds)"
echo "  (burst scenarios took $((SECONDS - T0)) s)"
