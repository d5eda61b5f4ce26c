#!/bin/sh
# Installs what building, testing and running the demo need on Debian 12 (`file`: cpack's DEB step
# runs it). tests/setup/packages_test.py checks this list against what the build and tests run.
# Idempotent: packages already present are left alone. Re-runs itself with sudo
# when not root.
set -eu
packages="
  build-essential cmake ninja-build pkg-config clang python3
  libboost-dev libboost-filesystem-dev
  libpcsclite-dev pcscd vsmartcard-vpcd opensc
  libssl-dev openssl libpugixml-dev libicu-dev nlohmann-json3-dev libsqlite3-dev
  libgtest-dev abigail-tools file curl
  chromium chromium-driver python3-selenium fonts-ipafont-gothic
"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
