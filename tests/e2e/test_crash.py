"""A worker that dies mid-test: the test is `crashed` (named, with the signal or exit code and the tail of
the worker's stderr), the rest of its batch runs on a fresh worker, and nothing is retried or lost."""
import re

import pytest

from jackd_e2e import check_report_shape

CRASHED = {"test_segfault.py::test_segfault", "test_exit.py::test_exit"}
TOTAL = 4 + 3 + 6


@pytest.mark.parametrize("workers", ["1", "2"])
def test_crashed_tests_are_reported_and_the_rest_run(project, run_jackd, tmp_path, workers):
    crash_dir = tmp_path / "crash-marks"
    crash_dir.mkdir()
    result = run_jackd(project("crash"), "-n", workers, env={"E2E_CRASH": "1", "E2E_CRASH_DIR": crash_dir})
    check_report_shape(result)
    outcomes = result.outcome_map()
    assert len(outcomes) == TOTAL, result.describe()
    assert {k: v for k, v in outcomes.items() if k in CRASHED} == dict.fromkeys(CRASHED, "crashed"), (
        result.describe()
    )
    others = {k: v for k, v in outcomes.items() if k not in CRASHED}
    assert set(others.values()) == {"passed"}, others
    assert result.rc == 1, result.describe()
    # Both crashes really happened, once each.
    assert sorted(p.name for p in crash_dir.iterdir()) == ["test_exit", "test_segfault"]
    output = result.output
    for node_id in CRASHED:
        assert node_id in output, f"the crash report does not name {node_id}\n" + result.describe()
    assert "SIGSEGV" in output or "signal 11" in output, result.describe()
    assert re.search(r"(exit code|exit status|exited with|status) 3\b", output), result.describe()
    # The tail of the crashed worker's stderr: faulthandler's traceback names the crashing frame.
    assert 'test_segfault.py", line 6 in test_segfault' in output, "no tail of the worker's stderr\n" + (
        result.describe()
    )


def test_crash_project_passes_without_the_knob(project, run_jackd):
    result = run_jackd(project("crash"), "-n", "2")
    assert result.rc == 0, result.describe()
    assert set(result.outcome_map().values()) == {"passed"}
