#!/bin/sh
# on-node-configured.sh: install Stratus on an AWS ParallelCluster node.
#
# For CustomActions/OnNodeConfigured of the head node, of every queue and of
# login node pools (see README.md next to this file). Runs as root.
#
#   on-node-configured.sh TARBALL [--role head|compute|login] [--conf SRC]
#                                 [--sha256 HEX] [--tag]
#
# TARBALL  a `make install DESTDIR=...` tree packed as .tar.gz: an s3:// URI
#          (fetched with `aws s3 cp`) or an absolute path. Built with
#          --with-slurm=/opt/slurm --with-slurm-plugindir=/opt/slurm/lib/slurm
#          --with-slurm-confdir=/opt/slurm/etc --sysconfdir=/opt/slurm/etc
#          and the default prefix /usr/local. A name containing
#          -slurm-X.Y.Z is checked against the node's Slurm.
# --role   head, compute or login; default: cfn_node_type of
#          /etc/parallelcluster/cfnconfig (HeadNode, ComputeFleet, LoginNode).
# --conf   head node only: stratus.conf to install as /opt/slurm/etc/stratus.conf
#          (s3:// URI or absolute path), after `stratus-catalog --conf FILE check`.
# --sha256 the tarball's SHA-256; the install stops if it differs.
# --tag    head node only: run stratus-tag(8) from slurmd's prolog and epilog
#          (50_stratus_tag in the directories of slurm.conf's Prolog= and Epilog=).
#
# Head node: unpacks everything (/usr/local, and the plugins and the SPANK
# drop-in under /opt/slurm, which ParallelCluster shares with every node),
# checks that the plugins and tools find their libraries, includes the
# drop-in from plugstack.conf, and logs which slurm.conf settings are still
# missing. It never edits slurm.conf: ParallelCluster owns it; those settings
# go into the cluster configuration (Scheduling/SlurmSettings/CustomSlurmSettings).
# Compute and login nodes: unpack /usr/local only, wait for the head node's
# shared files, check the libraries, make sure plugstack.conf includes the
# drop-in. Running it again changes nothing that is already in place.
# Log: /var/log/stratus-on-node-configured.log (and standard error).
set -eu
umask 022

LOG=/var/log/stratus-on-node-configured.log
SLURM_PREFIX=/opt/slurm
PLUGIN_DIR=$SLURM_PREFIX/lib/slurm
SLURM_ETC=$SLURM_PREFIX/etc
DROPIN=$SLURM_ETC/plugstack.conf.d/stratus.conf
STRATUS_CONF=$SLURM_ETC/stratus.conf
CFNCONFIG=/etc/parallelcluster/cfnconfig
TAG_SCRIPT=50_stratus_tag
WAIT_SECONDS=600

STAGE=""
LOCK=""

usage() {
    cat >&2 <<'EOF'
usage: on-node-configured.sh TARBALL [--role head|compute|login] [--conf SRC]
                             [--sha256 HEX] [--tag]
  TARBALL   s3:// URI or absolute path of a Stratus `make install` tree (.tar.gz)
  --role    head, compute or login (default: cfn_node_type of /etc/parallelcluster/cfnconfig)
  --conf    head node: stratus.conf to install as /opt/slurm/etc/stratus.conf
  --sha256  the tarball's SHA-256
  --tag     head node: run stratus-tag from slurmd's prolog and epilog
EOF
}

log() {
    msg="$(date -u +%Y-%m-%dT%H:%M:%SZ) on-node-configured[$$]: $*"
    printf '%s\n' "$msg" >>"$LOG"
    printf '%s\n' "$msg" >&2
}

die() {
    log "error: $*"
    exit 1
}

cleanup() {
    if [ -n "$LOCK" ]; then rmdir "$LOCK" 2>/dev/null || :; fi
    if [ -n "$STAGE" ]; then rm -rf "$STAGE"; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# The value of KEY= in cfnconfig, without quotes or blanks. The file is read,
# never sourced.
cfn_value() {
    [ -r "$CFNCONFIG" ] || return 0
    sed -n "s/^$1=//p" "$CFNCONFIG" | head -n 1 | tr -d "\"'\\r \\t"
}

detect_role() {
    [ -r "$CFNCONFIG" ] || die "cannot tell the node type: $CFNCONFIG is not readable; pass --role head|compute|login"
    t=$(cfn_value cfn_node_type)
    case $t in
        HeadNode | MasterServer) ROLE="head" ;;
        ComputeFleet) ROLE="compute" ;;
        LoginNode) ROLE="login" ;;
        "") die "no cfn_node_type in $CFNCONFIG; pass --role head|compute|login" ;;
        *) die "unknown cfn_node_type '$t' in $CFNCONFIG; pass --role head|compute|login" ;;
    esac
}

# fetch SRC DEST: an s3:// URI or an absolute path.
fetch() {
    case $1 in
        s3://*)
            command -v aws >/dev/null 2>&1 || die "the aws CLI is not installed: it is needed to fetch $1"
            aws s3 cp --only-show-errors "$1" "$2" >>"$LOG" 2>&1 ||
                die "cannot fetch $1 (aws s3 cp failed, see $LOG): does the node's Iam/S3Access allow the bucket?"
            ;;
        /*)
            if [ ! -f "$1" ] || [ ! -r "$1" ]; then die "not a readable file: $1"; fi
            cp "$1" "$2"
            ;;
        *) die "$1: expected an s3:// URI or an absolute path" ;;
    esac
}

# scontrol show config, once, into $STAGE/config (empty when slurmctld does
# not answer within 30 s).
load_config() {
    [ -f "$STAGE/config" ] && return 0
    : >"$STAGE/config"
    if [ -x "$SLURM_PREFIX/bin/scontrol" ] && command -v timeout >/dev/null 2>&1; then
        timeout 30 "$SLURM_PREFIX/bin/scontrol" show config >"$STAGE/config" 2>/dev/null || : >"$STAGE/config"
    fi
}

# config_value KEY: KEY's value in scontrol show config ("" when unknown).
config_value() {
    load_config
    sed -n "s/^$1 *= *//p" "$STAGE/config" | head -n 1
}

installed_slurm_version() {
    v=""
    h=$SLURM_PREFIX/include/slurm/slurm_version.h
    if [ -r "$h" ]; then
        v=$(sed -n 's/^#define SLURM_VERSION_STRING "\([^"]*\)".*/\1/p' "$h" | head -n 1)
    fi
    if [ -z "$v" ] && [ -x "$SLURM_PREFIX/bin/scontrol" ]; then
        v=$("$SLURM_PREFIX/bin/scontrol" --version 2>/dev/null | sed -n 's/^slurm \([0-9][0-9.]*\).*/\1/p' | head -n 1)
    fi
    printf '%s' "$v"
}

check_slurm_version() {
    built=$(basename "$SRC" | sed -n 's/.*-slurm-\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
    have=$(installed_slurm_version)
    if [ -z "$built" ]; then
        log "warning: $(basename "$SRC") does not say which Slurm it was built for (-slurm-X.Y.Z): not checked against Slurm ${have:-(unknown)}"
        return 0
    fi
    [ -n "$have" ] || die "cannot read the installed Slurm version ($SLURM_PREFIX/include/slurm/slurm_version.h, $SLURM_PREFIX/bin/scontrol)"
    [ "$built" = "$have" ] ||
        die "$(basename "$SRC") was built for Slurm $built, this node runs Slurm $have: rebuild Stratus against this cluster's Slurm"
    log "Slurm $have: matches the build"
}

# Unpacks the tarball into $STAGE/tree and checks what it holds.
stage_tarball() {
    mkdir "$STAGE/tree"
    tar -xzf "$STAGE/stratus.tar.gz" -C "$STAGE/tree" --no-same-owner --no-same-permissions ||
        die "cannot unpack $SRC (not a .tar.gz?)"
    odd=$(find "$STAGE/tree" ! -type f ! -type d -print | head -n 5)
    [ -z "$odd" ] || die "$SRC holds entries that are neither files nor directories: $odd"
    stray=$(cd "$STAGE/tree" && find . -type f ! -path './usr/local/*' ! -path './opt/slurm/lib/slurm/*' \
        ! -path './opt/slurm/etc/plugstack.conf.d/*' -print | head -n 5)
    [ -z "$stray" ] || die "$SRC holds files outside /usr/local, $PLUGIN_DIR and $SLURM_ETC/plugstack.conf.d (other --prefix, --with-slurm-plugindir or --sysconfdir?): $stray"
    for f in "${PLUGIN_DIR#/}/spank_stratus.so" "${PLUGIN_DIR#/}/job_submit_stratus.so" "${DROPIN#/}" \
        usr/local/sbin/stratus-tag usr/local/bin/stratus-catalog; do
        [ -f "$STAGE/tree/$f" ] || die "$SRC has no /$f: build with the configure options in the header of $0"
    done
    grep -qF "$PLUGIN_DIR/spank_stratus.so" "$STAGE/tree/${DROPIN#/}" ||
        die "the drop-in /${DROPIN#/} in $SRC does not load $PLUGIN_DIR/spank_stratus.so: configure with --with-slurm-plugindir=$PLUGIN_DIR"
}

# install_parts PART...: copies those top directories of the staged tree into
# /. Files belong to root; existing directories keep their owner and mode.
install_parts() {
    tar -C "$STAGE/tree" -cf "$STAGE/payload.tar" "$@"
    tar -C / -xf "$STAGE/payload.tar" --no-same-owner --no-overwrite-dir || die "cannot install $* from $SRC"
    log "installed $(printf '/%s ' "$@")from $(basename "$SRC")"
}

# check_libs FILE...: every FILE loads on this node (all its libraries found).
# Files that do not exist are skipped.
check_libs() {
    command -v ldd >/dev/null 2>&1 || die "ldd is not installed: cannot check the libraries of Stratus"
    for f in "$@"; do
        [ -f "$f" ] || continue
        name=${f#"$STAGE/tree"}
        out=$(ldd "$f" 2>&1) || die "$name cannot be loaded here ($out): built for another architecture or OS?"
        case $out in
            *"not found"*)
                missing=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found.*/\1/p' | tr '\n' ' ')
                die "$name needs libraries this node lacks: ${missing}(runtime packages: jansson libcurl libxml2 on Amazon Linux and RHEL; libjansson4 libcurl4 libxml2 on Ubuntu)"
                ;;
        esac
    done
    log "every library found for: $(printf '%s ' "$@" | sed "s|$STAGE/tree||g")"
}

# Compute and login nodes: the head node installs the files under /opt/slurm
# (shared); wait for them, and warn when they are not from this tarball.
wait_for_shared() {
    for rel in "${PLUGIN_DIR#/}/spank_stratus.so" "${DROPIN#/}"; do
        waited=0
        while [ ! -f "/$rel" ]; do
            [ "$waited" -lt "$WAIT_SECONDS" ] ||
                die "/$rel is still missing after ${WAIT_SECONDS} s: the head node installs it into the shared $SLURM_PREFIX (does the head node run this script? see its $LOG)"
            sleep 10
            waited=$((waited + 10))
        done
        cmp -s "$STAGE/tree/$rel" "/$rel" ||
            log "warning: /$rel (installed by the head node) differs from the one in $(basename "$SRC"): give every node the tarball the head node has"
    done
}

lock_take() {
    waited=0
    until mkdir "$1" 2>/dev/null; do
        if [ -n "$(find "$1" -maxdepth 0 -mmin +10 2>/dev/null)" ]; then
            log "removing the stale lock $1"
            rmdir "$1" 2>/dev/null || :
            continue
        fi
        [ "$waited" -lt 300 ] || die "cannot take the lock $1 (held for 300 s)"
        sleep 2
        waited=$((waited + 2))
    done
    LOCK=$1
}

lock_drop() {
    rmdir "$LOCK" 2>/dev/null || :
    LOCK=""
}

# plugstack_loads FILE: whether FILE already loads spank_stratus.so, through
# an include that matches the drop-in or a line naming the plugin.
plugstack_loads() {
    dir=$(dirname "$1")
    kw=""
    while read -r kw arg _ || [ -n "$kw" ]; do
        case $kw in
            include)
                case $arg in /*) ;; *) arg=$dir/$arg ;; esac
                # shellcheck disable=SC2254 # an include path is a glob: match it as one
                case $DROPIN in $arg) return 0 ;; esac
                ;;
            required | optional)
                case $arg in */spank_stratus.so) return 0 ;; esac
                ;;
        esac
    done <"$1"
    return 1
}

# Adds "include DROPIN" to plugstack.conf unless it loads the plugin already.
# plugstack.conf is shared by all nodes: nodes take turns through a lock.
ensure_include() {
    ps=$(config_value PlugStackConfig)
    case $ps in /*) ;; *) ps=$SLURM_ETC/plugstack.conf ;; esac
    line="include $DROPIN"
    lock_take "$ps.stratus-lock"
    if [ -f "$ps" ] && plugstack_loads "$ps"; then
        log "$ps already loads the Stratus SPANK plugin: unchanged"
        lock_drop
        return 0
    fi
    tmp="$ps.stratus-new.$$"
    if [ -f "$ps" ]; then
        cp -p "$ps" "$tmp"
        if [ -s "$tmp" ] && [ "$(tail -c 1 "$tmp" | wc -l | tr -d ' ')" = 0 ]; then printf '\n' >>"$tmp"; fi
        printf '# Stratus SPANK plugin (spank_stratus(8)), added by on-node-configured.sh\n%s\n' "$line" >>"$tmp"
    else
        printf '# SPANK plugins (PlugStackConfig of slurm.conf).\n# Stratus SPANK plugin (spank_stratus(8)), added by on-node-configured.sh\n%s\n' \
            "$line" >"$tmp"
        chmod 0644 "$tmp"
    fi
    mv -f "$tmp" "$ps"
    lock_drop
    log "added '$line' to $ps (new sbatch, salloc and srun commands and job steps load it)"
}

# write_file PATH MODE: standard input to PATH, replaced in one rename.
write_file() {
    tmp="$1.stratus-new.$$"
    cat >"$tmp"
    chmod "$2" "$tmp"
    mv -f "$tmp" "$1"
}

# tag_dir KEY: the directory of slurm.conf's KEY=DIR/* (Prolog, Epilog).
tag_dir() {
    v=$(config_value "$1")
    if [ -z "$v" ]; then
        lc=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
        [ -d "$SLURM_ETC/scripts/$lc.d" ] || die "cannot read $1 from slurmctld and $SLURM_ETC/scripts/$lc.d does not exist"
        printf '%s' "$SLURM_ETC/scripts/$lc.d"
        return 0
    fi
    case $v in
        /*/\*) d=${v%/\*} ;;
        *) die "slurm.conf has $1=$v, not a directory of scripts (ParallelCluster 3.6 and later set $1=.../*): add stratus-tag to it by hand" ;;
    esac
    [ -d "$d" ] || die "$1 names $d, which does not exist"
    printf '%s' "$d"
}

install_tag_scripts() {
    for kind in prolog epilog; do
        case $kind in prolog) key=Prolog ;; epilog) key=Epilog ;; esac
        d=$(tag_dir "$key")
        write_file "$d/$TAG_SCRIPT" 0755 <<EOF
#!/bin/sh
# Stratus: per-job EC2 tags (stratus-tag(8)), installed by on-node-configured.sh.
# A node without stratus-tag runs its jobs untagged.
if [ -x /usr/local/sbin/stratus-tag ]; then exec /usr/local/sbin/stratus-tag $kind; fi
exit 0
EOF
        log "$d/$TAG_SCRIPT runs stratus-tag $kind"
    done
}

install_conf() {
    fetch "$CONF_SRC" "$STAGE/stratus.conf"
    /usr/local/bin/stratus-catalog --conf "$STAGE/stratus.conf" check >>"$LOG" 2>&1 ||
        die "$CONF_SRC does not pass 'stratus-catalog --conf FILE check' (see $LOG)"
    write_file "$STRATUS_CONF" 0644 <"$STAGE/stratus.conf"
    log "installed $STRATUS_CONF from $CONF_SRC (slurmctld's plugin reloads it within ReloadInterval)"
}

# What the cluster configuration still has to say: logged, never written.
report_head() {
    jsp=$(config_value JobSubmitPlugins)
    eps=$(config_value EpilogSlurmctld)
    pf=$(config_value PrologFlags)
    acct=$(config_value AccountingStorageType)
    if [ ! -s "$STAGE/config" ]; then
        log "slurmctld did not answer scontrol show config: cannot say which settings are missing"
        return 0
    fi
    log "slurmctld runs with JobSubmitPlugins=${jsp:-?} EpilogSlurmctld=${eps:-?} PrologFlags=${pf:-?} AccountingStorageType=${acct:-?}"
    case $jsp in
        *stratus*) ;;
        *) log "todo: Scheduling/SlurmSettings/CustomSlurmSettings: '- JobSubmitPlugins: stratus' (policy in slurmctld), then pcluster update-cluster" ;;
    esac
    case $eps in
        */stratus-jobcost*) ;;
        *) log "todo (actual cost per job): CustomSlurmSettings '- EpilogSlurmctld: /usr/local/sbin/stratus-jobcost', with accounting (SlurmSettings/Database)" ;;
    esac
    if [ "$TAG" = yes ]; then
        case $pf in
            *[Aa]lloc*) ;;
            *) log "todo (tags on every node of a job): CustomSlurmSettings '- PrologFlags: Alloc' (stratus-tag(8))" ;;
        esac
    fi
    case $acct in
        *slurmdbd*) ;;
        *) log "note: no slurmdbd accounting: stratus-jobcost, stratus-cost and stratus-spend need it" ;;
    esac
    if [ -f "$STRATUS_CONF" ]; then
        if /usr/local/bin/stratus-catalog --conf "$STRATUS_CONF" check >>"$LOG" 2>&1; then
            log "$STRATUS_CONF passes stratus-catalog check"
        else
            log "warning: $STRATUS_CONF does not pass stratus-catalog check (see $LOG)"
        fi
    else
        log "note: no $STRATUS_CONF yet: Stratus checks nothing until it exists (--conf, or write it by hand)"
    fi
}

# ---- arguments ------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
    echo "on-node-configured.sh: must run as root" >&2
    exit 1
fi
case ${1:-} in
    "" | -h | --help)
        usage
        exit 2
        ;;
esac
SRC=$1
shift
ROLE=""
CONF_SRC=""
SHA256=""
TAG=no
while [ $# -gt 0 ]; do
    case $1 in
        --role | --conf | --sha256)
            [ $# -ge 2 ] || die "$1 needs a value"
            case $1 in
                --role) ROLE=$2 ;;
                --conf) CONF_SRC=$2 ;;
                --sha256) SHA256=$2 ;;
            esac
            shift 2
            ;;
        --role=*) ROLE=${1#--role=} && shift ;;
        --conf=*) CONF_SRC=${1#--conf=} && shift ;;
        --sha256=*) SHA256=${1#--sha256=} && shift ;;
        --tag) TAG=yes && shift ;;
        *) die "unknown argument: $1 (usage: on-node-configured.sh TARBALL [--role head|compute|login] [--conf SRC] [--sha256 HEX] [--tag])" ;;
    esac
done
[ -n "$ROLE" ] || detect_role
case $ROLE in
    head | compute | login) ;;
    *) die "--role: expected head, compute or login, not '$ROLE'" ;;
esac
if [ -n "$SHA256" ]; then
    case $SHA256 in *[!0-9a-f]*) die "--sha256: expected 64 lower-case hex digits" ;; esac
    [ ${#SHA256} -eq 64 ] || die "--sha256: expected 64 lower-case hex digits"
fi
if [ "$ROLE" != head ] && { [ -n "$CONF_SRC" ] || [ "$TAG" = yes ]; }; then
    die "--conf and --tag are for the head node (they write the shared $SLURM_ETC)"
fi
# The AWS CLI needs a region; ParallelCluster's is in cfnconfig.
if [ -z "${AWS_REGION:-}${AWS_DEFAULT_REGION:-}" ]; then
    region=$(cfn_value cfn_region)
    case $region in
        "" | *[!a-z0-9-]*) ;;
        *)
            AWS_DEFAULT_REGION=$region
            export AWS_DEFAULT_REGION
            ;;
    esac
fi

# ---- install ----------------------------------------------------------------------
log "start: role $ROLE, tarball $SRC"
[ -d "$SLURM_PREFIX" ] || die "$SLURM_PREFIX does not exist: not a ParallelCluster node?"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/stratus-install.XXXXXX")
check_slurm_version
fetch "$SRC" "$STAGE/stratus.tar.gz"
if [ -n "$SHA256" ]; then
    sum=$(sha256sum "$STAGE/stratus.tar.gz" | cut -d ' ' -f 1)
    [ "$sum" = "$SHA256" ] || die "$SRC has SHA-256 $sum, not $SHA256"
fi
stage_tarball

# Libraries are checked on the staged copies: a node that cannot load
# Stratus gets none of it.
T=$STAGE/tree
case $ROLE in
    head)
        check_libs "$T$PLUGIN_DIR/job_submit_stratus.so" "$T$PLUGIN_DIR/spank_stratus.so" \
            "$T/usr/local/bin/stratus-catalog" "$T/usr/local/bin/stratus-cost" \
            "$T/usr/local/sbin/stratus-jobcost" "$T/usr/local/sbin/stratus-spend" "$T/usr/local/sbin/stratus-tag"
        install_parts usr opt
        [ -z "$CONF_SRC" ] || install_conf
        [ "$TAG" = no ] || install_tag_scripts
        ensure_include
        report_head
        ;;
    compute | login)
        check_libs "$T$PLUGIN_DIR/spank_stratus.so" "$T/usr/local/sbin/stratus-tag"
        install_parts usr
        wait_for_shared
        ensure_include
        ;;
esac
log "done: role $ROLE"
