#!/usr/bin/env bash
# A local OCI registry for the image tests: Debian's docker-registry, storage under DATA_DIR, bound to 127.0.0.1:PORT,
# no authentication (loopback only). podman and skopeo push to it as localhost:PORT over plain HTTP (--tls-verify=false).
#
#   oci-registry.sh install               install docker-registry (apt; root) unless present
#   oci-registry.sh up DATA_DIR PORT      start (idempotent: exits at once if DATA_DIR's registry answers on PORT)
#   oci-registry.sh down DATA_DIR         stop it (by PID) and delete DATA_DIR
set -euo pipefail

log() { echo "$(date +%T.%3N) oci-registry: $*"; }
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s:0:1}" != Z ]; }

cmd=${1:?usage: $0 install|up|down ...}
case "$cmd" in
  install)
    command -v docker-registry >/dev/null && exit 0
    [ "$(id -u)" = 0 ] || { echo "docker-registry is not installed and installing it needs root (apt-get install docker-registry)" >&2; exit 3; }
    log "installing docker-registry"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
    ;;

  up)
    D=$(realpath -m "${2:?data dir}"); PORT=${3:?port}
    up() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/v2/"; }
    if [ -f "$D/config.yml" ] && up; then log "already up on localhost:$PORT"; exit 0; fi
    "$0" down "$D" >/dev/null 2>&1 || true
    mkdir -p "$D/storage"
    cat > "$D/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $D/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
EOF
    nohup docker-registry serve "$D/config.yml" > "$D/registry.log" 2>&1 &
    echo $! > "$D/registry.pid"
    for _ in $(seq 100); do up && break; sleep 0.1; done
    up || { tail -n 20 "$D/registry.log" >&2; "$0" down "$D"; exit 1; }
    log "ready: localhost:$PORT"
    ;;

  down)
    D=$(realpath -m "${2:?data dir}")
    [ -d "$D" ] || exit 0
    [ -f "$D/config.yml" ] || { echo "refusing to delete $D: it is not a test registry" >&2; exit 2; }
    if [ -s "$D/registry.pid" ]; then
      p=$(cat "$D/registry.pid")
      if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$D/config.yml"; then
        kill -TERM "$p" 2>/dev/null || true
        for _ in $(seq 100); do alive "$p" || break; sleep 0.05; done
        alive "$p" && kill -KILL "$p" 2>/dev/null || true
      fi
    fi
    rm -rf "$D"
    ;;

  *) echo "usage: $0 install|up|down ..." >&2; exit 2 ;;
esac
