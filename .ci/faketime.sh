#!/usr/bin/env bash
# Print the path of libfaketime's `faketime` wrapper, installing the Debian package `faketime`
# first when it is missing and we are root (as .ci/postgres.sh does for PostgreSQL).
set -euo pipefail
if ! command -v faketime >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "faketime is not installed: install the 'faketime' package (Debian) and retry" >&2
    exit 1
  fi
  echo "installing faketime (Debian package faketime)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
fi
command -v faketime
