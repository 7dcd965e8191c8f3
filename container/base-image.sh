#!/usr/bin/env bash
# The image's base: a minimal Debian rootfs made with debootstrap from this machine's own apt mirror (no public
# container registry is needed), imported into podman as one layer. Needs root (debootstrap).
#
#   base-image.sh TAG WORK_DIR      build the base as TAG unless podman already has it
#
# Only what the module needs at run time is added to debootstrap's minbase: ICU (PowerShell's globalization),
# OpenSSL and CA certificates (HTTPS to S3), time zones. The apt lists and caches, documentation and locales are
# removed afterwards. The suite is the host's own (the worker's libtorch was patched against its libstdc++).
set -euo pipefail

TAG=${1:?usage: $0 TAG WORK_DIR}
WORK=$(realpath -m "${2:?work dir}")
PACKAGES=libicu72,libssl3,ca-certificates,tzdata

log() { echo "$(date +%T.%3N) base-image: $*"; }

if podman image exists "$TAG"; then log "$TAG exists"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "building the base image needs root (debootstrap)" >&2; exit 3; }
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 3; }

. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
# The first Debian mirror apt uses here (deb822 "URIs:" or one-line "deb URI SUITE ..."), else Debian's own.
MIRROR=$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
  awk -v s="$SUITE" '/^URIs:/ && $2 !~ /security/ { print $2; exit } $1 == "deb" && $3 == s { print $2; exit }')
MIRROR=${MIRROR:-http://deb.debian.org/debian}

ROOTFS="$WORK/rootfs"
rm -rf "$ROOTFS"; mkdir -p "$WORK"
trap 'rm -rf "$ROOTFS"' EXIT
log "debootstrap $SUITE from $MIRROR (+ $PACKAGES)"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 ||
  { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
rm -rf "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* \
  "$ROOTFS"/usr/share/info/* "$ROOTFS"/var/log/*
find "$ROOTFS"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
log "importing as $TAG"
tar -C "$ROOTFS" -c . | podman import --message "debootstrap $SUITE minbase + $PACKAGES from $MIRROR" - "$TAG" >/dev/null
log "done: $(podman image inspect --format '{{.Size}}' "$TAG") bytes"
