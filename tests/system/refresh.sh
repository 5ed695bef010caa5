#!/bin/bash
# shellcheck disable=SC2119
# stratus-catalog refresh against the fake AWS writes a catalog that the
# running job_submit/stratus picks up: a price the built-in catalog lacks
# (hpc7a.96xlarge in us-east-1) appears in the estimate slurmctld gives.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
start_sandbox
start_fake_aws
CATALOG=$STRATUS_TOP_BUILDDIR/tools/stratus-catalog
CONF=$SANDBOX/etc/stratus.conf

submit -H -p hpc -t 60 --wrap=true
assert_contains "before: the hpc price is unknown" \
    "stratus: partition hpc: estimate: price unknown (1 x hpc7a.96xlarge on-demand, not offered in us-east-1 (offered in eu-north-1, eu-west-1, eu-west-3, us-east-2)" "$ERR"

# The Price List knows it (seeded at the fake), and a spot price for hpc7g.
curl -sf -X POST -d '{"prices": [{"instance_type": "hpc7a.96xlarge", "region": "us-east-1", "price": "7.2"}]}' \
    "$FAKE_CONTROL/prices" >/dev/null || { echo "ERROR: cannot seed prices"; exit 99; }
curl -sf -X POST -d '{"prices": [{"instance_type": "hpc7g.16xlarge", "availability_zone": "us-east-1a", "price": "0.55"}]}' \
    "$FAKE_CONTROL/spot-prices" >/dev/null || { echo "ERROR: cannot seed spot prices"; exit 99; }

run "$CATALOG" --conf "$CONF" refresh --output "$SANDBOX/etc/prices.csv" --types hpc7a.96xlarge,hpc7g.16xlarge
assert_eq "refresh: exit status" 0 "$RC"
assert_contains "refresh: says what it wrote" "2 instance types in us-east-1, 2 with an on-demand price, 1 with a spot price" "$OUT"
assert_contains "refresh: the signed calls were accepted" '"signature_ok": true' \
    "$(curl -sf "$FAKE_CONTROL/calls?operation=GetProducts")"

# The running plugin picks the file up (ReloadInterval=1) once stratus.conf names it.
echo "InstanceCatalog=prices.csv" >>"$CONF"
sleep 3
submit -H -p hpc -t 60 --wrap=true
assert_contains "after: slurmctld's estimate uses the refreshed price" \
    "stratus: partition hpc: estimate \$7.20 (1 x hpc7a.96xlarge on-demand at \$7.2000/h for 1h00, time limit)" "$ERR"
assert_contains "after: AdminComment has it" '"usd_per_node_hour":7.2' "$(job_field "$JOB" AdminComment)"
submit -H -p graviton -t 120 --wrap=true
assert_contains "after: on-demand prices the catalog already had are kept" "estimate \$3.37" "$ERR"

# A wrong secret: refresh fails and leaves the file alone.
before=$(md5sum <"$SANDBOX/etc/prices.csv")
AWS_SECRET_ACCESS_KEY=wrong run "$CATALOG" --conf "$CONF" refresh --output "$SANDBOX/etc/prices.csv"
assert_fails "refresh with a wrong secret fails"
assert_contains "refresh with a wrong secret: AWS's refusal" "AuthFailure" "$ERR"
assert_eq "refresh with a wrong secret: the catalog is untouched" "$before" "$(md5sum <"$SANDBOX/etc/prices.csv")"
