#!/usr/bin/env bash
# A real S3 server on loopback for the integration tests: a throwaway single-node Ceph (1 monitor, 1 in-memory OSD,
# the RADOS Gateway), from Debian's packages, bound to 127.0.0.1 only. Every process is stopped by PID.
#
#   s3-server.sh install                    install radosgw, ceph-mon, ceph-osd (apt; root) unless present
#   s3-server.sh up DATA_DIR PORT           start (idempotent: exits at once if DATA_DIR already serves PORT)
#   s3-server.sh down DATA_DIR              stop everything started for DATA_DIR and delete it
#   s3-server.sh stop-gateway DATA_DIR      stop only radosgw (the S3 endpoint); the stored objects survive
#   s3-server.sh start-gateway DATA_DIR     start radosgw again
#
# Env: S3_ACCESS_KEY, S3_SECRET_KEY (the test user's keys), MON_PORT (default PORT+1).
set -euo pipefail

AK=${S3_ACCESS_KEY:-KGTESTACCESSKEY00000}
SK=${S3_SECRET_KEY:-kgtestsecretkey000000000000000000000000000}

log() { echo "$(date +%T.%3N) s3-server: $*"; }

wait_for() { # wait_for SECONDS COMMAND...
  local n=$(($1 * 10)); shift
  until "$@" >/dev/null 2>&1; do
    n=$((n - 1)); [ $n -gt 0 ] || { echo "timeout: $*" >&2; return 1; }; sleep 0.1
  done
}

alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s:0:1}" != Z ]; }

# Signals the daemon NAME of DATA_DIR by its PID file, only if its command line names this DATA_DIR's ceph.conf.
stop_daemon() { # stop_daemon DATA_DIR NAME SIGNAL
  local d=$1 name=$2 sig=$3 f p
  f="$d/run/$name.pid"; [ -s "$f" ] || return 0; p=$(cat "$f")
  tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$d/ceph.conf" || { rm -f "$f"; return 0; }
  kill "-$sig" "$p" 2>/dev/null || true
  for _ in $(seq 200); do alive "$p" || break; sleep 0.05; done
  alive "$p" && kill -KILL "$p" 2>/dev/null || true
  rm -f "$f"
}

cmd=${1:?usage: $0 install|up|down|stop-gateway|start-gateway ...}
case "$cmd" in
  install)
    if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null; then exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "radosgw is not installed and installing it needs root (apt-get install radosgw ceph-mon ceph-osd)" >&2; exit 3; }
    log "installing radosgw ceph-mon ceph-osd"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null
    ;;

  up)
    D=$(realpath -m "${2:?data dir}"); PORT=${3:?port}; MON_PORT=${MON_PORT:-$((PORT + 1))}
    C="$D/ceph.conf"; CEPH="ceph -c $C --connect-timeout 30"
    s3_up() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/"; }
    if [ -f "$D/ready" ] && s3_up; then log "already up on 127.0.0.1:$PORT"; exit 0; fi
    "$0" down "$D" >/dev/null 2>&1 || true
    if s3_up; then echo "port $PORT is already taken by something else" >&2; exit 2; fi
    trap '[ -f "$D/ready" ] || "$0" down "$D" >/dev/null 2>&1' EXIT   # never leave half a cluster behind
    mkdir -p "$D"/{run,log,crash,mon.a,osd.0,rgw}
    FSID=$(uuidgen)
    cat > "$C" <<EOF
[global]
fsid = $FSID
mon_host = [v2:127.0.0.1:$MON_PORT]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_msgr1 = false
keyring = $D/keyring
run_dir = $D/run
admin_socket = $D/run/\$name.asok
pid_file = $D/run/\$name.pid
log_file = $D/log/\$name.log
mon_cluster_log_file = $D/log/cluster.log
crash_dir = $D/crash
mon_data = $D/\$name
osd_data = $D/\$name
osd_objectstore = memstore
memstore_device_bytes = 4294967296
osd_crush_initial_weight = 1
osd_crush_chooseleaf_type = 0
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_max_pg_per_osd = 1000
mon_data_avail_crit = 1
mon_data_avail_warn = 1
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:$PORT
rgw_data = $D/rgw
EOF
    KR="$D/keyring"
    ceph-authtool --create-keyring "$KR" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool "$KR" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
    ceph-authtool "$KR" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
    ceph-authtool "$KR" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
    monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
    ceph-mon -c "$C" -i a --mkfs --monmap "$D/monmap" --keyring "$KR"
    log "starting the monitor on 127.0.0.1:$MON_PORT"
    ceph-mon -c "$C" -i a 2>>"$D/log/stderr.log"
    OSD_UUID=$(uuidgen)
    $CEPH osd new "$OSD_UUID" 0 >/dev/null
    ceph-osd -c "$C" -i 0 --mkfs --osd-uuid "$OSD_UUID" 2>>"$D/log/stderr.log"
    ceph-osd -c "$C" -i 0 2>>"$D/log/stderr.log"
    wait_for 60 bash -c "$CEPH osd dump | grep -q '^osd.0 up'"
    log "osd.0 up; starting radosgw on 127.0.0.1:$PORT"
    radosgw -c "$C" -n client.rgw 2>>"$D/log/stderr.log"
    wait_for 120 s3_up
    radosgw-admin -c "$C" -n client.admin user create --uid kgtest --display-name kgtest \
      --access-key "$AK" --secret-key "$SK" >/dev/null
    echo "$PORT" > "$D/port"
    touch "$D/ready"
    log "ready: http://127.0.0.1:$PORT"
    ;;

  down)
    D=$(realpath -m "${2:?data dir}")
    for n in client.rgw osd.0 mon.a; do stop_daemon "$D" "$n" KILL; done
    if [ -f "$D/ceph.conf" ]; then rm -rf "$D"; fi
    ;;

  stop-gateway)
    D=$(realpath -m "${2:?data dir}")
    stop_daemon "$D" client.rgw TERM
    ;;

  start-gateway)
    D=$(realpath -m "${2:?data dir}"); PORT=$(cat "$D/port")
    radosgw -c "$D/ceph.conf" -n client.rgw 2>>"$D/log/stderr.log"
    wait_for 60 curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/"
    ;;

  *)
    echo "unknown command $cmd" >&2; exit 2 ;;
esac
