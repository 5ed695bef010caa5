# Shared helpers for the system tests: each test sources this file, calls
# start_sandbox, then checks what users see through sbatch/srun/scontrol.
# Exit status follows automake: 0 pass, 1 fail, 77 skip, 99 hard error.
# shellcheck shell=bash

set -u

TEST_NAME=$(basename "$0" .sh)

# Where things are: set by AM_TESTS_ENVIRONMENT under `make check`; by hand,
# run a test from the top of the build tree (srcdir = builddir by default).
: "${STRATUS_TOP_SRCDIR:=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}"
: "${STRATUS_TOP_BUILDDIR:=$PWD}"
STRATUS_TOP_SRCDIR=$(cd "$STRATUS_TOP_SRCDIR" && pwd)
STRATUS_TOP_BUILDDIR=$(cd "$STRATUS_TOP_BUILDDIR" && pwd)
SANDBOX_SCRIPT=$STRATUS_TOP_SRCDIR/contrib/sandbox/stratus-sandbox
# The sanitizer tier's tools are checked for leaks, except libslurm's own.
if [[ -n ${STRATUS_SANITIZER_RUNTIME:-} ]]; then
    export LSAN_OPTIONS=suppressions=$STRATUS_TOP_SRCDIR/tests/system/lsan-slurm.supp:print_suppressions=0
fi

skip() {
    echo "SKIP: $TEST_NAME: $*"
    exit 77
}

[[ $(id -u) == 0 ]] || skip "needs root (runs slurmctld, slurmd and munged)"
for prog in slurmctld slurmd munged sbatch scontrol; do
    command -v "$prog" >/dev/null 2>&1 || [[ -x /usr/sbin/$prog ]] || skip "$prog is not installed"
done
PATH=$PATH:/usr/sbin:/sbin
[[ -f $STRATUS_TOP_BUILDDIR/plugins/job_submit/.libs/job_submit_stratus.so ]] ||
    skip "job_submit_stratus.so not built in $STRATUS_TOP_BUILDDIR"

# The Slurm release under test as MMmm (2205, 2411, 2605), from slurmctld -V
# ("slurm 24.11.5", "slurm-wlm 22.05.8"; the commands would need a slurm.conf).
SLURM_RELEASE=$(slurmctld -V 2>/dev/null | sed -n 's/^[a-z-]* \([0-9]*\)\.\([0-9]*\).*/\1\2/p')
[[ $SLURM_RELEASE =~ ^[0-9]{4}$ ]] || SLURM_RELEASE=0

# How `scontrol show job` spells a job's GRES, e.g. `tres_gres gpu:2`:
# gres:gpu:2 in 22.05, gres/gpu:2 from 24.11 (like the TRES names).
tres_gres() {
    if ((10#$SLURM_RELEASE >= 2411)); then echo "gres/$1"; else echo "gres:$1"; fi
}

# Nothing from a surrounding Slurm job or the user's defaults may leak in.
while IFS='=' read -r var _; do
    case $var in
    STRATUS_TOP_SRCDIR | STRATUS_TOP_BUILDDIR | STRATUS_SANITIZER_RUNTIME) ;;
    SLURM_* | SBATCH_* | SRUN_* | SALLOC_* | SQUEUE_* | SINFO_* | SCONTROL_* | STRATUS_*) unset "$var" ;;
    esac
done < <(env)

FAILURES=0
CHECKS=0

fail() {
    echo "FAIL: $*"
    FAILURES=$((FAILURES + 1))
}

pass() {
    echo "ok: $*"
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    CHECKS=$((CHECKS + 1))
    if [[ $2 == "$3" ]]; then
        pass "$1"
    else
        fail "$1"
        echo "  expected: $2"
        echo "  actual:   $3"
    fi
}

# assert_contains WHAT NEEDLE HAYSTACK
assert_contains() {
    CHECKS=$((CHECKS + 1))
    if [[ $3 == *"$2"* ]]; then
        pass "$1"
    else
        fail "$1"
        echo "  expected to contain: $2"
        echo "  actual: ${3//$'\n'/$'\n'          }"
    fi
}

# assert_not_contains WHAT NEEDLE HAYSTACK
assert_not_contains() {
    CHECKS=$((CHECKS + 1))
    if [[ $3 != *"$2"* ]]; then
        pass "$1"
    else
        fail "$1"
        echo "  expected not to contain: $2"
        echo "  actual: ${3//$'\n'/$'\n'          }"
    fi
}

# assert_fails WHAT: the last `run` exited non-zero.
assert_fails() {
    CHECKS=$((CHECKS + 1))
    if [[ $RC != 0 ]]; then pass "$1"; else fail "$1: exit status 0"; fi
}

# ---- the sandbox --------------------------------------------------------------

SANDBOX=
finish() {
    local rc=$?
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [[ -n $SANDBOX ]]; then
        # The plugin must never take slurmctld down.
        if ! scontrol ping 2>/dev/null | grep -q 'is UP'; then
            fail "slurmctld is no longer answering at the end of the test"
            tail -n 30 "$SANDBOX/log/slurmctld.log" 2>/dev/null | sed 's/^/  | /'
        fi
        "$SANDBOX_SCRIPT" --dir "$SANDBOX" down || true
    fi
    # The sanitizer tier: whatever ASan or UBSan found in the daemons, the
    # commands or the tools fails the test.
    if [[ -n $SANDBOX && -d $SANDBOX/sanitizer ]]; then
        local report
        for report in "$SANDBOX"/sanitizer/*; do
            [[ -s $report ]] || continue
            fail "sanitizer report $report"
            sed 's/^/  | /' "$report" | head -n 60
        done
    fi
    if [[ $rc == 0 && $FAILURES != 0 ]]; then rc=1; fi
    if [[ $rc == 0 ]]; then
        echo "PASS: $TEST_NAME: $CHECKS checks"
        if [[ -n $SANDBOX ]]; then rm -rf "$SANDBOX"; fi
    elif [[ -n $SANDBOX ]]; then
        echo "$TEST_NAME: $FAILURES of $CHECKS checks failed; logs kept in $SANDBOX/log"
    fi
    exit "$rc"
}

# start_server WHAT PORT_FILE SECONDS CMD...: runs CMD in the background for
# this test (after start_sandbox; stopped on exit) and waits up to SECONDS
# for it to write the loopback port it listens on to PORT_FILE (written once
# the socket listens). Sets SERVER_PORT.
SERVER_PIDS=()
start_server() {
    local what=$1 port_file=$2 limit=$3 pid i
    shift 3
    rm -f "$port_file"
    "$@" &
    pid=$!
    SERVER_PIDS+=("$pid")
    for ((i = 0; i < limit * 10; i++)); do
        [[ -s $port_file ]] && break
        [[ $(alive "$pid") == 1 ]] || break
        sleep 0.1
    done
    [[ -s $port_file ]] || { echo "ERROR: $TEST_NAME: $what did not start"; exit 99; }
    SERVER_PORT=$(<"$port_file")
}

# start_fake_aws [OPTIONS...]: tests/fake_aws/fake_aws.py on a free loopback
# port for this test (after start_sandbox; stopped on exit). Sets FAKE_AWS
# (its base URL) and FAKE_CONTROL (its control API), and exports the AWS_*
# variables that point every client at it with its credentials.
start_fake_aws() {
    start_server "the fake AWS" "$SANDBOX/fake_aws.port" 10 \
        python3 "$STRATUS_TOP_SRCDIR/tests/fake_aws/fake_aws.py" --port 0 --port-file "$SANDBOX/fake_aws.port" \
        --log "$SANDBOX/log/fake_aws.log" "$@"
    FAKE_AWS=http://127.0.0.1:$SERVER_PORT
    # shellcheck disable=SC2034 # used by the tests
    FAKE_CONTROL=$FAKE_AWS/_fake
    export AWS_ENDPOINT_URL=$FAKE_AWS AWS_EC2_METADATA_SERVICE_ENDPOINT=$FAKE_AWS
    export AWS_ACCESS_KEY_ID=AKIDSTRATUSFAKE AWS_SECRET_ACCESS_KEY=stratus-fake-secret AWS_REGION=us-east-1
    unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_PCS AWS_ENDPOINT_URL_PRICING
}

# start_sandbox [OPTIONS...]: a fresh cluster for this test, torn down on exit.
start_sandbox() {
    SANDBOX=$STRATUS_TOP_BUILDDIR/tests/system/sandbox-$TEST_NAME
    # Slurm's Unix sockets live under the sandbox: stratus-sandbox takes at
    # most 48 characters (make distcheck's build tree is deeper than that).
    if ((${#SANDBOX} > 48)); then
        SANDBOX=/tmp/stratus-test-$(printf '%s' "$STRATUS_TOP_BUILDDIR" | cksum | cut -d' ' -f1)-$TEST_NAME
    fi
    export SLURM_CONF=$SANDBOX/etc/slurm.conf
    trap finish EXIT
    trap 'exit 99' INT TERM HUP
    # Unless a test asks for the SPANK plugin, slurmctld's plugin judges alone.
    local spank=--no-spank arg
    for arg in "$@"; do [[ $arg == --spank* ]] && spank=; done
    if ! "$SANDBOX_SCRIPT" --dir "$SANDBOX" --build-dir "$STRATUS_TOP_BUILDDIR" --quiet $spank "$@" up; then
        echo "ERROR: $TEST_NAME: the sandbox did not start"
        exit 99
    fi
    # The sanitizer tier: sbatch, salloc and srun load the instrumented SPANK
    # plugin, so they preload the runtime too (as the sandbox's daemons do).
    if [[ -n ${STRATUS_SANITIZER_RUNTIME:-} ]]; then
        mkdir -p "$SANDBOX/sanitizer-bin"
        local cmd
        for cmd in sbatch salloc srun; do
            printf '#!/bin/sh\nLD_PRELOAD='"'%s'"' ASAN_OPTIONS=detect_leaks=0:log_path=%s/sanitizer/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=%s/sanitizer/ubsan exec %s "$@"\n' \
                "$STRATUS_SANITIZER_RUNTIME" "$SANDBOX" "$SANDBOX" "$(command -v "$cmd")" >"$SANDBOX/sanitizer-bin/$cmd"
            chmod 755 "$SANDBOX/sanitizer-bin/$cmd"
        done
        PATH=$SANDBOX/sanitizer-bin:$PATH
    fi
    # Job output lands here (sbatch writes slurm-N.out in the submit directory).
    mkdir -p "$SANDBOX/work"
    cd "$SANDBOX/work" || exit 99
}

# ---- Slurm helpers ---------------------------------------------------------------

# Runs a Slurm command with a time bound (RUN_TIMEOUT seconds, default 60);
# sets OUT (stdout), ERR (stderr), RC.
run() {
    local o e
    o=$(mktemp) e=$(mktemp)
    RC=0
    timeout "${RUN_TIMEOUT:-60}" "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(<"$o")
    ERR=$(<"$e")
    rm -f "$o" "$e"
}

# submit SBATCH-ARGS...: sbatch --parsable; JOB is the job id (empty on refusal).
submit() {
    run sbatch --parsable "$@"
    JOB=
    if [[ $RC == 0 ]]; then JOB=${OUT%%;*}; fi
}

# expect_refused WHAT MESSAGE SBATCH-ARGS...: sbatch fails, prints MESSAGE, no job.
expect_refused() {
    local what=$1 message=$2
    shift 2
    local before after
    before=$(scontrol show jobs -o 2>/dev/null | grep -c '^JobId=')
    submit "$@"
    CHECKS=$((CHECKS + 1))
    if [[ $RC != 0 ]]; then pass "$what: sbatch $* fails"; else fail "$what: sbatch $* was accepted (job $JOB)"; fi
    assert_contains "$what: the user is told why" "$message" "$ERR"
    after=$(scontrol show jobs -o 2>/dev/null | grep -c '^JobId=')
    assert_eq "$what: no job was created" "$before" "$after"
}

# job_field JOB FIELD: one Key=Value field of `scontrol show job -o`.
job_field() {
    local line
    line=$(scontrol show job -o "$1" 2>/dev/null) || return 1
    # Values run to the next " Key=" (AdminComment's JSON has no spaces).
    sed -n "s/.* $2=\([^ ]*\) .*/\1/p; s/^$2=\([^ ]*\) .*/\1/p" <<<"$line " | head -n 1
}

# wait_until SECONDS CMD...: polls CMD every 0.5 s; true once it succeeds.
wait_until() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 2; i++)); do
        "$@" && return 0
        sleep 0.5
    done
    return 1
}

# node_field NODE FIELD: one Key=Value field of `scontrol show node -o`.
node_field() { scontrol show node -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# json_get JSON KEY: the raw value of KEY in a flat JSON object.
json_get() {
    sed -n "s/.*[{,]\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" <<<"$1"
}

# wait_state JOB STATE [SECONDS]: waits until JobState is STATE (or a final
# state); sets STATE_SEEN.
wait_state() {
    local job=$1 want=$2 limit=${3:-30} i
    STATE_SEEN=
    for ((i = 0; i < limit * 5; i++)); do
        STATE_SEEN=$(job_field "$job" JobState)
        [[ $STATE_SEEN == "$want" ]] && return 0
        case $STATE_SEEN in
        COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) return 1 ;;
        esac
        sleep 0.2
    done
    return 1
}

# assert_completes WHAT JOB: the job reaches COMPLETED within 60 s.
assert_completes() {
    wait_state "$2" COMPLETED 60
    assert_eq "$1: job $2 ends COMPLETED" COMPLETED "$STATE_SEEN"
}

# alive PID: prints 1 if PID runs (zombies do not count), else 0.
alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || state=
    if [[ -n $state && $state != Z ]]; then echo 1; else echo 0; fi
}

ctld_log() {
    cat "$SANDBOX/log/slurmctld.log"
}

# Number of times the plugin has loaded stratus.conf so far.
config_loads() {
    grep -c 'job_submit/stratus: loaded ' "$SANDBOX/log/slurmctld.log" || true
}

# wait_log PATTERN [SECONDS]: waits for a fixed string in slurmctld's log.
wait_log() {
    local i
    for ((i = 0; i < ${2:-15} * 5; i++)); do
        grep -qF -- "$1" "$SANDBOX/log/slurmctld.log" && return 0
        sleep 0.2
    done
    return 1
}

# wait_loads N [SECONDS]: waits until stratus.conf has been loaded N times.
wait_loads() {
    local i
    for ((i = 0; i < ${2:-15} * 5; i++)); do
        (($(config_loads) >= $1)) && return 0
        sleep 0.2
    done
    return 1
}
