#!/bin/bash
# shellcheck disable=SC2119
# contrib/sandbox/stratus-sandbox itself: the cluster it builds, status, env,
# up on a running sandbox (fresh start), down, and its safety checks.
. "${STRATUS_TOP_SRCDIR:-${srcdir:-.}}/tests/system/lib.sh"
start_sandbox
S=$SANDBOX_SCRIPT
CATALOG=$STRATUS_TOP_BUILDDIR/tools/stratus-catalog

run "$S" --dir "$SANDBOX" status
assert_eq "status: exit status with everything running" 0 "$RC"
assert_eq "status: 8 daemons running" 8 "$(grep -cE '^(munged|slurmctld|slurmd-[a-z0-9-]+) +[0-9]+$' <<<"$OUT")"
assert_contains "status: shows sinfo" "PARTITION AVAIL" "$OUT"

run bash -c "unset SLURM_CONF; eval \"\$('$S' --dir '$SANDBOX' env)\" && sinfo -h -o '%P %D %t'"
assert_eq "env: a shell that evals it reaches the sandbox" "graviton 3 idle
hpc 1 idle
gpu 2 idle" "$OUT"

assert_eq "stratus.conf" "Region=us-east-1
PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge
PartitionName=hpc InstanceTypes=hpc7a.96xlarge
PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge
ReloadInterval=1
StateDir=$SANDBOX/state" "$(grep -v '^#' "$SANDBOX/etc/stratus.conf")"

# Nodes have the real instance sizes, as stratus-catalog describes them.
for node in graviton-hpc7g-1:hpc7g.16xlarge graviton-c7gn-1:c7gn.16xlarge hpc-hpc7a-1:hpc7a.96xlarge \
    gpu-g6e-1:g6e.12xlarge gpu-p5-1:p5.48xlarge; do
    name=${node%%:*} type=${node#*:}
    want=$("$CATALOG" node-line --name "$name" "$type")
    cpus=$(grep -o 'CPUs=[0-9]*' <<<"$want") mem=$(grep -o 'RealMemory=[0-9]*' <<<"$want")
    gres=$(grep -o 'Gres=[^ ]*' <<<"$want" || echo 'Gres=(null)')
    features=$(grep -o 'Features=[^ ]*' <<<"$want")
    got=$(scontrol show node -o "$name")
    assert_contains "$name: ${cpus/CPUs/CPUTot}" " ${cpus/CPUs/CPUTot} " "$got"
    assert_contains "$name: $mem" " $mem " "$got"
    assert_contains "$name: $gres" " $gres " "$got"
    assert_contains "$name: Available$features" " Available$features " "$got"
    assert_contains "$name: idle" " State=IDLE " "$got"
done

part() { scontrol show partition -o "$1"; }
assert_contains "graviton: DefaultTime" "DefaultTime=01:00:00 " "$(part graviton)"
assert_contains "graviton: MaxTime" "MaxTime=1-00:00:00 " "$(part graviton)"
assert_contains "hpc: no DefaultTime" "DefaultTime=NONE " "$(part hpc)"
assert_contains "hpc: MaxTime" "MaxTime=12:00:00 " "$(part hpc)"
assert_contains "gpu: nodes" "Nodes=gpu-g6e-1,gpu-p5-1 " "$(part gpu)"
assert_eq "no partition is Default=YES" 0 "$(scontrol show partition -o | grep -c 'Default=YES')"

# up on a running sandbox: everything restarts, state is wiped.
submit -H -p graviton --wrap=true
old_ctld=$(awk '{print $1}' "$SANDBOX/pids/slurmctld.pid")
run "$S" --dir "$SANDBOX" --build-dir "$STRATUS_TOP_BUILDDIR" --quiet up
assert_eq "up again: exit status" 0 "$RC"
assert_eq "up again: quiet" "" "$OUT"
new_ctld=$(awk '{print $1}' "$SANDBOX/pids/slurmctld.pid")
assert_eq "up again: the old slurmctld is gone" 0 "$(alive "$old_ctld")"
assert_eq "up again: a new slurmctld runs" 1 "$(alive "$new_ctld")"
assert_eq "up again: no jobs left from before" "" "$(squeue -h -o %i)"
assert_eq "up without --no-spank: the SPANK plugin is loaded through PlugStackConfig" \
    "required $STRATUS_TOP_BUILDDIR/plugins/spank/.libs/spank_stratus.so" "$(grep -v '^#' "$SANDBOX/etc/plugstack.conf")"
mkdir -p "$SANDBOX/work"
cd "$SANDBOX/work" || exit 99

# down: every daemon stops, logs stay.
pids=$(awk '{print $1}' "$SANDBOX"/pids/*.pid)
run "$S" --dir "$SANDBOX" down
assert_eq "down: exit status" 0 "$RC"
left=0
for pid in $pids; do left=$((left + $(alive "$pid"))); done
assert_eq "down: no daemon left" 0 "$left"
assert_eq "down: pid files removed" "" "$(ls "$SANDBOX/pids")"
assert_eq "down: slurmctld.log kept" 1 "$([[ -s $SANDBOX/log/slurmctld.log ]] && echo 1 || echo 0)"
run "$S" --dir "$SANDBOX" status
assert_eq "status after down: exit status" 1 "$RC"
run "$S" --dir "$SANDBOX" down
assert_eq "down twice: fine" 0 "$RC"

# Safety: never wipe a directory that is not a sandbox.
other=$(mktemp -d /tmp/stratus-foreign.XXXXXX)
echo precious >"$other/file"
run "$S" --dir "$other" up
assert_eq "up in a foreign non-empty directory: refused" 1 "$RC"
assert_contains "up in a foreign non-empty directory: says why" "is not empty and is not a sandbox" "$ERR"
assert_eq "up in a foreign non-empty directory: nothing touched" precious "$(cat "$other/file")"
rm -rf "$other"
run "$S" --dir "/tmp/$(printf 'x%.0s' {1..50})" up
assert_eq "up with a too long --dir: refused" 1 "$RC"
assert_contains "up with a too long --dir: says why" "is too long (55 characters, at most 48" "$ERR"
run "$S" --job-submit=slurm up
assert_eq "bad --job-submit: refused" 1 "$RC"
assert_contains "bad --job-submit: says why" "--job-submit: expected stratus, lua or none: slurm" "$ERR"

# --job-submit=none --no-spank: plain Slurm, no Stratus message.
run "$S" --dir "$SANDBOX" --build-dir "$STRATUS_TOP_BUILDDIR" --quiet --job-submit=none --no-spank up
assert_eq "--job-submit=none: up" 0 "$RC"
assert_contains "--job-submit=none: slurm.conf" "#JobSubmitPlugins=" "$(cat "$SLURM_CONF")"
mkdir -p "$SANDBOX/work"
cd "$SANDBOX/work" || exit 99
submit -p gpu --gpus-per-node=16 --wrap=true
assert_eq "--job-submit=none: Slurm itself refuses 16 GPUs per node" \
    "sbatch: error: Batch job submission failed: Requested node configuration is not available" "$ERR"
submit --wrap=true
assert_eq "--job-submit=none: nobody routes a job without a partition" \
    "sbatch: error: Batch job submission failed: No partition specified or system default partition" "$ERR"
submit -H -p gpu --gpus-per-node=2 --wrap=true
assert_eq "--job-submit=none: a feasible job is accepted" 0 "$RC"
assert_eq "--job-submit=none: without AdminComment" "" "$(job_field "$JOB" AdminComment)"

# --job-submit=lua with contrib/job_submit.lua, when that file exists.
if [[ -f $STRATUS_TOP_SRCDIR/contrib/job_submit.lua ]]; then
    run "$S" --dir "$SANDBOX" --build-dir "$STRATUS_TOP_BUILDDIR" --quiet --job-submit=lua --no-spank up
    assert_eq "--job-submit=lua: up" 0 "$RC"
    assert_eq "--job-submit=lua: job_submit.lua installed next to slurm.conf" 1 \
        "$([[ -f $SANDBOX/etc/job_submit.lua ]] && echo 1 || echo 0)"
    mkdir -p "$SANDBOX/work"
    cd "$SANDBOX/work" || exit 99
    submit -H -p gpu --gpus-per-node=2 --wrap=true
    assert_eq "--job-submit=lua: a feasible job is accepted" 0 "$RC"
fi
