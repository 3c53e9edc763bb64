#!/usr/bin/env bash
# Set up fuzzir on a fresh Debian/Ubuntu machine: Mesa's lavapipe (Vulkan on the CPU) and Chromium
# (the report test) when we may use apt, and a virtual environment in .venv with fuzzir and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  packages=()
  if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 || ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
    packages+=(mesa-vulkan-drivers libvulkan1)
  fi
  # Chromium: the test that renders `fuzzir report`'s HTML page in a real headless browser.
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  if [ "${#packages[@]}" -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
else
  echo "setup: not root or no apt-get: skipping lavapipe; the vulkan target will be compiled only" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev,atheris]'
echo "setup: done ($(.venv/bin/fuzzir --version))"
