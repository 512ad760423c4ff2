#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (never a downloaded build).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
echo "installing Debian chromium for the browser tests…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 && apt-get install -y -q chromium >&2
