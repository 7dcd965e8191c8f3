#!/usr/bin/env bash
# chromium.sh install -- installs Debian's chromium (apt; root) for the browser tests, unless present.
# Exit codes: 0 installed or present, 3 missing and not root, other: apt failed.
set -euo pipefail
cmd=${1:?usage: $0 install}
case "$cmd" in
  install)
    if command -v chromium >/dev/null; then exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "chromium is not installed and installing it needs root (apt-get install chromium)" >&2; exit 3; }
    echo "$(date +%T.%3N) chromium: installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
