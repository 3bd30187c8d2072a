#!/usr/bin/env bash
# Print the path of Debian's chromium for the browser tests (Playwright drives it through
# executable_path; no browser is downloaded), installing the package first when it is missing.
set -euo pipefail
source "$(dirname "$0")/apt.sh"
apt_ensure chromium "command -v chromium"
command -v chromium
