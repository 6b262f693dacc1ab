#!/usr/bin/env bash
# Installs the PyPI wheel of jackd on a Debian system that never saw a compiler, and runs it.
#
#   tests/packaging/check_clean_system.sh dist/jackd-0.1.0-py3-none-manylinux_2_34_x86_64.whl
#
# Makes a minimal Debian 12 root with debootstrap (--variant=minbase, plus python3 and python3-venv only:
# no compiler, no -dev package, no libgrpc), then inside it, in a mount namespace of its own (so nothing
# stays mounted when it ends):
#   - creates a venv and pip-installs the wheel, its dependencies coming from the package index;
#   - checks that ldd lists only glibc's own objects for the installed engine;
#   - runs `jackd --version`, `python -m jackd --version` and `jackd run -n 2` on examples/demo, whose
#     outcome must be the expected one.
# Needs root (debootstrap, chroot), Debian's archive and PyPI. Exit 0 when all is well.
#   KEEP=1 ...   keep the root (its path is printed) for a look.
#   DEBIAN_MIRROR=URL   the archive to bootstrap from (default: the one this machine's apt uses).
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WHEEL=${1:?usage: check_clean_system.sh WHEEL}

step() { printf 'check_clean_system: %s\n' "$*"; }
fail() {
  printf 'check_clean_system: FAILED: %s\n' "$*" >&2
  exit 1
}

[[ -f $WHEEL ]] || fail "no wheel at $WHEEL (./dev wheel builds it)"
((EUID == 0)) || fail "needs root, for debootstrap and chroot"
command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"

# The archive this machine's apt uses, so the check needs no network that apt does not already reach.
host_mirror() {
  local uri
  uri="$(grep -hs -m1 -E '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources | awk '{print $2}')" || true
  [[ -n $uri ]] || uri="$(grep -hs -m1 -E '^deb .*/debian/? ' /etc/apt/sources.list | awk '{print $2}')" || true
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}
MIRROR=${DEBIAN_MIRROR:-$(host_mirror)}

WORK="$(mktemp -d -t jackd-clean-system.XXXXXX)"
SYSROOT=$WORK/root
cleanup() {
  if [[ ${KEEP:-} == 1 ]]; then
    echo "check_clean_system: kept $SYSROOT"
    return
  fi
  # The mounts lived in the namespace of the chroot's process, gone with it; never delete through one.
  if findmnt -rn -o TARGET | grep -q "^$SYSROOT"; then
    echo "check_clean_system: $SYSROOT still has mounts; not deleting it" >&2
    return
  fi
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

started=$SECONDS
step "debootstrap --variant=minbase bookworm with python3 and python3-venv (from $MIRROR)"
bootstrap() {
  debootstrap --variant=minbase --include=python3,python3-venv bookworm "$SYSROOT" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1
}
# One more try after a failure: a download that broke off is the usual cause, and apt retries nothing.
if ! bootstrap && ! { rm -rf --one-file-system "$SYSROOT" && step "debootstrap failed; once more" && bootstrap; }; then
  tail -n 30 "$WORK/debootstrap.log" >&2
  fail "debootstrap failed"
fi
step "root made in $((SECONDS - started)) s"

# Name resolution and the CA bundle of this machine (a proxy's CA, where there is one) for pip.
cp /etc/resolv.conf "$SYSROOT/etc/resolv.conf"
mkdir -p "$SYSROOT/etc/ssl/certs"
cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$SYSROOT/etc/ssl/certs/host-ca.crt"
mkdir -p "$SYSROOT/check"
cp "$WHEEL" "$SYSROOT/check/"
cp -r "$ROOT_DIR/examples/demo" "$SYSROOT/check/demo"
grep -v '^#' "$ROOT_DIR/examples/demo/EXPECTED_OUTCOME" >"$SYSROOT/check/expected"
cp "$ROOT_DIR/tests/packaging/clean_system_inside.sh" "$SYSROOT/check/inside.sh"

step "inside the root: install the wheel into a venv and run jackd"
# A clean environment: nothing of this machine's Python or pip configuration reaches the root.
unshare --mount --propagation private --fork bash -euc '
  mount -t proc proc "$1/proc"
  mount --rbind /dev "$1/dev"
  exec chroot "$1" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    bash /check/inside.sh "/check/$2"
' check "$SYSROOT" "$(basename "$WHEEL")" || fail "the wheel does not install or run on a clean system"
step "OK in $((SECONDS - started)) s: the wheel installs and runs on a Debian root without a compiler"
