#!/usr/bin/env bash
# Print the path of libfaketime's `faketime` wrapper, installing the Debian package `faketime`
# first when it is missing.
set -euo pipefail
source "$(dirname "$0")/apt.sh"
apt_ensure faketime "command -v faketime"
command -v faketime
