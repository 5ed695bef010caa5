#!/bin/bash
# shellcheck disable=SC2016 # messages with literal dollar signs
# Actual cost per job with Slurm accounting: the sandbox with slurmdbd and
# MariaDB (stratus-sandbox --accounting) runs stratus-jobcost as
# EpilogSlurmctld; finished jobs carry actual_usd in their AdminComment in
# sacct, each equal to the documented computation; stratus-cost report
# totals are the sums of the jobs to the cent; stratus-cost job breaks a job
# down per node; Slurm's billing TRES follows the TRESBillingWeights of
# stratus-cost slurm-conf.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
for prog in mariadbd mariadb-install-db slurmdbd sacctmgr sacct python3; do
    command -v "$prog" >/dev/null 2>&1 || [[ -x /usr/sbin/$prog ]] || skip "$prog is not installed (apt-get install mariadb-server slurmdbd)"
done
[[ -x $STRATUS_TOP_BUILDDIR/tools/stratus-jobcost && -x $STRATUS_TOP_BUILDDIR/tools/stratus-cost ]] ||
    skip "stratus-jobcost or stratus-cost not built"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
COST=$STRATUS_TOP_BUILDDIR/tools/stratus-cost
JOBCOST=$STRATUS_TOP_BUILDDIR/tools/stratus-jobcost
start_sandbox --accounting --spank

# ---- the sandbox's accounting ------------------------------------------------------
run sacctmgr -n -P show assoc format=account,user
assert_contains "sacctmgr: root in account chem" "chem|root" "$OUT"
assert_contains "sacctmgr: root in account phys" "phys|root" "$OUT"
assert_eq "slurmdbd.conf is mode 600" 600 "$(stat -c %a "$SANDBOX/etc/slurmdbd.conf")"
assert_contains "slurm.conf: stratus-jobcost is EpilogSlurmctld" "EpilogSlurmctld=$JOBCOST" "$(cat "$SLURM_CONF")"
run "$COST" slurm-conf
assert_contains "stratus-cost slurm-conf: graviton weights" 'PartitionName=graviton TRESBillingWeights="CPU=6.24"' "$OUT"
assert_contains "slurm.conf carries them" 'State=UP TRESBillingWeights="CPU=6.24"' "$(grep '^PartitionName=graviton ' "$SLURM_CONF")"

# Prices that make seconds cost dollars, with odd digits so that rounding
# matters: a site catalog (stratus.conf InstanceCatalog=), read afresh by
# every stratus-jobcost run.
cat >"$SANDBOX/etc/test-prices.csv" <<'EOF'
instance_type,region,ondemand_usd_per_hour,spot_usd_per_hour
hpc7g.16xlarge,us-east-1,1234.5678,456.7891
c7gn.16xlarge,us-east-1,2345.6789,
g6e.12xlarge,us-east-1,987.6543,
EOF
echo "InstanceCatalog=test-prices.csv" >>"$SANDBOX/etc/stratus.conf"
declare -A PRICE=([hpc7g.16xlarge/on-demand]=1234.5678 [hpc7g.16xlarge/spot]=456.7891
    [c7gn.16xlarge/on-demand]=2345.6789 [c7gn.16xlarge/spot]=2345.6789 [g6e.12xlarge/on-demand]=987.6543)
# Let job_submit/stratus reload too (ReloadInterval=1), so estimates agree.
sleep 2

# ---- jobs ---------------------------------------------------------------------------
# A: one hpc7g node on-demand, account chem (root's default), whole node.
submit -p graviton -w graviton-hpc7g-1 --exclusive -t 5 --wrap='sleep 2'
JOB_A=$JOB
# B: two nodes of different types, account phys, cost center proj-x.
submit -p graviton -N 2 -w graviton-hpc7g-2,graviton-c7gn-1 -A phys --cost-center=proj-x -t 5 --wrap='sleep 3'
JOB_B=$JOB
# C: spot on hpc7g (priced at its spot price), account phys.
submit -p graviton -w graviton-hpc7g-1 --capacity=spot -A phys -t 5 --wrap='sleep 1'
JOB_C=$JOB
# D: a GPU node, account chem, cost center proj-y.
submit -p gpu --gpus-per-node=4 -A chem --cost-center=proj-y -t 5 --wrap='sleep 2'
JOB_D=$JOB
JOBS=("$JOB_A" "$JOB_B" "$JOB_C" "$JOB_D")
for j in "${JOBS[@]}"; do
    CHECKS=$((CHECKS + 1))
    if [[ -n $j ]]; then pass "job $j submitted"; else fail "a job was not submitted: $ERR"; fi
done

# show TEXT: TEXT in the test's log, indented.
show() {
    local line
    while IFS= read -r line; do echo "  | $line"; done <<<"$1"
}
# admin_comment JOB: the job's AdminComment in sacct.
admin_comment() { sacct -n -X -P -j "$1" -o AdminComment 2>/dev/null | head -n 1; }
# json KEY JSON: a value (compact JSON text for objects, raw text for strings).
json() {
    python3 -c 'import json,sys; v=json.loads(sys.argv[2]).get(sys.argv[1]); print(v if isinstance(v,str) else json.dumps(v,separators=(",",":")))' "$1" "$2"
}
# number KEY JSON: a number exactly as written ("12.30" stays "12.30").
number() {
    python3 -c 'import json,sys; print(json.loads(sys.argv[2], parse_float=str).get(sys.argv[1]))' "$1" "$2"
}

for j in "${JOBS[@]}"; do
    for ((i = 0; i < 150; i++)); do
        [[ $(admin_comment "$j") == *'"actual_usd":'* ]] && break
        sleep 0.2
    done
done

# ---- each job's recorded cost ---------------------------------------------------------
# expected_cents ELAPSED TYPE/CAPACITY...: the documented computation, in
# integers: per node round(price_micros x elapsed / 3600), summed, then half
# up to the cent.
expected_cents() {
    local elapsed=$1 node total=0 micros price
    shift
    for node in "$@"; do
        price=${PRICE[$node]}
        micros=$(awk -v p="$price" 'BEGIN { printf "%.0f", p * 1000000 }')
        total=$(awk -v m="$micros" -v e="$elapsed" -v t="$total" 'BEGIN { printf "%.0f", t + int((m * e + 1800) / 3600) }')
    done
    awk -v t="$total" 'BEGIN { printf "%d.%02d", int((t + 5000) / 1000000), int((t + 5000) / 10000) % 100 }'
}

declare -A ACTUAL
check_job() {
    local what=$1 job=$2 capacity=$3
    shift 3
    local ac elapsed raw
    ac=$(admin_comment "$job")
    assert_contains "$what: sacct AdminComment has actual_usd" '"actual_usd":' "$ac"
    assert_contains "$what: the estimate keys are kept" '"est_usd":' "$ac"
    ACTUAL[$job]=$(number actual_usd "$ac")
    elapsed=$(json elapsed_s "$ac")
    raw=$(sacct -n -X -P -j "$job" -o ElapsedRaw | head -n 1)
    assert_eq "$what: elapsed_s is sacct's ElapsedRaw" "$raw" "$elapsed"
    assert_eq "$what: capacity" "$capacity" "$(json capacity "$ac")"
    assert_eq "$what: actual_usd = sum over nodes of price x elapsed, to the cent" \
        "$(expected_cents "$elapsed" "$@")" "${ACTUAL[$job]}"
}
check_job "A (1 x hpc7g on-demand)" "$JOB_A" on-demand hpc7g.16xlarge/on-demand
assert_eq "A: instance" hpc7g.16xlarge "$(json instance "$(admin_comment "$JOB_A")")"
check_job "B (hpc7g + c7gn)" "$JOB_B" on-demand hpc7g.16xlarge/on-demand c7gn.16xlarge/on-demand
# In the order of the job's node list (a Slurm hostlist: sorted by name).
assert_eq "B: instance map" '{"c7gn.16xlarge":"graviton-c7gn-1","hpc7g.16xlarge":"graviton-hpc7g-2"}' \
    "$(json instance "$(admin_comment "$JOB_B")")"
assert_eq "B: prices map" '{"c7gn.16xlarge":2345.6789,"hpc7g.16xlarge":1234.5678}' \
    "$(json actual_usd_per_node_hour "$(admin_comment "$JOB_B")")"
check_job "C (spot hpc7g)" "$JOB_C" spot hpc7g.16xlarge/spot
assert_eq "C: spot price" 456.7891 "$(json actual_usd_per_node_hour "$(admin_comment "$JOB_C")")"
check_job "D (g6e)" "$JOB_D" on-demand g6e.12xlarge/on-demand

run sacct -X -j "$JOB_A" -o JobID,AdminComment%600
assert_contains "sacct -o JobID,AdminComment shows actual_usd" "\"actual_usd\":${ACTUAL[$JOB_A]}," "$OUT"

# Whole-node billing in cents per hour: 64 CPUs x 6.24 = 399 (hpc7g's
# weights are graviton's, set at 'up' from the built-in prices).
assert_contains "A: sacct billing TRES = 64 CPUs x TRESBillingWeights" "billing=399," \
    "$(sacct -n -X -P -j "$JOB_A" -o AllocTRES)"

# ---- reports ---------------------------------------------------------------------------
cents() { awk -v u="$1" 'BEGIN { printf "%d", (u < 0 ? u * 100 - 0.5 : u * 100 + 0.5) }'; }
sum_cents() {
    local j s=0
    for j in "$@"; do s=$((s + $(cents "${ACTUAL[$j]}"))); done
    echo "$s"
}
usd_of() { awk -v c="$1" 'BEGIN { printf "%d.%02d", int(c / 100), c % 100 }'; }

# slurmdbd's time-window queries see a job only once slurmctld has sent its
# times: a second or two after it ends, longer on a loaded machine.
report_has_all_jobs() {
    run "$COST" report --by account --format csv
    [[ $RC != 0 || $(tail -n 1 <<<"$OUT") == total,,4,* ]]
}
wait_until 30 report_has_all_jobs || :
assert_eq "report --by account --format csv: exit status" 0 "$RC"
show "$OUT"
csv_field() { awk -F, -v row="$1" -v key="$2" -v col="$3" '$1 == row && $2 == key { print $col }' <<<"$OUT"; }
assert_eq "report: header" "row,account,jobs,unpriced_jobs,node_hours,usd,on_demand_usd,spot_usd,spot_percent" \
    "$(head -n 1 <<<"$OUT")"
assert_eq "report: total = sum of the jobs' actual_usd, to the cent" \
    "$(usd_of "$(sum_cents "${JOBS[@]}")")" "$(csv_field total "" 6)"
assert_eq "report: chem = A + D" "$(usd_of "$(sum_cents "$JOB_A" "$JOB_D")")" "$(csv_field group chem 6)"
assert_eq "report: phys = B + C" "$(usd_of "$(sum_cents "$JOB_B" "$JOB_C")")" "$(csv_field group phys 6)"
assert_eq "report: spot = C" "$(usd_of "$(sum_cents "$JOB_C")")" "$(csv_field total "" 8)"
assert_eq "report: on-demand = A + B + D" "$(usd_of "$(sum_cents "$JOB_A" "$JOB_B" "$JOB_D")")" "$(csv_field total "" 7)"
assert_eq "report: 4 jobs" 4 "$(csv_field total "" 3)"

run "$COST" report --by cost-center --format csv
assert_eq "report --by cost-center: proj-x = B" "$(usd_of "$(sum_cents "$JOB_B")")" "$(csv_field group proj-x 6)"
assert_eq "report --by cost-center: proj-y = D" "$(usd_of "$(sum_cents "$JOB_D")")" "$(csv_field group proj-y 6)"

run "$COST" report --by instance-type --format csv
groups=$(awk -F, '$1 == "group" { split($6, p, "."); s += p[1] * 100 + p[2] } END { printf "%d", s }' <<<"$OUT")
assert_eq "report --by instance-type: the types add up to the total" "$(sum_cents "${JOBS[@]}")" "$groups"
assert_eq "report --by instance-type: c7gn appears (job B's share)" 1 "$(csv_field group c7gn.16xlarge 3)"

run "$COST" report --by user --format json
assert_eq "report --format json parses" ok "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("ok" if d["groups"][0]["key"]=="root" else d)' "$OUT")"
run "$COST" report --by partition
assert_contains "report (table): TOTAL line" "TOTAL" "$OUT"
assert_contains "report (table): partition gpu" "gpu" "$OUT"
run "$COST" report --since 2000-01-01 --until 2000-02-01 --format csv
assert_eq "report of an empty window" "total,,0,0,0.00,0.00,0.00,0.00," "$(tail -n 1 <<<"$OUT")"

# ---- one job ------------------------------------------------------------------------------
run "$COST" job "$JOB_B"
show "$OUT"
assert_contains "job B: node graviton-hpc7g-2 on hpc7g" "graviton-hpc7g-2  hpc7g.16xlarge" "$OUT"
assert_contains "job B: node graviton-c7gn-1 on c7gn" "graviton-c7gn-1   c7gn.16xlarge" "$OUT"
assert_contains "job B: the price per hour" "2345.6789" "$OUT"
assert_contains "job B: TOTAL is the recorded cost" "\$${ACTUAL[$JOB_B]}" "$(grep '^TOTAL' <<<"$OUT")"
run "$COST" job "$JOB_B" --format csv
assert_eq "job B csv: two node rows" 2 "$(grep -c '^node,' <<<"$OUT")"
assert_eq "job B csv: total" "${ACTUAL[$JOB_B]}" "$(awk -F, '$1 == "total" { print $9 }' <<<"$OUT")"
run "$COST" job "$JOB_C" --format json
assert_eq "job C json: spot" "spot spot 456.789100" \
    "$(python3 -c 'import json,sys; n=json.loads(sys.argv[1])["nodes"][0]; print(n["capacity"], n["priced_as"], "%.6f" % n["usd_per_hour"])' "$OUT")"

# A running job: its cost so far, from the catalog.
submit -p graviton -w graviton-hpc7g-2 -t 5 --wrap='sleep 30'
JOB_R=$JOB
wait_state "$JOB_R" RUNNING 20
sleep 1
run "$COST" job "$JOB_R"
assert_contains "running job: cost so far" "still running" "$OUT"
assert_contains "running job: not recorded" "not recorded yet" "$OUT"
scancel "$JOB_R"

# ---- recording by hand ----------------------------------------------------------------------
before=$(admin_comment "$JOB_A")
run "$JOBCOST" --dry-run "$JOB_A"
assert_eq "stratus-jobcost --dry-run prints what is recorded" "$before" "$OUT"
run "$JOBCOST" "$JOB_A"
assert_eq "stratus-jobcost JOBID: exit status" 0 "$RC"
assert_contains "stratus-jobcost JOBID: says what it recorded" "job $JOB_A: \$${ACTUAL[$JOB_A]} (1 x hpc7g.16xlarge on-demand" "$OUT"
assert_eq "recording again changes nothing" "$before" "$(admin_comment "$JOB_A")"
run "$JOBCOST" --timeout 1 999999
assert_fails "stratus-jobcost of an unknown job fails"

# ---- cloud nodes: the burst tools' record of the instance launched --------------------------
# A record says graviton-hpc7g-2 ran on a c7gn.16xlarge launched before job B
# started: it wins over the node's features. A record of an instance launched
# after the job started is another instance and is ignored.
mkdir -p "$SANDBOX/burst-state"
b_start=$(sacct -n -X -P -j "$JOB_B" -o Start | head -n 1)
b_start=$(date -d "$b_start" +%s)
cat >"$SANDBOX/burst-state/state.json" <<EOF2
{"version":1,"nodes":{
 "graviton-hpc7g-2":{"partition":"graviton","status":"running","instance_id":"i-0123456789abcdef0",
   "instance_type":"c7gn.16xlarge","launch_time":$((b_start - 300))},
 "graviton-c7gn-1":{"partition":"graviton","status":"running","instance_id":"i-0fedcba9876543210",
   "instance_type":"hpc7g.16xlarge","launch_time":$((b_start + 60))}}}
EOF2
{ grep -v '^StateDir=' "$SANDBOX/etc/stratus.conf"; echo "StateDir=$SANDBOX/burst-state"; } >"$SANDBOX/etc/stratus-burst.conf"
run "$JOBCOST" --conf "$SANDBOX/etc/stratus-burst.conf" --dry-run "$JOB_B"
assert_eq "burst record: the launched type wins, a later instance is ignored" '"c7gn.16xlarge"' \
    "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["instance"]))' "$OUT")"

# ---- a job whose EpilogSlurmctld failed: recorded later with --missing -----------------------
cp "$SANDBOX/etc/stratus.conf" "$SANDBOX/etc/stratus.conf.good"
echo "NoSuchKey=1" >>"$SANDBOX/etc/stratus.conf"
submit -p graviton -w graviton-hpc7g-2 -t 5 --wrap='sleep 1'
JOB_M=$JOB
assert_completes "job with a broken stratus.conf" "$JOB_M"
wait_log "JobId=$JOB_M EpilogSlurmctld exit status 1:0" 20
assert_contains "slurmctld logs the failed EpilogSlurmctld" "JobId=$JOB_M EpilogSlurmctld exit status 1:0" "$(ctld_log)"
assert_not_contains "nothing recorded for it" '"actual_usd"' "$(admin_comment "$JOB_M")"
cp "$SANDBOX/etc/stratus.conf.good" "$SANDBOX/etc/stratus.conf"
# slurmdbd's time windows (sacct -S as well as ours) see a job once
# slurmctld has sent its eligible and end times, at times a second or two
# after its end: wait until sacct's own window query of ended jobs lists it.
window_start=$(date -d "@$(($(date +%s) - 3600))" +%FT%T)
for ((i = 0; i < 50; i++)); do
    sacct -n -X -P -S "$window_start" -E now -s CD,CA,F,TO,NF,PR,BF,DL,OOM,RQ -o JobID 2>/dev/null |
        grep -qx "$JOB_M" && break
    sleep 0.2
done
sleep 1  # windows are half-open, [since, until): "now" must be past the second the job ended in
run "$JOBCOST" --missing --since "@$(($(date +%s) - 3600))" --until now
assert_eq "stratus-jobcost --missing: exit status" 0 "$RC"
assert_contains "stratus-jobcost --missing records it" "job $JOB_M: \$" "$OUT"
assert_contains "its AdminComment now has actual_usd" '"actual_usd":' "$(admin_comment "$JOB_M")"
