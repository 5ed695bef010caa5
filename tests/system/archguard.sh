#!/bin/bash
# The SPANK plugin's architecture guard: srun reads the ELF header of the
# program it is asked to run and refuses one no instance type of the
# partition can execute; on the node, the same check runs before exec
# against the node's instance type (what the client cannot see: --chdir).
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
[[ -f $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so ]] || skip "spank_stratus.so not built"
[[ $(od -A n -t u2 -j 18 -N 2 /bin/true | tr -d ' ') == 62 ]] || skip "/bin/true is not an x86_64 program"
start_sandbox --spank
# srun after srun on one node: on 24.11 a step's completion message can
# fail once and slurmstepd retries a minute later, so the node stays
# COMPLETING for ~80 s and the next srun waits for it.
RUN_TIMEOUT=240

# Fixtures outside /bin and /usr (never judged there): /bin/true itself is
# x86_64; with e_machine (bytes 18-19 of the ELF header) set to 183 it is
# arm64. Scripts run them as their #! interpreter.
work=$PWD
cp /bin/true true-x86
cp /bin/true true-arm
printf '\267\000' | dd of=true-arm bs=1 seek=18 conv=notrunc status=none
assert_eq "fixture: true-arm's e_machine" 183 "$(od -A n -t u2 -j 18 -N 2 true-arm | tr -d ' ')"
printf '#!%s/true-x86\n' "$work" >script-x86
printf '#!%s/true-arm\n' "$work" >script-arm
mkdir -p bin
cp true-x86 bin/x86-tool
chmod +x true-x86 true-arm script-x86 script-arm bin/x86-tool

jobs_now() { scontrol show jobs -o | grep -c '^JobId=' || true; }

# client_refuses WHAT MESSAGE SRUN-ARGS...: srun fails with MESSAGE before
# any job exists.
client_refuses() {
    local what=$1 message=$2 before
    shift 2
    before=$(jobs_now)
    run srun -t 5 "$@"
    assert_fails "$what: refused"
    assert_contains "$what: the user is told why" "srun: error: $message" "$ERR"
    assert_contains "$what: by the SPANK plugin, on the client" "init_post_opt() failed" "$ERR"
    assert_eq "$what: no job was created" "$before" "$(jobs_now)"
}
client_refuses "srun -p graviton ./true-x86" \
    "stratus: ./true-x86 is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge, c7gn.16xlarge)" \
    -p graviton ./true-x86
client_refuses "srun -p hpc ./true-arm" \
    "stratus: ./true-arm is an arm64 executable but partition hpc runs x86_64 (hpc7a.96xlarge)" -p hpc ./true-arm
client_refuses "srun -p graviton ./script-x86 (#! interpreter)" \
    "stratus: ./script-x86 is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge, c7gn.16xlarge)" \
    -p graviton ./script-x86
client_refuses "srun -p hpc ./script-arm (#! interpreter)" \
    "stratus: ./script-arm is an arm64 executable but partition hpc runs x86_64 (hpc7a.96xlarge)" -p hpc ./script-arm
PATH=$work/bin:$PATH client_refuses "srun -p graviton x86-tool (found on PATH)" \
    "stratus: x86-tool is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge, c7gn.16xlarge)" \
    -p graviton x86-tool
client_refuses "srun --arch=arm64 -p graviton ./true-x86" \
    "stratus: ./true-x86 is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge, c7gn.16xlarge)" \
    --arch=arm64 -p graviton ./true-x86
client_refuses "srun --arch=x86_64 ./true-arm, no partition" \
    "stratus: no partition can run this job: graviton: no instance type is x86_64 (it has hpc7g.16xlarge, c7gn.16xlarge); hpc: ./true-arm is an arm64 executable but hpc runs x86_64 (hpc7a.96xlarge); gpu: ./true-arm is an arm64 executable but gpu runs x86_64 (g6e.12xlarge, p5.48xlarge)" \
    --arch=x86_64 ./true-arm

# Programs that match, and the node's own programs, run.
run srun -p hpc -t 5 ./true-x86
assert_eq "srun -p hpc ./true-x86: runs" 0 "$RC"
run srun -p hpc -t 5 ./script-x86
assert_eq "srun -p hpc ./script-x86: runs" 0 "$RC"
run srun -p graviton -t 5 env
assert_eq "srun -p graviton env (/usr/bin/env): not judged, runs" 0 "$RC"
assert_not_contains "srun -p graviton env: no stratus message" "is an x86_64 executable" "$ERR"
run srun -p graviton -t 5 /bin/true
assert_eq "srun -p graviton /bin/true: not judged, runs" 0 "$RC"

# Inside an allocation srun starts a step: the guard still applies.
run salloc -p graviton -t 5 srun ./true-x86
assert_fails "salloc -p graviton srun ./true-x86: the step is refused"
assert_contains "salloc -p graviton srun ./true-x86: the user is told why" \
    "srun: error: stratus: ./true-x86 is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge, c7gn.16xlarge)" "$ERR"
run salloc -p graviton -t 5 srun --stratus-dry-run touch step-ran
assert_eq "salloc srun --stratus-dry-run: says so, exit 0" \
    "0 stratus: dry run: the step would run in job $(sed -n 's/^salloc: Granted job allocation //p' <<<"$ERR"); only the architecture guard judges steps, and it lets this one run" \
    "$RC $OUT"
assert_eq "salloc srun --stratus-dry-run: the step did not run" no "$([[ -e step-ran ]] && echo yes || echo no)"

# On the node: from another directory with --chdir, the client cannot read
# the program, the node can.
mkdir -p "$SANDBOX/elsewhere"
cd "$SANDBOX/elsewhere" || exit 99
node_type() {
    case $1 in
    graviton-hpc7g-*) echo hpc7g.16xlarge ;;
    graviton-c7gn-*) echo c7gn.16xlarge ;;
    hpc-hpc7a-*) echo hpc7a.96xlarge ;;
    *) echo "unknown node: $1" ;;
    esac
}
# node_refuses WHAT PROGRAM ARCH PARTITION NODE-ARCH [SRUN-ARGS...]
node_refuses() {
    local what=$1 program=$2 arch=$3 partition=$4 node_arch=$5 node
    shift 5
    run srun -t 5 -p "$partition" --chdir="$work" "$@" "$program"
    assert_fails "$what: fails"
    assert_not_contains "$what: the client let it through" "init_post_opt() failed" "$ERR"
    node=$(sed -n 's/^srun: error: \([^:]*\): task 0: Exited with exit code .*/\1/p' <<<"$ERR")
    assert_contains "$what: srun's stderr says why" \
        "stratus: $program is an $arch executable but node $node runs $node_arch ($(node_type "$node"))" "$ERR"
    assert_contains "$what: on a node of the partition" "$partition-" "$node"
}
node_refuses "srun -p graviton --chdir ./true-x86" ./true-x86 x86_64 graviton arm64
node_refuses "srun -p graviton -w graviton-hpc7g-2 --chdir ./true-x86" ./true-x86 x86_64 graviton arm64 -w graviton-hpc7g-2
node_refuses "srun -p graviton --chdir ./script-x86 (#! interpreter)" ./script-x86 x86_64 graviton arm64
node_refuses "srun -p hpc --chdir ./script-arm (#! interpreter)" ./script-arm arm64 hpc x86_64
run srun -p hpc -t 5 --chdir="$work" ./true-x86
assert_eq "srun -p hpc --chdir ./true-x86: runs" 0 "$RC"
