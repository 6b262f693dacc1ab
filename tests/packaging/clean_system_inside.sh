#!/usr/bin/env bash
# Runs inside the minimal Debian root of check_clean_system.sh: what a user does after `pip install`.
#   clean_system_inside.sh WHEEL    (the demo suite is in /check/demo, its expected outcome in /check/expected)
set -euo pipefail

WHEEL=$1
step() { printf 'check_clean_system: [root] %s\n' "$*"; }
fail() {
  printf 'check_clean_system: FAILED: [root] %s\n' "$*" >&2
  exit 1
}

for tool in cc gcc g++ c++ clang; do
  if command -v "$tool" >/dev/null; then fail "this root has a compiler ($tool), so it proves nothing"; fi
done

step "python3 -m venv /opt/venv; pip install $(basename "$WHEEL")"
python3 -m venv /opt/venv
started=$SECONDS
/opt/venv/bin/pip install --quiet "$WHEEL" || fail "pip install of the wheel failed"
step "installed in $((SECONDS - started)) s"

engine=/opt/venv/bin/jackd
[[ -x $engine ]] || fail "pip put no executable jackd in /opt/venv/bin"

step "ldd $engine"
ldd "$engine" | sed 's/^/    /'
# glibc's own objects (and the kernel's vDSO) are all the engine may load.
others="$(ldd "$engine" | grep -v -E '^\s*(linux-vdso\.so\.1|(/lib64/)?ld-linux-x86-64\.so\.2|lib(c|m|pthread|dl|rt)\.so\.[0-9]+)\b' || true)"
[[ -z $others ]] || fail "the engine loads more than glibc: $others"

step "jackd --version"
export PATH=/opt/venv/bin:$PATH
version="$(jackd --version)" || fail "jackd --version exited non-zero"
printf '%s\n' "$version" | sed 's/^/    /'
grep -q '^jackd [0-9]' <<<"$version" || fail "jackd --version printed no version"
grep -q 'jackd-shim: not importable' <<<"$version" && fail "jackd --version cannot import the shim"

step "python -m jackd --version"
[[ "$(/opt/venv/bin/python -m jackd --version | head -n 1)" == "$(head -n 1 <<<"$version")" ]] ||
  fail "python -m jackd --version differs from jackd --version"

step "jackd run -n 2 -q in examples/demo"
rc=0
(cd /check/demo && jackd run -n 2 -q) >/check/demo.log 2>&1 || rc=$?
sed 's/^/    /' /check/demo.log
# jackd's final line, as pytest's: the expected counts in pytest's order, then the time.
grep -q "^$(cat /check/expected) in " /check/demo.log || fail "the demo's outcome is not '$(cat /check/expected)'"
# The demo has one deliberate failure: pytest's exit code 1.
[[ $rc == 1 ]] || fail "jackd run exited $rc on the demo; with its one deliberate failure it must exit 1"
step "the demo's outcome is the expected one: $(cat /check/expected)"

# jackd installed as a tool (pipx, uv tool): its own venv, and the project's without grpcio, protobuf or
# the shim, with another pytest release, which must be the one that runs the tests.
step "a project venv with pytest 8 only, run by the jackd of /opt/venv (as after pipx install jackd)"
python3 -m venv /opt/project
/opt/project/bin/pip install --quiet "pytest==8.4.2" || fail "pip install pytest 8.4.2 failed"
version="$(jackd --version --python /opt/project/bin/python)"
printf '%s\n' "$version" | sed 's/^/    /'
grep -q '^jackd-shim .*(/opt/venv/lib/python3[.0-9]*/site-packages/jackd_shim)$' <<<"$version" ||
  fail "jackd did not lend its own shim to the project's interpreter"
grep -q '^pytest 8\.4\.2$' <<<"$version" || fail "the project's own pytest is not the one used"
rc=0
(cd /check/demo && jackd run -n 2 -q --python /opt/project/bin/python) >/check/tool.log 2>&1 || rc=$?
tail -n 2 /check/tool.log | sed 's/^/    /'
grep -q "^$(cat /check/expected) in " /check/tool.log || fail "the demo's outcome under the project's venv is not '$(cat /check/expected)'"
[[ $rc == 1 ]] || fail "jackd run exited $rc with the project's venv; it must exit 1"
step "the project's venv ran the demo with jackd's shim and its own pytest"
