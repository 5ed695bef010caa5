#!/bin/bash
# The SPANK plugin in sbatch, salloc and srun is memory-clean: under
# valgrind, no error (invalid access, bad free, uninitialised value,
# definite leak) whose stacks pass through Stratus code. And it leaves the
# job alone: slurmctld receives the same job, field by field (SubmitLine,
# Command, WorkDir, output paths, ...), with and without the plugin.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed (Debian: apt-get install valgrind)"
start_sandbox --spank

# The reference: the same cluster through a slurm.conf whose plugstack.conf
# loads nothing (slurmctld's job_submit/stratus still judges both).
mkdir -p "$SANDBOX/ref-none"
sed "s|^PlugStackConfig=.*|PlugStackConfig=$SANDBOX/ref-none/plugstack.conf|" "$SLURM_CONF" >"$SANDBOX/ref-none/slurm.conf"
: >"$SANDBOX/ref-none/plugstack.conf"

# valgrind_run NAME COMMAND...: runs COMMAND under memcheck (RC, OUT, ERR as
# `run`); STRATUS_ERRORS is the number of error records that involve
# Stratus code, and each is printed.
valgrind_run() {
    local name=$1 log=$SANDBOX/log/valgrind-$1.log
    shift
    run valgrind --log-file="$log" --num-callers=50 --error-limit=no --leak-check=full \
        --show-leak-kinds=definite --errors-for-leak-kinds=definite "$@"
    # Records are separated by "==PID== " lines; count those naming our code.
    STRATUS_ERRORS=$(awk '
        /^==[0-9]+== *$/ { if (rec ~ /spank_stratus|stratus::/ && rec ~ /(Invalid|uninitialised|Mismatched|definitely lost|Syscall param|Source and destination|free\(\))/) { n++; print rec > "/dev/stderr" } rec = ""; next }
        { rec = rec $0 "\n" }
        END { print n + 0 }' "$log" 2>"$SANDBOX/log/valgrind-$name.stratus")
    if [[ $STRATUS_ERRORS != 0 ]]; then sed 's/^/  | /' "$SANDBOX/log/valgrind-$name.stratus" | head -n 80; fi
    CHECKS=$((CHECKS + 1))
    if grep -q 'ERROR SUMMARY' "$log"; then pass "$name: valgrind ran to the end"; else fail "$name: no valgrind summary in $log"; fi
}

printf '#!/bin/bash\n#SBATCH --job-name=same-job\n#SBATCH -t 20\necho hello\n' >job.sh
job_args=(-H -p graviton -N 1 --ntasks-per-node=2 --comment=identity -o "out-%x-%j.txt" job.sh)

valgrind_run sbatch sbatch --parsable "${job_args[@]}"
assert_eq "sbatch under valgrind: submitted" 0 "$RC"
assert_eq "sbatch: no memory error involving Stratus" 0 "$STRATUS_ERRORS"
WITH=${OUT%%;*}
SLURM_CONF=$SANDBOX/ref-none/slurm.conf run sbatch --parsable "${job_args[@]}"
assert_eq "sbatch without the plugin: submitted" 0 "$RC"
WITHOUT=${OUT%%;*}

# Every field of the two jobs, the job ids and times taken out.
job_fields() {
    scontrol show job -o "$1" | tr ' ' '\n' |
        grep -vE '^(JobId|SubmitTime|EligibleTime|AccrueTime|StartTime|EndTime|LastSchedEval|Deadline|SuspendTime|SecsPreSuspend)=' |
        sed -E "/^(StdOut|StdErr)=/s/-$1\.txt\$/-JOBID.txt/"
}
with_fields=$(job_fields "$WITH")
without_fields=$(job_fields "$WITHOUT")
assert_eq "the job slurmctld received is the same with and without the plugin" "$without_fields" "$with_fields"
# (Where this release's scontrol shows SubmitLine; where it does not, valgrind
# above is what sees sbatch send a freed one.)
with_line=$(scontrol show job -o "$WITH")
if [[ $with_line == *" SubmitLine="* ]]; then
    assert_contains "SubmitLine is the command as typed" \
        " SubmitLine=sbatch --parsable -H -p graviton -N 1 --ntasks-per-node=2 --comment=identity -o out-%x-%j.txt job.sh " \
        "$with_line "
fi
assert_contains "Command is the script" "Command=$SANDBOX/work/job.sh" "$with_fields"
assert_contains "WorkDir is the submit directory" "WorkDir=$SANDBOX/work" "$with_fields"
assert_contains "StdOut follows -o" "StdOut=$SANDBOX/work/out-same-job-JOBID.txt" "$with_fields"
scancel "$WITH" "$WITHOUT"

valgrind_run salloc salloc -p graviton -N 1 -t 5 /bin/true
assert_eq "salloc under valgrind: ran" 0 "$RC"
assert_eq "salloc: no memory error involving Stratus" 0 "$STRATUS_ERRORS"

valgrind_run srun srun -p graviton -N 1 -t 5 /bin/true
assert_eq "srun under valgrind: ran" 0 "$RC"
assert_eq "srun: no memory error involving Stratus" 0 "$STRATUS_ERRORS"

# A refusal and a routed job exercise the other paths (message, partition set).
valgrind_run sbatch-refused sbatch -H -p gpu --gpus-per-node=16 --wrap=true
assert_fails "sbatch under valgrind: 16 GPUs per node refused"
assert_eq "sbatch (refused): no memory error involving Stratus" 0 "$STRATUS_ERRORS"
valgrind_run sbatch-routed sbatch --parsable -H --mem=200G -t 30 --wrap=true
assert_eq "sbatch under valgrind: routed job submitted" 0 "$RC"
assert_eq "sbatch (routed): no memory error involving Stratus" 0 "$STRATUS_ERRORS"
[[ $RC == 0 ]] && scancel "${OUT%%;*}"
