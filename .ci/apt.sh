# Sourced by the .ci scripts: install a Debian package when its command is missing and we are
# root (CI and a fresh machine); otherwise say what to install. Output goes to stderr, so the
# scripts' stdout stays the one path or URL they print.
apt_ensure() {  # apt_ensure PACKAGE COMMAND_OR_PATH_TEST
  local package=$1 present=$2
  if eval "$present" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "$package is not installed: install the '$package' package (Debian) and retry" >&2
    exit 1
  fi
  echo "installing $package (Debian package $package)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}
