#!/usr/bin/env bash
# Runs the four timing benchmarks of issue 6 one after another with the same options, e.g.
#   benchmarks/run_all.sh --quick           # smoke run, a few minutes
#   benchmarks/run_all.sh --markdown        # full run, for RESULTS.md (about 30 minutes on 2 cores)
# Every script still runs when an earlier one reported a crashed contender; the exit status is 1 if
# any of them did. Options every script takes: --repeat, --quick, --cold/--warm/--both, --jackd,
# --python, --timeout, --markdown, --keep (script-specific ones such as -n differ: run those alone).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="$HERE/../.venv/bin/python"
[[ -x $PYTHON ]] || PYTHON=python3

status=0
for bench in bench_trivial bench_sleep bench_skewed bench_collection_heavy; do
  printf '\n===== %s %s\n' "$bench" "$*"
  "$PYTHON" "$HERE/$bench.py" "$@" || status=1
done
exit $status
