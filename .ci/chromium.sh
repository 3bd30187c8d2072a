#!/usr/bin/env bash
# Print the path of Debian's chromium for the browser tests (Playwright drives it through
# executable_path; no browser is downloaded), installing the package first when it is missing
# and we are root (as .ci/postgres.sh and .ci/faketime.sh do).
set -euo pipefail
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium is not installed: install the 'chromium' package (Debian) and retry" >&2
    exit 1
  fi
  echo "installing chromium (Debian package chromium)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
command -v chromium
