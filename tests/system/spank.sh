#!/bin/bash
# shellcheck disable=SC2016
# With the Stratus SPANK plugin loaded (stratus-sandbox --spank) next to
# slurmctld's job_submit/stratus: its options are in every command's --help,
# bad values and jobs no instance type can run are refused before anything
# is submitted, in slurmctld's own words, and the values reach the job.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
start_sandbox --spank

for cmd in sbatch salloc srun; do
    run "$cmd" --help
    for line in '--arch=arm64|x86_64|any [stratus] CPU architecture' '--instance-type=TYPE[,TYPE...]' \
        '[stratus] Run only on these EC2 instance types' '[stratus] EC2 purchase option' \
        '--cost-center=NAME      [stratus] Cost center' '--max-cost=USD[/task]   [stratus] Refuse the job' \
        '--stratus-dry-run       [stratus] Print where the job would go'; do
        assert_contains "$cmd --help: $line" "$line" "$OUT"
    done
done

# ---- bad values: refused by the option parser, nothing submitted -------------
refusals() { grep -c 'job_submit/stratus: refused job' "$SANDBOX/log/slurmctld.log" || true; }
before_refusals=$(refusals)
expect_refused "--max-cost=12,5" "sbatch: error: stratus: --max-cost: not a dollar amount: 12,5" -H --max-cost=12,5 --wrap=true
expect_refused "--max-cost=12345678901234567890" \
    "sbatch: error: stratus: --max-cost: more than \$1000000000000.00, the most Stratus accepts: 12345678901234567890" \
    -H --max-cost=12345678901234567890 --wrap=true
expect_refused "--arch=sparc" "sbatch: error: stratus: --arch: unknown architecture (arm64, x86_64 or any): sparc" \
    -H --arch=sparc --wrap=true
expect_refused "--capacity=cheap" "sbatch: error: stratus: --capacity: unknown capacity (spot, on-demand or any): cheap" \
    -H --capacity=cheap --wrap=true
expect_refused "--cost-center='a b'" "sbatch: error: stratus: --cost-center: must be 1-256 letters, digits or _.:/=+-@: a b" \
    -H '--cost-center=a b' --wrap=true
STRATUS_MAX_COST_USD=abc expect_refused "STRATUS_MAX_COST_USD=abc" \
    "sbatch: error: stratus: --max-cost: not a dollar amount: abc (from STRATUS_MAX_COST_USD)" -H --wrap=true
STRATUS_ARCH=sparc expect_refused "STRATUS_ARCH=sparc" \
    "sbatch: error: stratus: --arch: unknown architecture (arm64, x86_64 or any): sparc (from STRATUS_ARCH)" -H --wrap=true
STRATUS_CAPACITY=cheap expect_refused "STRATUS_CAPACITY=cheap" \
    "sbatch: error: stratus: --capacity: unknown capacity (spot, on-demand or any): cheap (from STRATUS_CAPACITY)" -H --wrap=true
STRATUS_COST_CENTER=a,b expect_refused "STRATUS_COST_CENTER=a,b" \
    "sbatch: error: stratus: --cost-center: must be 1-256 letters, digits or _.:/=+-@: a,b (from STRATUS_COST_CENTER)" -H --wrap=true
printf '#!/bin/sh\n#SBATCH --max-cost=12,5\ntrue\n' >bad-max-cost.sh
expect_refused "#SBATCH --max-cost=12,5" "sbatch: error: stratus: --max-cost: not a dollar amount: 12,5" -H bad-max-cost.sh
for cmd in salloc srun; do
    run "$cmd" --max-cost=12,5 -t 1 true
    assert_fails "$cmd --max-cost=12,5: refused"
    assert_contains "$cmd --max-cost=12,5: the message" "$cmd: error: stratus: --max-cost: not a dollar amount: 12,5" "$ERR"
done
assert_eq "bad values: slurmctld never saw a job" "$before_refusals" "$(refusals)"

# ---- infeasible jobs: refused by the client in slurmctld's own words --------
# References where slurmctld's job_submit/stratus judges alone: slurm.conf
# copies naming another plugstack.conf. ref-none loads no SPANK plugin;
# ref-pass loads this one without a stratus.conf next to its slurm.conf, so
# its options only travel to slurmctld (the options exist only with it).
for ref in none pass; do
    mkdir -p "$SANDBOX/ref-$ref"
    sed "s|^PlugStackConfig=.*|PlugStackConfig=$SANDBOX/ref-$ref/plugstack.conf|" "$SLURM_CONF" >"$SANDBOX/ref-$ref/slurm.conf"
done
: >"$SANDBOX/ref-none/plugstack.conf"
grep '^required' "$SANDBOX/etc/plugstack.conf" >"$SANDBOX/ref-pass/plugstack.conf"
stratus_lines() { grep '^sbatch: error: stratus: ' <<<"$1" || true; }

# same_words WHAT REF MESSAGE SBATCH-ARGS...
same_words() {
    local what=$1 ref=$2 message=$3 client before
    shift 3
    before=$(refusals)
    expect_refused "$what" "$message" -H "$@" --wrap=true
    client=$(stratus_lines "$ERR")
    assert_eq "$what: exactly the client's refusal" "sbatch: error: $message" "$client"
    assert_contains "$what: refused by the SPANK plugin" "init_post_opt() failed" "$ERR"
    assert_eq "$what: slurmctld's job_submit was not asked" "$before" "$(refusals)"
    run env SLURM_CONF="$SANDBOX/ref-$ref/slurm.conf" sbatch -H "$@" --wrap=true
    assert_contains "$what: slurmctld refuses it too" "sbatch: error: Batch job submission failed:" "$ERR"
    assert_eq "$what: slurmctld's words are the client's" "$client" "$(stratus_lines "$ERR")"
    assert_eq "$what: slurmctld logged it" "$((before + 1)) job_submit/stratus: refused job from uid 0: $message" \
        "$(refusals) $(grep -o 'job_submit/stratus: refused job.*' "$SANDBOX/log/slurmctld.log" | tail -n 1)"
}
same_words "16 GPUs per node on gpu" none \
    "stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)" -p gpu --gpus-per-node=16
same_words "200G on graviton" none \
    "stratus: partition graviton: no instance type has 204800 MiB of memory per node (largest: hpc7g.16xlarge, 124519 MiB usable); fits in: gpu" \
    -p graviton --mem=200G
same_words "--arch=x86_64 -p graviton" pass \
    "stratus: partition graviton: no instance type is x86_64 (it has hpc7g.16xlarge, c7gn.16xlarge); fits in: gpu" \
    --arch=x86_64 -p graviton
same_words "unknown --instance-type" pass "stratus: --instance-type: unknown instance type: m9z.huge" \
    -p graviton --instance-type=m9z.huge
same_words "--instance-type not in the partition" pass \
    "stratus: partition graviton: --instance-type: not in this partition: p5.48xlarge (it has hpc7g.16xlarge, c7gn.16xlarge); fits in: gpu" \
    -p graviton --instance-type=p5.48xlarge
expect_refused "--arch=arm64 in gpu" \
    "stratus: partition gpu: no instance type is arm64 (it has g6e.12xlarge, p5.48xlarge); fits in: graviton" \
    -H --arch=arm64 -p gpu --wrap=true

# ---- budget --------------------------------------------------------------------
before=$(refusals)
expect_refused "--max-cost=1: over budget" \
    'sbatch: error: stratus: --max-cost: the estimate is $550.40, above $1.00 (partition gpu: estimate $550.40 (1 x p5.48xlarge on-demand at $55.0400/h for 10h00, time limit))' \
    -H --max-cost=1 -p gpu --gpus-per-node=8 -t 10:00:00 --wrap=true
assert_eq "over budget: refused by the client alone" "$before" "$(refusals)"
run srun -p graviton --max-cost=0.5 -t 60 true
assert_contains "srun --max-cost: over budget" 'srun: error: stratus: --max-cost: the estimate is $1.68, above $0.50' "$ERR"

# ---- the values reach the job (job_submit/stratus writes AdminComment) ---------
submit -H --max-cost=100 --cost-center=proj-x -p gpu --gpus-per-node=8 -t 60 --wrap=true
assert_eq "--cost-center and --max-cost recorded in AdminComment" \
    '{"v":1,"partition":"gpu","instance_type":"p5.48xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":55.04,"minutes":60,"basis":"time_limit","est_usd":55.04,"cost_center":"proj-x","max_cost_usd":100,"req":{"p":"gpu","cpus":1,"gpn":8,"t":60}}' \
    "$(job_field "$JOB" AdminComment)"
submit -H --cost-center=chem-1 --capacity=on-demand --max-cost=100 --wrap=true
comment=$(job_field "$JOB" AdminComment)
assert_eq "no partition, --cost-center=chem-1: cost_center" '"chem-1"' "$(json_get "$comment" cost_center)"
assert_eq "no partition, --max-cost=100: max_cost_usd" 100 "$(json_get "$comment" max_cost_usd)"
assert_eq "no partition, --capacity=on-demand: capacity" '"on-demand"' "$(json_get "$comment" capacity)"
assert_eq "no partition, --max-cost: hpc (no price) left out" graviton,gpu "$(job_field "$JOB" Partition)"
submit -H -p graviton --instance-type=c7gn.16xlarge -t 60 --wrap=true
assert_eq "--instance-type=c7gn.16xlarge: AdminComment instance_type" '"c7gn.16xlarge"' \
    "$(json_get "$(job_field "$JOB" AdminComment)" instance_type)"
submit -H --arch=arm64 --wrap=true
assert_eq "--arch=arm64 without a partition: Partition=" graviton "$(job_field "$JOB" Partition)"
submit -H --arch=x86_64 --wrap=true
assert_eq "--arch=x86_64 without a partition: Partition=" gpu "$(job_field "$JOB" Partition)"
printf '#!/bin/sh\n#SBATCH --cost-center=from-script\ntrue\n' >cost-center.sh
submit -H -p graviton cost-center.sh
assert_eq "#SBATCH --cost-center: recorded" '"from-script"' "$(json_get "$(job_field "$JOB" AdminComment)" cost_center)"
scancel --user=root

# ---- the estimate, once ----------------------------------------------------------
for args in "-p graviton -t 30" "-t 30" "-p gpu --gpus-per-node=2 -t 30"; do
    # shellcheck disable=SC2086
    submit -H $args --wrap=true
    assert_eq "sbatch $args: one estimate line" 1 "$(grep -c 'stratus: .*estimate' <<<"$ERR")"
done
assert_eq "sbatch -p gpu --gpus-per-node=2 -t 30: the estimate" \
    'sbatch: stratus: partition gpu: estimate $5.25 (1 x g6e.12xlarge on-demand at $10.4926/h for 30 min, time limit)' "$ERR"
submit -H -t 30 --wrap=true
assert_eq "sbatch -t 30: where the client routed it, then slurmctld's estimate" \
    'sbatch: stratus: routed to graviton,gpu (cheapest first)
sbatch: stratus: partition graviton: estimate $0.84 (1 x hpc7g.16xlarge on-demand at $1.6832/h for 30 min, time limit); up to $5.25 in another partition' "$ERR"
scancel --user=root

# ---- --stratus-dry-run -----------------------------------------------------------
before=$(scontrol show jobs -o | grep -c '^JobId=')
run sbatch --stratus-dry-run -p gpu --gpus-per-node=2 -t 30 --wrap=true
assert_eq "--stratus-dry-run: exit status" 0 "$RC"
assert_eq "--stratus-dry-run: the decision" 'stratus: dry run: the job would be submitted to partition gpu
stratus: partition gpu: estimate $5.25 (1 x g6e.12xlarge on-demand at $10.4926/h for 30 min, time limit)
stratus: dry run: AdminComment {"v":1,"partition":"gpu","instance_type":"g6e.12xlarge","capacity":"on-demand","region":"us-east-1","nodes":1,"usd_per_node_hour":10.49264,"minutes":30,"basis":"time_limit","est_usd":5.25,"req":{"p":"gpu","cpus":1,"gpn":2,"t":30}}' "$OUT"
dry_comment=${OUT##*AdminComment }
run srun --stratus-dry-run --max-cost=50 -t 60 true
assert_eq "srun --stratus-dry-run, no partition: exit status" 0 "$RC"
assert_contains "srun --stratus-dry-run, no partition: routed" \
    'stratus: dry run: the job would be submitted to partition graviton,gpu' "$OUT"
run salloc --stratus-dry-run -p graviton --mem=200G true
assert_fails "salloc --stratus-dry-run of a refused job: refused as usual"
assert_contains "salloc --stratus-dry-run of a refused job: the message" \
    "salloc: error: stratus: partition graviton: no instance type has 204800 MiB of memory per node" "$ERR"
assert_eq "--stratus-dry-run: submits nothing" "$before" "$(scontrol show jobs -o | grep -c '^JobId=')"
submit -H -p gpu --gpus-per-node=2 -t 30 --wrap=true
assert_eq "--stratus-dry-run: slurmctld writes the AdminComment it showed" "$dry_comment" "$(job_field "$JOB" AdminComment)"
scancel --user=root
