"""Golden tests of what jackd prints when its output is not a terminal (a CI log): the `mixed` project on
one worker, so the order is fixed, under several of pytest's report options. Only what varies between
machines and runs is normalised: versions, paths, object addresses and times.

To accept a deliberate change of the output: JACKD_UPDATE_GOLDEN=1 pytest tests/e2e/test_golden_output.py,
then read the diff of tests/e2e/golden/ before committing it."""
from __future__ import annotations

import difflib
import os
import re

import pytest

from jackd_e2e import E2E_DIR

GOLDEN_DIR = E2E_DIR / "golden"

CASES = {
    "default": (),
    "verbose": ("-v",),
    "short_tracebacks_all_reasons": ("--tb=short", "-rA"),
    "quiet_line_tracebacks": ("-q", "--tb=line"),
    "no_tracebacks_durations": ("--tb=no", "--durations=3", "--durations-min=1000"),
}

# Set outside, they would be kept and named in the header.
THREAD_POOLS_UNSET = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                                    "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"))


def normalise(text: str, rootdir: str) -> str:
    text = text.replace(rootdir, "<rootdir>")
    text = re.sub(r"Python [\d.]+, pytest-[\w.]+, pluggy-[\w.]+", "Python <v>, pytest-<v>, pluggy-<v>", text)
    text = re.sub(r"^plugins: .*\n", "", text, flags=re.M)
    text = re.sub(r"^jackd [\w.]+: ", "jackd <v>: ", text, flags=re.M)
    # How many threads each worker's BLAS and OpenMP pools get depends on the machine's CPUs.
    text = re.sub(r"^thread pools: \d+ threads? per worker", "thread pools: <n> threads per worker", text, flags=re.M)
    text = re.sub(r" at 0x[0-9a-f]+", " at 0x<addr>", text)
    # Tracebacks into the standard library (unittest's assertions) name the interpreter's own path.
    text = re.sub(r"/\S+/lib/python3\.\d+/(\S+\.py):\d+", r"<stdlib>/\1:<n>", text)
    text = re.sub(r" in \d+\.\d+s( \(\d+:\d+:\d+\))?", " in <t>s", text)
    return text


@pytest.mark.parametrize("case", sorted(CASES))
def test_log_output_matches_golden(project, run_jackd, test_pytest_version, case):
    if test_pytest_version[0] != 9:
        pytest.skip(f"the golden files hold pytest 9's output (assertion messages), not {test_pytest_version}'s")
    path = project("mixed")
    result = run_jackd(
        path, "-n", "1", "--progress-interval", "0", "-p", "no:cacheprovider", *CASES[case],
        env={"COLUMNS": "100", "CI": None, "NO_COLOR": None, "PY_COLORS": None, "FORCE_COLOR": None, **THREAD_POOLS_UNSET},
    )
    assert result.rc == 1, result.describe()
    actual = normalise(result.stdout, str(path))
    golden = GOLDEN_DIR / f"{case}.txt"
    if os.environ.get("JACKD_UPDATE_GOLDEN"):
        golden.write_text(actual, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(golden), "jackd"))
        pytest.fail(f"the output differs from {golden.name} (JACKD_UPDATE_GOLDEN=1 accepts it):\n{diff}", pytrace=False)
