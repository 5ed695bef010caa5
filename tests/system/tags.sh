#!/bin/bash
# shellcheck disable=SC2016
# Per-job EC2 tags: stratus-tag as slurmd's Prolog and Epilog, against the
# fake AWS (IMDSv2 identity set per job with POST /_fake/imds, CreateTags
# checked in GET /_fake/state). A job that has its node to itself (--exclusive,
# or all its CPUs) gets stratus:job-id, user, account, cost-center and
# partition on the instance while it runs, blanked by the epilog; a job that
# shares its node tags nothing; a failure to tag is logged and the job runs,
# unless TagFailure=fail (then slurmd drains the node, as for any prolog failure).
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"

TAG=$STRATUS_TOP_BUILDDIR/tools/stratus-tag
[[ -x $TAG ]] || skip "stratus-tag not built in $STRATUS_TOP_BUILDDIR"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (the fake AWS needs it)"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"

start_sandbox --spank

# ---- the fake AWS ------------------------------------------------------------------
start_fake_aws
URL=$FAKE_AWS
C=$FAKE_CONTROL

# Three instances to stand for nodes, launched in the fake like any fleet, in
# the one zone that offers hpc7g (use1-az6: us-east-1f at the fake).
run curl -sf --aws-sigv4 aws:amz:us-east-1:ec2 --user AKIDSTRATUSFAKE:stratus-fake-secret "$URL/" \
    -d 'Action=CreateFleet&Version=2016-11-15&Type=instant&LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName=sandbox&LaunchTemplateConfigs.1.Overrides.1.InstanceType=hpc7g.16xlarge&LaunchTemplateConfigs.1.Overrides.1.AvailabilityZone=us-east-1f&TargetCapacitySpecification.TotalTargetCapacity=3&TargetCapacitySpecification.DefaultTargetCapacityType=on-demand'
assert_eq "fake AWS: three instances launched" 0 "$RC"
mapfile -t INSTANCES < <(grep -o 'i-[0-9a-f]\{17\}' <<<"$OUT" | sort -u)
assert_eq "fake AWS: three instance ids" 3 "${#INSTANCES[@]}"

# identity ID: what IMDS says this machine is (every slurmd here shares it,
# so jobs run one at a time).
identity() {
    curl -sf -X POST "$C/imds" -d "{\"instance_id\": \"$1\", \"instance_type\": \"hpc7g.16xlarge\"}" >/dev/null
}
# tags ID: the instance's stratus:* tags, "key=value" sorted, one per line.
tags() {
    curl -sf "$C/state" | python3 -c '
import json, sys
for i in json.load(sys.stdin)["instances"]:
    if i["instance_id"] == sys.argv[1]:
        for k, v in sorted(i["tags"].items()):
            if k.startswith("stratus:"):
                print("%s=%s" % (k, v))' "$1"
}
# wait_tags ID EXPECTED [SECONDS]: waits until tags ID prints EXPECTED; sets TAGS.
wait_tags() {
    local i
    for ((i = 0; i < ${3:-15} * 5; i++)); do
        TAGS=$(tags "$1")
        [[ $TAGS == "$2" ]] && return 0
        sleep 0.2
    done
    return 1
}
job_tags() {
    printf 'stratus:account=%s\nstratus:cost-center=%s\nstratus:job-id=%s\nstratus:partition=%s\nstratus:user=%s' "$@"
}
BLANK=$(job_tags '' '' '' '' '')

# ---- slurmd runs stratus-tag as Prolog and Epilog ----------------------------------
# slurmd gives its prolog a fixed environment: a wrapper points the AWS
# client at the fake (IMDS credentials come from the fake's instance role).
TAGLOG=$SANDBOX/log/stratus-tag.log
cat >"$SANDBOX/etc/stratus-tag.sh" <<EOF
#!/bin/sh
export AWS_EC2_METADATA_SERVICE_ENDPOINT=$URL/ AWS_ENDPOINT_URL=$URL
exec $TAG "\$@" 2>>$TAGLOG
EOF
chmod 755 "$SANDBOX/etc/stratus-tag.sh"
printf 'Prolog=%s\nEpilog=%s\n' "$SANDBOX/etc/stratus-tag.sh" "$SANDBOX/etc/stratus-tag.sh" >>"$SLURM_CONF"
run scontrol reconfigure
assert_eq "scontrol reconfigure with Prolog/Epilog=stratus-tag" 0 "$RC"
sleep 1

# 1. --exclusive: tagged while it runs, blanked after.
identity "${INSTANCES[0]}"
submit -A chem --cost-center=proj-x --exclusive -p graviton -w graviton-hpc7g-1 -t 5 --wrap='sleep 5'
J1=$JOB
if wait_tags "${INSTANCES[0]}" "$(job_tags chem proj-x "$J1" graviton root)"; then
    pass "--exclusive job $J1: its instance carries the five job tags"
else
    fail "--exclusive job $J1: tags are"$'\n'"$TAGS"
fi
CHECKS=$((CHECKS + 1))
assert_contains "--exclusive: the prolog says why" \
    "stratus-tag: job $J1 has 64 of the 64 CPUs of node graviton-hpc7g-1: tagged ${INSTANCES[0]} with stratus:job-id=$J1" "$(<"$TAGLOG")"
assert_completes "--exclusive job" "$J1"
if wait_tags "${INSTANCES[0]}" "$BLANK"; then pass "--exclusive job $J1 ended: the epilog blanked the tags"; else
    fail "after job $J1: tags are"$'\n'"$TAGS"; fi
CHECKS=$((CHECKS + 1))
assert_contains "the epilog says so" "stratus-tag: job $J1 ended: blanked the job tags of ${INSTANCES[0]}" "$(<"$TAGLOG")"

# 2. A job that shares its node: nothing tagged.
identity "${INSTANCES[1]}"
submit -A chem -p graviton -w graviton-hpc7g-2 -n 2 -t 5 --wrap='sleep 1'
J2=$JOB
assert_completes "shared job" "$J2"
sleep 1
assert_eq "shared job $J2: no stratus tags on its instance" "" "$(tags "${INSTANCES[1]}")"
assert_contains "shared job: the prolog says why" \
    "stratus-tag: job $J2 has 2 of the 64 CPUs of node graviton-hpc7g-2: it shares the node: instance not tagged" "$(<"$TAGLOG")"

# 3. The whole node without --exclusive (all 64 CPUs); cost center from the
# environment, no account: the tag is there, empty.
STRATUS_COST_CENTER=proj-y submit -p graviton -w graviton-hpc7g-2 -n 64 -t 5 --wrap='sleep 5'
J3=$JOB
if wait_tags "${INSTANCES[1]}" "$(job_tags '' proj-y "$J3" graviton root)"; then
    pass "whole-node job $J3: tagged, no account, cost center from STRATUS_COST_CENTER"
else
    fail "whole-node job $J3: tags are"$'\n'"$TAGS"
fi
CHECKS=$((CHECKS + 1))
assert_completes "whole-node job" "$J3"
wait_tags "${INSTANCES[1]}" "$BLANK"
assert_eq "whole-node job ended: blanked" "$BLANK" "$TAGS"

# 4. CreateTags fails (TagFailure=ignore, the default): logged, the job runs.
run curl -sf -X POST "$C/faults" -d '{"operation": "CreateTags", "kind": "error", "error_code": "UnauthorizedOperation",
  "status": 403, "message": "You are not authorized to perform this operation.", "count": -1}'
identity "${INSTANCES[2]}"
submit -A phys --exclusive -p graviton -w graviton-c7gn-1 -t 5 --wrap='sleep 1'
J4=$JOB
assert_completes "job whose tagging fails (TagFailure=ignore)" "$J4"
assert_contains "the failure is logged, and the prolog goes on" \
    "stratus-tag: cannot tag ${INSTANCES[2]} for job $J4: ec2 CreateTags: UnauthorizedOperation: You are not authorized to perform this operation." \
    "$(<"$TAGLOG")"
assert_contains "... (TagFailure=ignore)" "(TagFailure=ignore: the prolog goes on)" "$(grep "for job $J4" "$TAGLOG")"
assert_eq "no tags on it" "" "$(tags "${INSTANCES[2]}")"

# stratus-tag by hand, as slurmd runs it: --on-failure=fail makes it exit 1.
prolog_env=(SLURM_SCRIPT_CONTEXT=prolog_slurmd SLURM_JOB_ID=999 SLURM_JOB_USER=root SLURM_JOB_PARTITION=graviton
    SLURMD_NODENAME=graviton-c7gn-1 SLURM_NODELIST=graviton-c7gn-1 SLURM_JOB_NUM_NODES=1 SLURM_JOB_CPUS_PER_NODE=64
    SLURM_CONF="$SLURM_CONF" AWS_EC2_METADATA_SERVICE_ENDPOINT="$URL/" AWS_ENDPOINT_URL="$URL")
run env -i "${prolog_env[@]}" "$TAG" --on-failure=fail
assert_eq "stratus-tag --on-failure=fail: exit status 1" 1 "$RC"
assert_contains "stratus-tag --on-failure=fail: says so" "(TagFailure=fail: failing the prolog)" "$ERR"
run env -i "${prolog_env[@]}" "$TAG"
assert_eq "stratus-tag (TagFailure=ignore): exit status 0" 0 "$RC"

# 5. TagFailure=fail in stratus.conf: the prolog fails, slurmd drains the node.
echo "TagFailure=fail" >>"$SANDBOX/etc/stratus.conf"
submit -A phys --exclusive -p graviton -w graviton-c7gn-1 -t 5 --wrap='sleep 1'
J5=$JOB
for ((i = 0; i < 75; i++)); do
    reason=$(sinfo -h -n graviton-c7gn-1 -o '%t %E' 2>/dev/null)
    [[ $reason == drain* ]] && break
    sleep 0.2
done
assert_contains "TagFailure=fail: slurmd drains the node after the failed prolog" "Prolog error" "$reason"
assert_contains "TagFailure=fail: logged" "(TagFailure=fail: failing the prolog)" "$(grep "for job $J5" "$TAGLOG")"
for ((i = 0; i < 50; i++)); do
    state=$(job_field "$J5" JobState) reason=$(job_field "$J5" Reason)
    [[ $state == PENDING ]] && break
    sleep 0.2
done
echo "  (job $J5 after the failed prolog: JobState=$state Reason=$reason)"
assert_eq "TagFailure=fail: the job is requeued" PENDING "$state"
scancel "$J5" 2>/dev/null
run curl -sf -X DELETE "$C/faults"

# Every call the fake saw was signed with the instance role's credentials from IMDS.
assert_eq "every CreateTags was signed correctly" "" \
    "$(curl -sf "$C/calls?operation=CreateTags" | python3 -c 'import json,sys; print(" ".join(str(c["seq"]) for c in json.load(sys.stdin)["calls"] if not c["signature_ok"]))')"
