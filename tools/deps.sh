#!/usr/bin/env bash
# Installs the Debian packages hepnn needs to build and test, when run as root;
# otherwise prints the apt-get line to run. Usage: tools/deps.sh [build|test]
set -euo pipefail
what=${1:-build}
pkgs=(build-essential cmake pkg-config libopenblas-dev zlib1g-dev liblz4-dev libxxhash-dev
      liblzma-dev libzstd-dev libyaml-dev)
if [ "$what" = test ]; then
  # clang: the second compiler and libFuzzer; nodejs + npm: the independent jsroot cross-check;
  # chromium: renders the HTML report in a test
  pkgs+=(clang nodejs npm)
  # --- report: chromium renders the HTML report; libxml2-dev checks it is well-formed XML ---
  pkgs+=(chromium libxml2-dev)
  # --- end report ---
fi
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node may come from elsewhere than Debian's package; accept any working one
    if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "deps: missing Debian packages; run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
