#!/usr/bin/env bash
# A real single-node Slurm cluster for the batch tests and benchmarks: Debian's slurm-wlm 22.05 with its own munged,
# everything under DATA_DIR (configuration, state, spool, logs, the munge key and socket) and bound to loopback, so it
# never touches /etc/slurm or a system munged, and two data dirs never clash. Every process is stopped by PID.
#
#   slurm-cluster.sh install                         install slurm-wlm and munge (apt; root) unless present
#   slurm-cluster.sh up DATA_DIR CTLD_PORT SLURMD_PORT  start (idempotent: exits at once if DATA_DIR's node is idle)
#   slurm-cluster.sh down DATA_DIR                   stop everything started for DATA_DIR and delete it
#
# The client commands (sbatch, scontrol, scancel, sinfo) reach it with SLURM_CONF=DATA_DIR/slurm.conf.
set -euo pipefail

log() { echo "$(date +%T.%3N) slurm-cluster: $*"; }

alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s:0:1}" != Z ]; }

wait_for() { # wait_for SECONDS COMMAND...
  local n=$(($1 * 10)); shift
  until "$@" >/dev/null 2>&1; do
    n=$((n - 1)); [ $n -gt 0 ] || { echo "timeout: $*" >&2; return 1; }; sleep 0.1
  done
}

# Signals the process of PID_FILE only if its command line names DATA_DIR (a reused PID is never signalled).
stop_pid() { # stop_pid DATA_DIR PID_FILE
  local d=$1 f=$2 p
  [ -s "$f" ] || return 0; p=$(cat "$f")
  if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$d/"; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 100); do alive "$p" || break; sleep 0.05; done
    alive "$p" && kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$f"
}

node_idle() { SLURM_CONF="$1/slurm.conf" sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; }

cmd=${1:?usage: $0 install|up|down ...}
case "$cmd" in
  install)
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "Slurm is not installed and installing it needs root (apt-get install slurm-wlm munge)" >&2; exit 3; }
    log "installing slurm-wlm munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
    ;;

  up)
    D=$(realpath -m "${2:?data dir}"); CTLD_PORT=${3:?slurmctld port}; SLURMD_PORT=${4:?slurmd port}
    [ "$(id -u)" = 0 ] || { echo "the test cluster runs its daemons as root" >&2; exit 3; }
    if [ -f "$D/ready" ] && node_idle "$D"; then log "already up ($D/slurm.conf)"; exit 0; fi
    "$0" down "$D" >/dev/null 2>&1 || true
    trap '[ -f "$D/ready" ] || "$0" down "$D" >/dev/null 2>&1' EXIT   # never leave half a cluster behind
    mkdir -p "$D"/{state,spool,log,munge,run}
    chmod 700 "$D/munge"
    NODE=$(hostname -s); CPUS=$(nproc)
    # A key of its own; munged refuses a key others can read.
    dd if=/dev/urandom of="$D/munge/munge.key" bs=1 count=1024 status=none; chmod 600 "$D/munge/munge.key"
    munged --force --socket="$D/munge/munge.socket" --key-file="$D/munge/munge.key" --pid-file="$D/run/munged.pid" \
      --log-file="$D/log/munged.log" --seed-file="$D/munge/munged.seed"
    wait_for 10 test -S "$D/munge/munge.socket"
    cat > "$D/slurm.conf" <<EOF
ClusterName=kgtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MinJobAge=600
SchedulerParameters=sched_interval=1
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    log "starting slurmctld on 127.0.0.1:$CTLD_PORT and slurmd on :$SLURMD_PORT"
    slurmctld -i -f "$D/slurm.conf"
    slurmd -f "$D/slurm.conf"
    wait_for 60 node_idle "$D" || { tail -n 20 "$D"/log/*.log >&2; exit 1; }
    touch "$D/ready"
    log "ready: SLURM_CONF=$D/slurm.conf"
    ;;

  down)
    D=$(realpath -m "${2:?data dir}")
    [ -d "$D" ] || exit 0
    [ -f "$D/slurm.conf" ] || [ -z "$(ls -A "$D")" ] || { echo "refusing to delete $D: it is not a test cluster" >&2; exit 2; }
    for n in slurmd slurmctld munged; do stop_pid "$D" "$D/run/$n.pid"; done
    rm -rf "$D"
    ;;

  *) echo "usage: $0 install|up|down ..." >&2; exit 2 ;;
esac
