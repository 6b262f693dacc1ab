#!/usr/bin/env bash
# Checks that the shim's protoc-3.21 gencode (worker_shim/jackd_shim/jackd_pb2.py) works with the oldest
# protobuf runtime we accept (4.21.12) and with the newest 7.x on PyPI.
#
# For each runtime it creates a throwaway venv (protobuf + grpcio + pytest), imports jackd_pb2 with
# warnings turned into errors, runs the collect mode round trip (shim process -> CollectionReport file ->
# parsed back) and the worker-mode outcome tests against the fake engine.
#
#   tests/shim/check_protobuf_versions.sh            # uses python3
#   PYTHON=python3.9 tests/shim/check_protobuf_versions.sh
#
# Needs PyPI access; takes a minute or two. Exits non-zero when any runtime fails.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/jackd-protobuf-check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

RUNTIMES=("protobuf==4.21.12" "protobuf>=7,<8")
failed=()

round_trip() {
  # $1: venv python. Collect mode on a fixture project, then parse the report with the same runtime.
  local python="$1" project="$WORK/project"
  rm -rf "$project"
  mkdir -p "$project"
  cat > "$project/test_sample.py" <<'EOF'
import pytest

class TestGroup:
    @pytest.mark.xdist_group("db")
    def test_in_class(self):
        pass

@pytest.mark.parametrize("value", ["a::b", "[x]", "ünï"])
def test_param(value):
    pass
EOF
  (cd "$project" && PYTHONPATH="$REPO/worker_shim" "$python" -W error -c '
import sys
sys.path[:] = [p for p in sys.path if p != ""]
from jackd_shim.__main__ import main
sys.exit(main(sys.argv[1:]))' collect "$project/report.bin" -q -p no:cacheprovider > "$project/collect.out" 2>&1) || {
    cat "$project/collect.out"
    return 1
  }
  PYTHONPATH="$REPO/worker_shim" "$python" -W error - "$project/report.bin" <<'EOF'
import sys
from google.protobuf import __version__ as runtime
from jackd_shim import jackd_pb2
from jackd_shim.protocol import collection_digest

with open(sys.argv[1], "rb") as stream:
    report = jackd_pb2.CollectionReport.FromString(stream.read())
ids = [item.node_id for item in report.items]
assert len(ids) == 4, ids
assert report.digest == collection_digest(ids), report.digest
assert report.items[0].xdist_group == "db" and list(report.items[0].class_chain) == ["TestGroup"]
assert report.pytest_exit == 0 and report.settings.pytest_version
print(f"    collect round trip ok: protobuf {runtime}, {len(ids)} items, digest {report.digest[:12]}...")
EOF
}

for runtime in "${RUNTIMES[@]}"; do
  venv="$WORK/venv-${#failed[@]}-$RANDOM"
  echo "== $runtime"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$runtime" grpcio pytest
  "$venv/bin/python" -c 'import google.protobuf, grpc, pytest, sys
print(f"    python {sys.version.split()[0]}, protobuf {google.protobuf.__version__}, grpcio {grpc.__version__}, pytest {pytest.__version__}")'
  ok=1
  if ! PYTHONPATH="$REPO/worker_shim" "$venv/bin/python" -W error -c 'from jackd_shim import jackd_pb2; jackd_pb2.WorkerMessage(ready=jackd_pb2.WorkerReady(pid=1)).SerializeToString()'; then
    echo "    FAILED: jackd_pb2 (protoc 3.21 gencode) does not import under $runtime"
    ok=0
  elif ! round_trip "$venv/bin/python"; then
    echo "    FAILED: collect round trip under $runtime"
    ok=0
  elif ! (cd "$REPO" && "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/shim/test_worker.py \
            -k "every_test_gets_exactly_one or module_fixture_spans_batches or ready_describes" > "$WORK/worker.out" 2>&1); then
    cat "$WORK/worker.out"
    echo "    FAILED: worker tests under $runtime"
    ok=0
  else
    echo "    worker round trip ok (fake engine, real gRPC stream)"
  fi
  [[ $ok == 1 ]] || failed+=("$runtime")
done

if ((${#failed[@]})); then
  echo "protobuf check FAILED for: ${failed[*]}"
  exit 1
fi
echo "protobuf check passed for: ${RUNTIMES[*]}"
