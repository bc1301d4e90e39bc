#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when missing:
#   ovmf      real OVMF firmware images (/usr/share/OVMF) for the firmware-reader tests
#   ovmf-ia32 the 32-bit images (OVMF32_CODE_4M.secboot.fd), asserted the same way
#   chromium  headless browser for the page tests (driven by Playwright's Python package)
#   qemu-system-x86  real QEMU (TCG) booting Debian's OVMF for the `cvmreview capture` tests
set -euo pipefail
missing=()
[ -f /usr/share/OVMF/OVMF_CODE.fd ] || missing+=(ovmf)
[ -f /usr/share/OVMF/OVMF32_CODE_4M.secboot.fd ] || missing+=(ovmf-ia32)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
