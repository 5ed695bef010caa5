#!/bin/bash
# shellcheck disable=SC2016
# moto (python3-moto, an independent AWS implementation) as the AWS peer of
# the burst tools, next to the project's own fake: stratus-resume,
# stratus-suspend, the reconcile pass (stratus-suspend --reconcile),
# stratus-catalog refresh and stratus-tag run against moto's EC2 with
# moto's signature checking on. What the fake cannot show, moto does: that
# the requests are signed, encoded and parsed as another implementation of
# AWS expects.
#
# Signature checking: moto lets INITIAL_NO_AUTH_ACTION_COUNT=3 requests
# through unauthenticated (the IAM user, its policy and its access key);
# every later request must be SigV4-signed with that key, and the test
# shows a wrong secret refused, by moto and as a Stratus tool reports it.
#
# The sandbox is stratus-sandbox --burst (its CLOUD partition burst), with
# stratus.conf pointed at moto (Ec2Endpoint, the launch template and subnets
# made at moto); the tools are run by hand as slurmctld would run them, so
# no slurmd registers for moto's instances and Slurm keeps the nodes powered
# down. The project's fake stays for what moto does not serve: the Price
# List (PricingEndpoint; moto has no pricing service) and IMDS (stratus-tag
# asks it which instance it runs on).
#
# moto's own bugs, worked around, never asserted (so a moto that fixes them
# passes too). Written against moto 5.1.1 (Debian trixie, Slurm 24.11),
# which has them all; moto 5.2.4 (Debian sid, Slurm 26.05; and 5.2.1,
# pip-installed) fixes the first three (every instance reported,
# TagSpecifications kept, one launch spec per override) and keeps the last
# two:
#  - CreateFleet launches TotalTargetCapacity instances but reports only the
#    first: ResumeBatchSize=1, one node per CreateFleet call.
#  - CreateFleet applies the overrides one over the other, so the last one
#    (not the cheapest: Priority is ignored) picks the type and subnet: the
#    test asserts only that the type and subnet are among the partition's,
#    and that the node record says what moto launched.
#  - CreateFleet ignores TagSpecifications: the instances lack
#    stratus:cluster, so reconcile finds the recorded ones by id; the
#    stratus:node and Name tags stratus-resume adds with CreateTags do land.
#  - CreateFleet ignores ClientToken: no retry of a launch is tested here
#    (tests/system/burst.sh does that against the fake).
#  - DescribeSpotPriceHistory ignores ProductDescription and answers
#    "Linux/UNIX (Amazon VPC)" at 0.00001 for every offering, which is not
#    the Linux/UNIX price stratus-catalog refresh asks for: the spot prices
#    from moto are not checked (tests/system/refresh.sh does, at the fake).
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"

python3 -c 'import moto.server' 2>/dev/null ||
    skip "no moto server (python3 -c 'import moto.server' fails; Debian packages python3-moto and python3-flask-cors from trixie on)"
python3 -c 'import boto3' 2>/dev/null || skip "python3-boto3 is not installed (the test's own calls at moto)"
[[ -f $STRATUS_TOP_SRCDIR/tests/fake_aws/fake_aws.py ]] || skip "no fake AWS in the source tree"
for tool in stratus-resume stratus-suspend stratus-catalog stratus-tag; do
    [[ -x $STRATUS_TOP_BUILDDIR/tools/$tool ]] || skip "$tool not built"
done
unshare --fork --time --boottime 0 true 2>/dev/null || skip "no time namespaces (unshare --time; stratus-sandbox --burst)"

RESUME=$STRATUS_TOP_BUILDDIR/tools/stratus-resume
SUSPEND=$STRATUS_TOP_BUILDDIR/tools/stratus-suspend
CATALOG=$STRATUS_TOP_BUILDDIR/tools/stratus-catalog
TAG=$STRATUS_TOP_BUILDDIR/tools/stratus-tag

start_sandbox --burst
T0=$SECONDS
C=$(sed -n 's/^STRATUS_FAKE_AWS=//p' "$SANDBOX/etc/burst.env")
FAKE=${C%/_fake}
CONF=$SANDBOX/etc/stratus.conf
STATE=$SANDBOX/burst/state.json
BURST_LOG=$SANDBOX/log/burst.log
# OrphanGracePeriod: the first reconcile comes well within it, the second after.
GRACE=30

# ---- moto on a free loopback port ----------------------------------------------------
# ThreadedMotoServer rather than `python3 -m moto.server`: it binds port 0,
# and the port the kernel picked goes to the port file once it listens.
MOTO_DIR=$SANDBOX/moto
mkdir -p "$MOTO_DIR"
start_server moto "$MOTO_DIR/port" 60 env INITIAL_NO_AUTH_ACTION_COUNT=3 HOME="$MOTO_DIR" TMPDIR="$MOTO_DIR" \
    python3 -c '
import os, sys, threading
log = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.dup2(log, 1)
os.dup2(log, 2)
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
with open(sys.argv[1] + ".new", "w") as f:
    f.write(str(server.get_host_and_port()[1]))
os.rename(sys.argv[1] + ".new", sys.argv[1])
threading.Event().wait()' "$MOTO_DIR/port" "$SANDBOX/log/moto.log"
MOTO=http://127.0.0.1:$SERVER_PORT
MOTO_VERSION=$(python3 -c 'import moto; print(moto.__version__)')
echo "  (moto $MOTO_VERSION at $MOTO)"

# The three unauthenticated requests: an IAM user allowed everything, and
# its access key. Then, signed with it: a VPC with a subnet in each of two
# zones, and a launch template.
python3 - "$MOTO" "$MOTO_DIR/setup.env" <<'PY' || { echo "ERROR: cannot set moto up"; exit 99; }
import sys, boto3
url, out = sys.argv[1], sys.argv[2]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="AKIDANONYMOUS", aws_secret_access_key="unchecked")
iam.create_user(UserName="stratus-test")
iam.put_user_policy(UserName="stratus-test", PolicyName="everything",
                    PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}')
key = iam.create_access_key(UserName="stratus-test")["AccessKey"]
ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.%d.0/24" % n, AvailabilityZone="us-east-1" + z)["Subnet"]["SubnetId"]
           for n, z in ((1, "a"), (2, "b"))]
image = sorted(i["ImageId"] for i in ec2.describe_images(Owners=["amazon"])["Images"])[0]
lt = ec2.create_launch_template(LaunchTemplateName="stratus-burst",
                                LaunchTemplateData={"ImageId": image})["LaunchTemplate"]["LaunchTemplateId"]
with open(out, "w") as f:
    f.write("MOTO_KEY=%s\nMOTO_SECRET=%s\nSUBNET_A=%s\nSUBNET_B=%s\nLAUNCH_TEMPLATE=%s\nIMAGE=%s\n" % (
        key["AccessKeyId"], key["SecretAccessKey"], subnets[0], subnets[1], lt, image))
PY
# shellcheck disable=SC1091
. "$MOTO_DIR/setup.env"

# Everything the tools do goes to moto with that key: the environment here
# and the sandbox's ResumeProgram/SuspendProgram wrappers (burst.env), and
# stratus.conf's Ec2Endpoint, launch template and subnets. PricingEndpoint:
# the fake, which accepts moto's key too.
export MOTO AWS_ENDPOINT_URL=$MOTO AWS_ACCESS_KEY_ID=$MOTO_KEY AWS_SECRET_ACCESS_KEY=$MOTO_SECRET AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true STATE
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_PCS AWS_ENDPOINT_URL_PRICING
sed -i -e "s|^AWS_ENDPOINT_URL=.*|AWS_ENDPOINT_URL=$MOTO|" -e "s|^AWS_ACCESS_KEY_ID=.*|AWS_ACCESS_KEY_ID=$MOTO_KEY|" \
    -e "s|^AWS_SECRET_ACCESS_KEY=.*|AWS_SECRET_ACCESS_KEY=$MOTO_SECRET|" "$SANDBOX/etc/burst.env"
sed -i -e "s|^Ec2Endpoint=.*|Ec2Endpoint=$MOTO|" -e "s|^OrphanGracePeriod=.*|OrphanGracePeriod=$GRACE|" \
    -e "s|^\(PartitionName=burst .*\) LaunchTemplate=[^ ]* Subnets=[^ ]*|\1 LaunchTemplate=$LAUNCH_TEMPLATE Subnets=$SUBNET_A,$SUBNET_B|" \
    "$CONF"
printf '# moto.sh: one node per CreateFleet call (moto reports one instance per call).\nResumeBatchSize=1\nPricingEndpoint=%s\n' \
    "$FAKE" >>"$CONF"
if ! grep -q "^PartitionName=burst .* LaunchTemplate=$LAUNCH_TEMPLATE Subnets=$SUBNET_A,$SUBNET_B" "$CONF" ||
    ! grep -qx "Ec2Endpoint=$MOTO" "$CONF"; then
    echo "ERROR: cannot point stratus.conf at moto"
    exit 99
fi
curl -sf -X POST -d "{\"credentials\": {\"AKIDSTRATUSFAKE\": \"stratus-fake-secret\", \"$MOTO_KEY\": \"$MOTO_SECRET\"}}" \
    "$C/config" >/dev/null || { echo "ERROR: cannot give the fake moto's key"; exit 99; }

# look: EC2 at moto, through boto3 (signed with the test's key): writes every
# instance to $MOTO_DIR/instances.json for py.
look() {
    python3 - "$MOTO_DIR/instances.json" <<'PY'
import json, os, sys, boto3
ec2 = boto3.client("ec2", endpoint_url=os.environ["MOTO"], region_name="us-east-1")
out = {}
for r in ec2.describe_instances()["Reservations"]:
    for i in r["Instances"]:
        out[i["InstanceId"]] = {"state": i["State"]["Name"], "type": i["InstanceType"], "subnet": i.get("SubnetId", ""),
                                "zone": i["Placement"]["AvailabilityZone"], "ip": i.get("PrivateIpAddress", ""),
                                "dns": i.get("PrivateDnsName", ""), "tags": {t["Key"]: t["Value"] for t in i.get("Tags", [])}}
json.dump(out, open(sys.argv[1], "w"))
PY
}
# py EXPR: EXPR over the last look (`moto`: instance id -> state, type,
# subnet, zone, ip, dns, tags) and the node records (`records`).
py() {
    python3 - "$1" "$MOTO_DIR/instances.json" <<'PY'
import json, os, sys
moto = json.load(open(sys.argv[2]))
records = json.load(open(os.environ["STATE"]))["nodes"] if os.path.exists(os.environ["STATE"]) else {}
def rec(node, key):
    return records.get(node, {}).get(key, "")
def inst(node):
    return moto.get(rec(node, "instance_id"), {})
print(eval(sys.argv[1]))
PY
}

# ---- signature checking is on ----------------------------------------------------------
run python3 -c 'import os, boto3
boto3.client("ec2", endpoint_url=os.environ["MOTO"], region_name="us-east-1",
             aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong").describe_instances()'
assert_fails "moto: a request signed with a wrong secret is refused"
assert_contains "moto: ... as AWS refuses it" "AuthFailure" "$ERR"
AWS_SECRET_ACCESS_KEY=wrong run "$SUSPEND" --reconcile
assert_fails "stratus-suspend --reconcile with a wrong secret fails"
assert_contains "... and says what moto said" \
    "DescribeInstances: ec2 DescribeInstances: AuthFailure: AWS was not able to validate the provided access credentials" "$ERR"
look
assert_eq "moto: no instance yet" "{}" "$(py 'moto')"

# ---- stratus-resume: three nodes, three CreateFleet calls ----------------------------
RESUMED=$(date +%s)
run "$RESUME" burst-[1-3]
assert_eq "stratus-resume burst-[1-3]: exit status" 0 "$RC"
assert_contains "stratus-resume: all started, one CreateFleet call per node (ResumeBatchSize=1)" \
    "resume done: 3 started, 0 failed, 3 CreateFleet call(s)" "$(cat "$BURST_LOG")"

# ---- reconcile within OrphanGracePeriod: every instance kept ----------------------------
# (Right after the launches, so that it comes within the grace period even on
# a loaded machine; what moto and the records hold is checked after it.)
# And an instance tagged for this cluster that no node owns (launched
# outside Stratus): an orphan, young for now.
ORPHAN=$(python3 -c 'import os, sys, boto3
print(boto3.client("ec2", endpoint_url=os.environ["MOTO"], region_name="us-east-1").run_instances(
    ImageId=sys.argv[1], InstanceType="c7g.large", SubnetId=sys.argv[2], MinCount=1, MaxCount=1,
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "stratus:cluster", "Value": "stratus-sandbox"}]}]
    )["Instances"][0]["InstanceId"])' "$IMAGE" "$SUBNET_A")
ORPHAN_LAUNCHED=$(date +%s)
assert_contains "moto: an orphan launched by hand" "i-" "$ORPHAN"
(($(date +%s) - RESUMED < GRACE - 2)) || fail "too slow: the first reconcile comes $(($(date +%s) - RESUMED)) s after the launches (OrphanGracePeriod=$GRACE)"
run "$SUSPEND" --reconcile
assert_eq "reconcile: exit status" 0 "$RC"
assert_contains "reconcile: nothing to do yet" "reconcile: 0 terminated, 0 node(s) powered down" "$OUT"
assert_contains "reconcile: the three recorded instances and the orphan are seen (by tag or by id)" \
    "reconcile: 4 live instance(s) tagged stratus:cluster=stratus-sandbox or recorded, 3 node record(s) with an instance" \
    "$(cat "$BURST_LOG")"

# ---- what stratus-resume launched, as moto and Slurm see it -----------------------------
look
assert_eq "moto: three instances launched by stratus-resume, running" "running running running" \
    "$(py "' '.join(v['state'] for i, v in moto.items() if i != '$ORPHAN')")"
assert_eq "node records: each node holds one of them" True \
    "$(py "sorted(rec(n, 'instance_id') for n in ('burst-1', 'burst-2', 'burst-3')) == sorted(i for i in moto if i != '$ORPHAN')")"
for node in burst-1 burst-2 burst-3; do
    assert_eq "$node: the record's type, zone and private IP are moto's" True \
        "$(py "rec('$node', 'instance_type') == inst('$node')['type'] and rec('$node', 'availability_zone') == inst('$node')['zone'] and rec('$node', 'private_ip') == inst('$node')['ip'] != ''")"
    assert_eq "$node: launched as one of the partition's types, in one of its subnets" True \
        "$(py "inst('$node')['type'] in ('c7g.large', 'c7g.xlarge') and inst('$node')['subnet'] in ('$SUBNET_A', '$SUBNET_B')")"
    assert_eq "$node: NodeAddr and NodeHostname are the instance's private IP and DNS name" \
        "$(py "inst('$node')['ip'] + ' ' + inst('$node')['dns']")" "$(node_field "$node" NodeAddr) $(node_field "$node" NodeHostName)"
    assert_eq "$node: the instance carries its node's name (CreateTags stratus:node, Name)" "$node $node" \
        "$(py "inst('$node')['tags'].get('stratus:node', '') + ' ' + inst('$node')['tags'].get('Name', '')")"
    if ((10#$SLURM_RELEASE >= 2311)); then
        assert_eq "$node: Slurm's InstanceId is the instance's" "$(py "rec('$node', 'instance_id')")" "$(node_field "$node" InstanceId)"
    fi
done
IID1=$(py "rec('burst-1', 'instance_id')") IID2=$(py "rec('burst-2', 'instance_id')") IID3=$(py "rec('burst-3', 'instance_id')")
TYPE1=$(py "rec('burst-1', 'instance_type')")
echo "  (moto launched: burst-1 $IID1 $TYPE1, burst-2 $IID2 $(py "inst('burst-2')['type']"), burst-3 $IID3 $(py "inst('burst-3')['type']");" \
    "stratus:cluster tags: $(py "[n for n in ('burst-1', 'burst-2', 'burst-3') if 'stratus:cluster' in inst(n)['tags']]"))"

assert_eq "reconcile: the instances still run" "running running running running" \
    "$(py "' '.join(moto[i]['state'] for i in ('$IID1', '$IID2', '$IID3', '$ORPHAN'))")"
assert_eq "reconcile: the records keep them" "$IID1 $IID2 $IID3" \
    "$(py "' '.join(rec(n, 'instance_id') for n in ('burst-1', 'burst-2', 'burst-3'))")"

# ---- stratus-suspend: burst-3 given back ------------------------------------------------
run "$SUSPEND" burst-3
assert_eq "stratus-suspend burst-3: exit status" 0 "$RC"
look
assert_eq "stratus-suspend: moto terminated burst-3's instance" True "$(py "moto['$IID3']['state'] in ('shutting-down', 'terminated')")"
assert_eq "stratus-suspend: the record holds no instance" "" "$(py "rec('burst-3', 'instance_id')")"
assert_eq "stratus-suspend: NodeAddr and NodeHostname back to the node name" "burst-3 burst-3" \
    "$(node_field burst-3 NodeAddr) $(node_field burst-3 NodeHostName)"
assert_eq "stratus-suspend: the other instances run on" "running running" "$(py "moto['$IID1']['state'] + ' ' + moto['$IID2']['state']")"

# ---- stratus-tag: the prolog and epilog of a job that has burst-1 to itself -----------
# IMDS (which instance this is) from the fake; CreateTags at moto (Ec2Endpoint).
curl -sf -X POST -d "{\"instance_id\": \"$IID1\", \"instance_type\": \"$TYPE1\"}" "$C/imds" >/dev/null ||
    { echo "ERROR: cannot set the fake's IMDS identity"; exit 99; }
CPUS=$(node_field burst-1 CPUTot)
tag_env=(SLURM_JOB_ID=4242 SLURM_JOB_USER=root SLURM_JOB_ACCOUNT=chem SLURM_JOB_PARTITION=burst
    SPANK_STRATUS_COST_CENTER=proj-moto SLURMD_NODENAME=burst-1 SLURM_NODELIST=burst-1 SLURM_JOB_NUM_NODES=1
    SLURM_JOB_CPUS_PER_NODE="$CPUS" SLURM_CONF="$SLURM_CONF" AWS_EC2_METADATA_SERVICE_ENDPOINT="$FAKE/"
    AWS_ACCESS_KEY_ID="$MOTO_KEY" AWS_SECRET_ACCESS_KEY="$MOTO_SECRET")
# The job tags and stratus:node on burst-1's instance (stratus:cluster too,
# where moto keeps CreateFleet's TagSpecifications: not asserted).
job_tags() {
    py "' '.join(k + '=' + v for k, v in sorted(moto['$IID1']['tags'].items()) if k.startswith('stratus:') and k != 'stratus:cluster')"
}
run env -i "${tag_env[@]}" SLURM_SCRIPT_CONTEXT=prolog_slurmd "$TAG" --on-failure=fail
assert_eq "stratus-tag prolog: exit status" 0 "$RC"
assert_contains "stratus-tag prolog: says so" "stratus-tag: job 4242 has $CPUS of the $CPUS CPUs of node burst-1: tagged $IID1 with stratus:job-id=4242" "$ERR"
look
assert_eq "stratus-tag prolog: moto has the job's tags on burst-1's instance" \
    "stratus:account=chem stratus:cost-center=proj-moto stratus:job-id=4242 stratus:node=burst-1 stratus:partition=burst stratus:user=root" \
    "$(job_tags)"
run env -i "${tag_env[@]}" SLURM_SCRIPT_CONTEXT=epilog_slurmd "$TAG" --on-failure=fail
assert_eq "stratus-tag epilog: exit status" 0 "$RC"
assert_contains "stratus-tag epilog: says so" "stratus-tag: job 4242 ended: blanked the job tags of $IID1" "$ERR"
look
assert_eq "stratus-tag epilog: moto has the job tags blanked" \
    "stratus:account= stratus:cost-center= stratus:job-id= stratus:node=burst-1 stratus:partition= stratus:user=" "$(job_tags)"
run env -i "${tag_env[@]}" AWS_SECRET_ACCESS_KEY=wrong SLURM_SCRIPT_CONTEXT=prolog_slurmd "$TAG" --on-failure=fail
assert_eq "stratus-tag with a wrong secret: exit status 1 (--on-failure=fail)" 1 "$RC"
assert_contains "stratus-tag with a wrong secret: moto's refusal" "ec2 CreateTags: AuthFailure" "$ERR"

# ---- reconcile after OrphanGracePeriod ---------------------------------------------------
# burst-2's instance vanishes (terminated behind Stratus's back, as a spot
# reclaim would); burst-1's still runs, but Slurm has the node powered down
# (no slurmd ever registered: nothing here powered it up), so it is leaked;
# the orphan (tagged for this cluster, owned by no node) is old enough.
run python3 -c 'import os, sys, boto3
boto3.client("ec2", endpoint_url=os.environ["MOTO"], region_name="us-east-1").terminate_instances(InstanceIds=[sys.argv[1]])' "$IID2"
assert_eq "moto: burst-2's instance terminated by hand" 0 "$RC"
while (($(date +%s) < ORPHAN_LAUNCHED + GRACE + 1)); do sleep 1; done
run "$SUSPEND" --reconcile
assert_eq "reconcile after OrphanGracePeriod: exit status" 0 "$RC"
assert_contains "reconcile after OrphanGracePeriod: says so" "reconcile: 2 terminated, 1 node(s) powered down" "$OUT"
LOG=$(cat "$BURST_LOG")
assert_contains "reconcile: the orphan, and why" "reconcile: terminating $ORPHAN: orphan: $ORPHAN (c7g.large, running" "$LOG"
assert_contains "reconcile: burst-1's leaked instance, and why" \
    "reconcile: terminating $IID1: leaked: node burst-1 is powered down in Slurm but its instance ($TYPE1) is running" "$LOG"
assert_contains "reconcile: burst-2 powered down, and why" \
    "reconcile: powering down node burst-2: stratus: instance $IID2 (" "$LOG"
look
assert_eq "reconcile: moto terminated the orphan and burst-1's instance" "True True" \
    "$(py "' '.join(str(moto[i]['state'] in ('shutting-down', 'terminated')) for i in ('$ORPHAN', '$IID1'))")"
assert_eq "reconcile: no record holds an instance" "['', '', '']" \
    "$(py "[rec(n, 'instance_id') for n in ('burst-1', 'burst-2', 'burst-3')]")"
assert_eq "nothing left running at moto" "[]" "$(py "[k for k, v in moto.items() if v['state'] in ('pending', 'running')]")"

# ---- stratus-catalog refresh: instance types and spot prices from moto ------------------
run "$CATALOG" --conf "$CONF" refresh --output "$SANDBOX/etc/moto-prices.csv" --types c7g.large,c7g.xlarge
assert_eq "refresh: exit status" 0 "$RC"
assert_contains "refresh: says what it wrote (moto's spot prices aside)" \
    "2 instance types in us-east-1, 2 with an on-demand price, " "$OUT"
MOTO_TYPES=$(python3 -c 'import os, boto3
for t in boto3.client("ec2", endpoint_url=os.environ["MOTO"], region_name="us-east-1").describe_instance_types(
        InstanceTypes=["c7g.large", "c7g.xlarge"])["InstanceTypes"]:
    print(t["InstanceType"], t["VCpuInfo"]["DefaultVCpus"], t["MemoryInfo"]["SizeInMiB"], ",".join(t["ProcessorInfo"]["SupportedArchitectures"]))' | sort)
assert_eq "refresh: types, vCPUs, memory and architecture as moto describes them" "$MOTO_TYPES" \
    "$(python3 -c 'import csv, sys
for r in csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")):
    print(r["instance_type"], r["vcpus"], r["memory_mib"], r["arch"])' "$SANDBOX/etc/moto-prices.csv" | sort)"
assert_eq "refresh: every row has moto's zone IDs of us-east-1 (DescribeInstanceTypeOfferings)" "True" \
    "$(python3 -c 'import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
print(bool(rows) and all(r["availability_zones"] and all(z.startswith("use1-az") for z in r["availability_zones"].split(";"))
                         for r in rows))' "$SANDBOX/etc/moto-prices.csv")"
echo "  (catalog from moto:"$'\n'"$(grep -v '^#' "$SANDBOX/etc/moto-prices.csv")"$'\n'")"
assert_eq "refresh: the on-demand prices from the Price List (at the fake, signed with moto's key)" \
    "c7g.large 0.0725 c7g.xlarge 0.145 signed: [True]" \
    "$(python3 -c 'import csv, sys
print(" ".join(r["instance_type"] + " " + r["ondemand_usd_per_hour"]
               for r in sorted(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")), key=lambda r: r["instance_type"])))' \
        "$SANDBOX/etc/moto-prices.csv") signed: $(curl -sf "$C/calls?operation=GetProducts" | python3 -c 'import json, sys
print(sorted(set(c["signature_ok"] for c in json.load(sys.stdin)["calls"])))')"
before=$(md5sum <"$SANDBOX/etc/moto-prices.csv")
AWS_SECRET_ACCESS_KEY=wrong run "$CATALOG" --conf "$CONF" refresh --output "$SANDBOX/etc/moto-prices.csv" --types c7g.large
assert_fails "refresh with a wrong secret fails"
assert_contains "refresh with a wrong secret: moto's refusal" "AuthFailure" "$ERR"
assert_eq "refresh with a wrong secret: the catalog is untouched" "$before" "$(md5sum <"$SANDBOX/etc/moto-prices.csv")"

# The fake served only what moto lacks: the Price List and IMDS.
assert_eq "every EC2 call went to moto: the fake saw only pricing and imds calls" "['imds', 'pricing']" \
    "$(curl -sf "$C/calls" | python3 -c 'import json, sys
print(sorted(set(c.get("service") for c in json.load(sys.stdin)["calls"])))')"

echo "  (moto $MOTO_VERSION scenarios took $((SECONDS - T0)) s)"
