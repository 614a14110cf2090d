#!/usr/bin/env bash
# A throwaway one-node SLURM cluster for CI (Debian, root, no systemd, no cgroups):
#   .ci/slurm.sh up   [STATE_DIR]   install if missing, configure, start munged/slurmctld/slurmd
#   .ci/slurm.sh down [STATE_DIR]   cancel jobs, stop those daemons by PID, remove the config link
# STATE_DIR (or $SLURM_STATE_DIR) holds everything the cluster writes: config, munge key and
# socket, spool, PID and log files. No accounting daemon: run snakemake with
# `--slurm-status-command squeue`, or the plugin polls `sacct` forever.
set -euo pipefail

usage() { echo "usage: $0 up|down [STATE_DIR]  (or set SLURM_STATE_DIR)" >&2; exit 2; }
[ $# -ge 1 ] || usage
action=$1
state=${2:-${SLURM_STATE_DIR:-}}
[ -n "$state" ] || usage
daemons=(slurmd slurmctld munged) # stop order: node, controller, then the auth they both need

# The PID file of each daemon, all under the state dir.
pid_file() { echo "$state/$1.pid"; }

# The PID in a daemon's PID file, if that process is still running and still that daemon: a reused
# PID must never be signalled, and an exited daemon can linger as a zombie until init reaps it.
live_pid() {
    local file pid
    file=$(pid_file "$1")
    # cat, not $(<file): a PID file that vanishes meanwhile (the daemon exiting) must not abort us
    pid=$(cat "$file" 2>/dev/null) || return 1
    [ -n "$pid" ] || return 1
    [ "$(ps -o stat=,comm= -p "$pid" 2>/dev/null | awk '$1 !~ /^Z/ {print $2}')" = "$1" ] && echo "$pid"
}

# Debian's compiled-in config dir (/etc/slurm on Debian 12): asked of the package, not assumed.
# (The list is read whole first: grep -m1 on a pipe could SIGPIPE dpkg and, under pipefail, end us.)
sysconf_dir() {
    local files
    files=$(dpkg -L slurm-client)
    grep -m1 '/slurm$' <<<"$files" || { echo "slurm.sh: no config dir in slurm-client's files" >&2; exit 1; }
}

up() {
    [ "$(id -u)" -eq 0 ] || { echo "slurm.sh up: needs root (apt-get, daemons as root)" >&2; exit 1; }
    if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
        || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            slurm-wlm munge slurm-client
    fi
    # The daemons use fixed ports: a second cluster on this machine would fight over them.
    # (Exited daemons can linger as zombies for a moment: those do not count.)
    local running
    running=$(ps -eo pid=,stat=,comm= | awk '$2 !~ /^Z/ && $3 ~ /^(slurmctld|slurmd)$/')
    if [ -n "$running" ]; then
        printf 'slurm.sh up: SLURM daemons already running; stop them first:\n%s\n' "$running" >&2
        exit 1
    fi

    mkdir -p "$state"
    state=$(cd "$state" && pwd) # absolute: the daemons chdir, and the config names these paths
    local sock="$state/munge/munge.sock"
    # A unix socket path must fit in 108 bytes.
    [ ${#sock} -lt 100 ] || { echo "slurm.sh up: state dir path too long for a socket: $state" >&2; exit 1; }
    mkdir -p "$state/spool/ctld" "$state/spool/d" "$state/munge"
    chmod 700 "$state/munge" # munged refuses a key or socket dir others can read

    local conf_dir link
    conf_dir=$(sysconf_dir)
    link="$conf_dir/slurm.conf"
    # The config must also be at the default path: the jobstep plugin drops SLURM_CONF (with all
    # SLURM_* but the job ids) before its srun inside each job. Never replace someone's real config.
    if [ -e "$link" ] || [ -L "$link" ]; then
        if [ "$(readlink "$link")" != "$state/slurm.conf" ]; then
            echo "slurm.sh up: $link exists and is not this cluster's link; not touching it" >&2
            exit 1
        fi
    fi

    local host ncpu mem
    host=$(hostname -s) # slurmctld only acts as controller on a host named in SlurmctldHost
    ncpu=$(nproc)
    mem=$(($(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo) - 512)) # leave the OS some
    [ -s "$state/munge/munge.key" ] || mungekey --create --keyfile="$state/munge/munge.key"

    # Minimal: no cgroups (proctrack/linuxproc, task/none), no accounting, one node, one partition.
    cat >"$state/slurm.conf" <<EOF
ClusterName=ci
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$(pid_file slurmctld)
SlurmdPidFile=$(pid_file slurmd)
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$ncpu RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    ln -sfn "$state/slurm.conf" "$link"
    echo "$link" >"$state/conf-link" # so `down` removes exactly what `up` created

    munged --force --socket="$sock" --key-file="$state/munge/munge.key" \
        --pid-file="$(pid_file munged)" --log-file="$state/munge/munged.log" \
        --seed-file="$state/munge/munged.seed"
    slurmctld -f "$state/slurm.conf"
    slurmd -f "$state/slurm.conf"

    # Bounded wait: the node reports idle within a second when all is well.
    for _ in $(seq 1 150); do
        if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
            sinfo
            return 0
        fi
        sleep 0.2
    done
    echo "slurm.sh up: node not idle after 30 s; logs follow" >&2
    tail -n 20 "$state"/slurmctld.log "$state"/slurmd.log "$state"/munge/munged.log >&2 || true
    exit 1
}

down() {
    [ -d "$state" ] || return 0 # nothing was started
    state=$(cd "$state" && pwd)
    local d pid left=()
    # Jobs first (they are all ours on this private cluster), so no slurmstepd outlives slurmd.
    if live_pid slurmctld >/dev/null; then
        squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
        for _ in $(seq 1 50); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    for d in "${daemons[@]}"; do
        pid=$(live_pid "$d") || continue
        kill -TERM "$pid" 2>/dev/null || continue # it exited meanwhile
        for _ in $(seq 1 50); do # up to 10 s to shut down cleanly, then force
            live_pid "$d" >/dev/null || break
            sleep 0.2
        done
        if live_pid "$d" >/dev/null; then kill -KILL "$pid" && sleep 0.5; fi
    done
    for d in "${daemons[@]}"; do
        if pid=$(live_pid "$d"); then left+=("$d:$pid"); fi
    done
    if [ -s "$state/conf-link" ]; then
        local link
        link=$(<"$state/conf-link")
        if [ "$(readlink "$link")" = "$state/slurm.conf" ]; then rm -f "$link"; fi
        rm -f "$state/conf-link"
    fi
    if [ ${#left[@]} -gt 0 ]; then
        echo "slurm.sh down: still running: ${left[*]}" >&2
        exit 1
    fi
    echo "slurm cluster in $state stopped"
}

case $action in
up) up ;;
down) down ;;
*) usage ;;
esac
