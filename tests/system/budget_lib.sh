# Helpers of the budget tests (budget.sh, budget_accounting.sh), sourced
# after start_sandbox --spank.
# shellcheck shell=bash

# References where slurmctld judges alone (as in spank.sh): ref-none loads no
# SPANK plugin; ref-pass loads it without a stratus.conf next to its
# slurm.conf, so --cost-center only travels to slurmctld.
for ref in none pass; do
    mkdir -p "$SANDBOX/ref-$ref"
    sed "s|^PlugStackConfig=.*|PlugStackConfig=$SANDBOX/ref-$ref/plugstack.conf|" "$SLURM_CONF" >"$SANDBOX/ref-$ref/slurm.conf"
done
: >"$SANDBOX/ref-none/plugstack.conf"
grep '^required' "$SANDBOX/etc/plugstack.conf" >"$SANDBOX/ref-pass/plugstack.conf"
refusals() { grep -c 'job_submit/stratus: refused job' "$SANDBOX/log/slurmctld.log" || true; }
POLICY="Batch job submission failed: Job violates accounting/QOS policy"

# by_client WHAT MESSAGE SBATCH-ARGS...: the SPANK plugin refuses; slurmctld is never asked.
by_client() {
    local what=$1 message=$2 before
    shift 2
    before=$(refusals)
    expect_refused "$what (sbatch)" "sbatch: error: $message" -H "$@" --wrap=true
    assert_contains "$what (sbatch): refused by the SPANK plugin" "init_post_opt() failed" "$ERR"
    assert_eq "$what (sbatch): slurmctld was not asked" "$before" "$(refusals)"
}

# by_ctld WHAT REF MESSAGE SBATCH-ARGS...: with reference slurm.conf REF,
# job_submit/stratus refuses with ESLURM_ACCOUNTING_POLICY and logs it.
by_ctld() {
    local what=$1 ref=$2 message=$3
    shift 3
    SLURM_CONF=$SANDBOX/ref-$ref/slurm.conf expect_refused "$what (slurmctld)" "sbatch: error: $message" -H "$@" --wrap=true
    assert_contains "$what (slurmctld): ESLURM_ACCOUNTING_POLICY" "$POLICY" "$ERR"
    assert_contains "$what (slurmctld): logged" "job_submit/stratus: refused job from uid 0: $message" "$(ctld_log)"
}

# write_stratus_conf TEXT: replaces stratus.conf as an editor would.
write_stratus_conf() {
    printf '%s\n' "$1" >"$SANDBOX/etc/stratus.conf.new" && mv "$SANDBOX/etc/stratus.conf.new" "$SANDBOX/etc/stratus.conf"
}

# wait_snapshot_loaded FILE: waits (15 s) until slurmctld has loaded the spend
# snapshot now in FILE, known by its generated_at (an earlier snapshot of
# the same path does not count: its load was logged with another time).
wait_snapshot_loaded() {
    local generated
    generated=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generated_at"])' "$1" 2>/dev/null) ||
        generated=unreadable
    wait_log "job_submit/stratus: loaded spend snapshot $1 (generated $generated," 15
}
