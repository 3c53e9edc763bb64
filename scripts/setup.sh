#!/usr/bin/env bash
# Set up fuzzir on a fresh Debian/Ubuntu machine: Mesa's lavapipe (Vulkan on the CPU,
# when we may use apt) and a virtual environment in .venv with fuzzir and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 || ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
else
  echo "setup: not root or no apt-get: skipping lavapipe; the vulkan target will be compiled only" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev,atheris]'
echo "setup: done ($(.venv/bin/fuzzir --version))"
