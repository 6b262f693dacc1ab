#!/usr/bin/env bash
# Checks the source distribution: `pip install jackd-<version>.tar.gz` into a fresh venv builds the engine
# from source (as pip does on a platform the wheel does not fit) and must put a working `jackd` on that
# venv's PATH, together with the shim package jackd_shim, and `jackd run` must run the demo suite with
# that venv's Python. The sdist is made from this checkout first (.venv's `build`), so a file the build
# needs but the sdist leaves out fails here. Slow (it builds the engine from scratch); needs the Debian
# packages of .ci/apt-packages.txt and PyPI (scikit-build-core, grpcio, protobuf, pytest).
#
# What is under test is the packaging, not the optimizer: the engine is compiled at -O0 (through
# scikit-build-core's cmake.define), which takes a third less CPU than pyproject.toml's Release
# (206 s against 307 s here). RELEASE=1 builds the engine exactly as pip does for a user.
#
#   tests/packaging/check_sdist.sh            # exit 0 when all is well
#   RELEASE=1 tests/packaging/check_sdist.sh  # with the optimized Release build users get
#   KEEP=1 tests/packaging/check_sdist.sh     # keep the temp dir (venv, logs) for a look
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON=${PYTHON:-python3}
WORK="$(mktemp -d -t jackd-wheel.XXXXXX)"
cleanup() { if [[ ${KEEP:-} == 1 ]]; then echo "check_sdist: kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

step() { printf 'check_sdist: %s\n' "$*"; }
fail() {
  printf 'check_sdist: FAILED: %s\n' "$*" >&2
  exit 1
}

step "creating a venv in $WORK/venv"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"

pip_options=(--disable-pip-version-check)
[[ ${RELEASE:-} == 1 ]] || pip_options+=(--config-settings=cmake.define.CMAKE_CXX_FLAGS_RELEASE=-O0)
step "python -m build --sdist $ROOT"
"$ROOT/.venv/bin/python" -m build --sdist --no-isolation --outdir "$WORK/sdist" "$ROOT" >"$WORK/sdist.log" 2>&1 ||
  { cat "$WORK/sdist.log" >&2; fail "building the source distribution failed"; }
sdist="$(ls "$WORK"/sdist/jackd-*.tar.gz)"

step "pip install $(basename "$sdist") (builds the engine; takes a few minutes; log: $WORK/pip.log)"
if ! "$VPY" -m pip install "${pip_options[@]}" "$sdist" >"$WORK/pip.log" 2>&1; then
  tail -n 40 "$WORK/pip.log" >&2
  KEEP=1
  fail "pip install of the source distribution failed"
fi

step "built $(grep -o 'jackd-[^ ]*\.whl' "$WORK/pip.log" | head -n 1)"

step "checking what was installed"
[[ -x $WORK/venv/bin/jackd ]] || fail "no executable jackd in $WORK/venv/bin"
# Run from elsewhere so that the source tree's worker_shim/ cannot be imported by accident.
(cd "$WORK" && "$VPY" -c 'import jackd_shim, grpc, google.protobuf, pytest; print("jackd_shim from", jackd_shim.__file__)') ||
  fail "the venv cannot import jackd_shim and its dependencies"
(cd "$WORK" && "$VPY" -c 'import jackd_shim, sys; sys.exit(0 if "site-packages" in jackd_shim.__file__ else 1)') ||
  fail "jackd_shim was not installed into site-packages"

step "jackd --version"
version="$(PATH="$WORK/venv/bin:$PATH" jackd --version)" || fail "jackd --version exited non-zero"
echo "  $version"
[[ $version == *[0-9].[0-9]* ]] || fail "jackd --version printed no version number"

step "jackd run on examples/demo with the venv's Python"
# A copy, so the run leaves no caches in the source tree.
cp -r "$ROOT/examples/demo" "$WORK/demo"
rc=0
(cd "$WORK/demo" && PATH="$WORK/venv/bin:$PATH" jackd run --python "$VPY" -q) >"$WORK/demo.log" 2>&1 || rc=$?
cat "$WORK/demo.log"
expected="$(grep -v '^#' "$ROOT/examples/demo/EXPECTED_OUTCOME")"
"$VPY" - "$WORK/demo.log" "$expected" <<'PY' || fail "the demo's outcome is not '$expected'"
import re, sys

def counts(text):
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    for line in reversed(text.splitlines()):
        found = {w: int(n) for n, w in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)", line)}
        if found:
            return found
    return {}

sys.exit(0 if counts(open(sys.argv[1]).read()) == counts(sys.argv[2]) else 1)
PY
[[ $rc == 1 ]] || fail "jackd run exited $rc on the demo; with its one deliberate failure it must exit 1"

step "OK: the source distribution builds and installs jackd and jackd_shim, and jackd runs the demo ($expected)"
